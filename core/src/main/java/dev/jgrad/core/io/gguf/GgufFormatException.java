package dev.jgrad.core.io.gguf;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A GGUF file whose bytes break the format: wrong magic or version, a count, length, dimension or offset past
 * what the file holds, an unknown value or tensor type, misaligned or overlapping tensor data. The message names
 * the file, the byte position or item at fault, and the problem; {@link GgufFile#open} throws it before making any
 * allocation the file's numbers ask for.
 */
public final class GgufFormatException extends IOException {

    public GgufFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }
}
