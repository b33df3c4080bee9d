package dev.jgrad.transformer.tokenizer;

import java.io.IOException;

/**
 * A tokenizer file that cannot be read: wrong format, truncated, corrupt, or inconsistent. The message names
 * the file and where the problem is (byte offset, line, token index).
 */
public class TokenizerFormatException extends IOException {

    public TokenizerFormatException(String message) {
        super(message);
    }

    public TokenizerFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
