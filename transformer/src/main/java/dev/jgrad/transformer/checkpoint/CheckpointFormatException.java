package dev.jgrad.transformer.checkpoint;

import java.io.IOException;
import java.nio.file.Path;

/** A checkpoint file or directory that cannot be loaded; the message names the file and the problem. */
public final class CheckpointFormatException extends IOException {

    private final transient Path path;

    public CheckpointFormatException(Path path, String problem) {
        super(path + ": " + problem);
        this.path = path;
    }

    public CheckpointFormatException(Path path, String problem, Throwable cause) {
        super(path + ": " + problem, cause);
        this.path = path;
    }

    /** The file or directory at fault. */
    public Path path() {
        return path;
    }
}
