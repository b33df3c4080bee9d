package dev.jgrad.nn.data;

/**
 * A corpus or cache file whose content cannot be used: not text (NUL bytes, invalid UTF-8), an
 * empty corpus, a malformed JSONL record, or a corrupt token cache. The message names the file
 * and, where known, the byte offset or line.
 */
public class CorpusException extends RuntimeException {

    public CorpusException(String message) {
        super(message);
    }

    public CorpusException(String message, Throwable cause) {
        super(message, cause);
    }
}
