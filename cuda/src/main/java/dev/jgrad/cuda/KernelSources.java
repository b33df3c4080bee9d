package dev.jgrad.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The CUDA C sources shipped as resources under {@code dev/jgrad/cuda/kernels/}: one .cu file per family of
 * kernels, and the header {@code jgrad.cuh} they all include (handed to NVRTC in memory).
 */
final class KernelSources {

    static final String DIRECTORY = "/dev/jgrad/cuda/kernels/";
    static final String HEADER = "jgrad.cuh";
    /** Every kernel file, in no particular order. */
    static final List<String> FILES = List.of("elementwise.cu", "reduce.cu", "index.cu", "norm.cu", "loss.cu",
            "optim.cu", "rope.cu", "attention.cu", "attention_generic.cu", "quant.cu");

    private KernelSources() {}

    /** The text of resource {@code name} (a .cu file or the header). */
    static String read(String name) {
        try (InputStream in = KernelSources.class.getResourceAsStream(DIRECTORY + name)) {
            if (in == null) throw new IllegalStateException("kernel source " + DIRECTORY + name + " is not on the class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kernel source " + name, e);
        }
    }
}
