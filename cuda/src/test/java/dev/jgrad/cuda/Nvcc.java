package dev.jgrad.cuda;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs nvcc from the PATH on the kernel resources (copied with the header into a temporary directory). */
final class Nvcc {

    private Nvcc() {}

    /** The nvcc executable on the PATH, or null. */
    static Path find() {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, "nvcc");
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    /** Copies the header and every kernel file from the class path into {@code dir}. */
    static void writeSources(Path dir) throws IOException {
        Files.writeString(dir.resolve(KernelSources.HEADER), KernelSources.read(KernelSources.HEADER));
        for (String f : KernelSources.FILES) Files.writeString(dir.resolve(f), KernelSources.read(f));
    }

    /** The result of one nvcc run. */
    record Result(int exitCode, String output) {}

    /** Runs nvcc with {@code args} in {@code dir}. */
    static Result run(Path nvcc, Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(nvcc.toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, "nvcc timed out: " + out);
        }
        return new Result(p.exitValue(), out);
    }
}
