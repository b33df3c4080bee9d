package dev.jgrad.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proof that a training run survives being killed at any moment: a real {@code jgrad train} runs in a child
 * JVM (the test JVM's java, class path and flags, a working directory outside the repository), is killed with
 * SIGKILL at random moments at least 20 times — with a checkpoint every step, most kills land inside a checkpoint
 * write, the rest in start-up, resume or a step — and resumed each time with {@code --resume}; then once stopped
 * with SIGTERM (the Ctrl-C path: the shutdown hook lets the step finish and the checkpoint be written). At the end
 * the weights and optimizer state are byte-identical to an uninterrupted run with the same seed, and the metrics
 * hold each step exactly once with the same losses.
 */
class CrashResumeTest {

    private static final int STEPS = 96, EVAL_INTERVAL = 8, KILLS = 20;

    private static String[] trainArgs(Path data, Path out, String checkpointEverySteps) {
        return new String[] {"train", "--data", data.toString(), "--out", out.toString(), "--tokenizer", "char",
                "--documents", "blank-lines", "--dim", "16", "--layers", "1", "--heads", "2", "--block", "16",
                "--batch", "4", "--warmup", "2", "--steps", Integer.toString(STEPS), "--eval-interval",
                Integer.toString(EVAL_INTERVAL), "--eval-batches", "1", "--sample-tokens", "0", "--seed", "5",
                "--checkpoint-every-steps", checkpointEverySteps};
    }

    /** A child JVM running {@code Main args} in {@code dir}; {@code firstStep} opens when it prints its first step. */
    private record Child(Process process, CountDownLatch firstStep, StringBuffer output, Thread reader) {}

    private static Child start(Path dir, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (!a.startsWith("-agentlib:jdwp") && !a.startsWith("-javaagent")) cmd.add(a);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        CountDownLatch firstStep = new CountDownLatch(1);
        StringBuffer output = new StringBuffer();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    output.append(line).append('\n');
                    if (line.startsWith("step ")) firstStep.countDown();
                }
            } catch (IOException ignored) {
                // the process was killed
            }
        });
        reader.setDaemon(true);
        reader.start();
        return new Child(p, firstStep, output, reader);
    }

    private static int finish(Child c) throws Exception {
        assertTrue(c.process().waitFor(120, TimeUnit.SECONDS), "the child did not finish: " + c.output());
        c.reader().join(10_000);   // the rest of its output
        return c.process().exitValue();
    }

    /** The rows of {@code metrics.csv} without the timing columns (ms, items/s, GFLOP/s differ from run to run). */
    private static List<String> metricsWithoutTimings(Path run) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.csv"))) {
            String[] f = line.split(",", -1);
            out.add(String.join(",", List.of(f).subList(0, 6)));
        }
        return out;
    }

    /** The step of {@code checkpoints/last} (after recovering from an interrupted write), 0 if there is none. */
    private static long savedStep(Path run) throws IOException {
        Path last = run.resolve("checkpoints/last");
        dev.jgrad.core.io.AtomicDirectory.recover(last);
        return Files.isDirectory(last) ? dev.jgrad.optim.Checkpoint.savedStep(last) : 0;
    }

    @Test
    void killedAtRandomMomentsTheRunResumesToTheSameWeights(@TempDir Path dir) throws Exception {
        Path data = CliTest.corpus(dir), reference = dir.resolve("reference"), run = dir.resolve("run");

        // The uninterrupted run (in this JVM: same java, flags and class path as the children). How often it
        // checkpoints does not change its numbers.
        assertEquals(0, Main.commandLine().execute(trainArgs(data, reference, "0")));

        Random random = new Random(42);
        int kills = 0;
        Child c = start(dir, trainArgs(data, run, "1"));
        while (true) {
            if (kills % 4 == 3) {
                // Anywhere from JVM start-up on: loading, resuming, truncating the metrics, or the first step.
                c.firstStep().await(random.nextInt(1500), TimeUnit.MILLISECONDS);
            } else {
                // Just after a step is reported: its checkpoint is being written (a step is mostly that write).
                // The first launch is always killed here, after it has written config.json and the token cache.
                assertTrue(c.firstStep().await(60, TimeUnit.SECONDS), c.output().toString());
                Thread.sleep(random.nextInt(20));
            }
            assertTrue(c.process().isAlive(), "the run finished after only " + kills + " kills: " + c.output());
            c.process().destroyForcibly();   // SIGKILL
            c.process().waitFor();
            if (++kills == KILLS) break;
            c = start(dir, "train", "--resume", run.toString(), "--checkpoint-every-steps", "1");
        }

        // Ctrl-C: SIGTERM runs the shutdown hook, which stops at a step boundary and writes checkpoints/last. With the
        // periodic checkpoints off, only the hook can have saved the last step the child logged.
        long before = savedStep(run);
        c = start(dir, "train", "--resume", run.toString(), "--checkpoint-every-steps", "0", "--checkpoint-every-minutes", "0");
        assertTrue(c.firstStep().await(60, TimeUnit.SECONDS), c.output().toString());
        c.process().destroy();   // SIGTERM (it also closes our end of the child's output)
        finish(c);
        long lastLogged = metricsWithoutTimings(run).stream().filter(r -> r.startsWith("train,"))
                .mapToLong(r -> Long.parseLong(r.split(",")[1])).max().orElseThrow();
        assertTrue(lastLogged > before, "the child trained past step " + before);
        assertEquals(lastLogged, savedStep(run), "the stop saved the last step it completed");

        Child last = start(dir, "train", "--resume", run.toString());
        assertEquals(0, finish(last), last.output().toString());

        for (String f : List.of("checkpoints/last/model.safetensors", "checkpoints/last/optimizer.safetensors"))
            assertEquals(-1, Files.mismatch(reference.resolve(f), run.resolve(f)),
                    f + " differs from the uninterrupted run's after " + kills + " kills");
        List<String> expected = metricsWithoutTimings(reference), got = metricsWithoutTimings(run);
        assertEquals(1 + STEPS + STEPS / EVAL_INTERVAL, expected.size(), "header, one row per step and per evaluation");
        assertEquals(expected, got, "each step once, with the uninterrupted run's losses");
    }
}
