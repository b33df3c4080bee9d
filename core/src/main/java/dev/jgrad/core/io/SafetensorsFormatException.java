package dev.jgrad.core.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file whose bytes break the format: a short file, a header length past the end of the
 * file, a header that is not UTF-8 JSON of the expected shape, an unknown dtype, a bad shape, or data
 * offsets that do not tile the data buffer exactly.
 *
 * <p>It extends {@link IOException}: the problem lies in the file's contents, and callers of
 * {@link SafetensorsFile#open(Path)} already handle I/O failures. The message names the file and the
 * problem (and the tensor, where one is at fault).
 */
public final class SafetensorsFormatException extends IOException {

    private final Path file;

    public SafetensorsFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public SafetensorsFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }
}
