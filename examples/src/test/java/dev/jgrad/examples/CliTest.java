package dev.jgrad.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line as a user runs it, on a tiny corpus. */
class CliTest {

    static String run(int expectedExit, String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        assertEquals(expectedExit, code, "exit code of " + String.join(" ", args) + "; stderr: " + err);
        return err.toString();
    }

    static Path corpus(Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 60; i++)
            sb.append("Verse ").append(i).append(": the quick brown fox jumps over the lazy dog ").append(i % 7).append(" times.\n\n");
        Path f = dir.resolve("corpus.txt");
        Files.writeString(f, sb);
        return f;
    }

    static final String[] TINY = {"--tokenizer", "char", "--documents", "blank-lines", "--dim", "32", "--layers", "1",
            "--heads", "2", "--block", "16", "--batch", "4", "--warmup", "2", "--eval-interval", "5", "--eval-batches", "2",
            "--sample-tokens", "8"};

    /** The command with the tiny settings, {@code more} (option, value pairs) overriding them. */
    static String[] args(String cmd, Path data, Path out, String... more) {
        java.util.LinkedHashMap<String, String> opts = new java.util.LinkedHashMap<>();
        opts.put("--data", data.toString());
        opts.put("--out", out.toString());
        for (int i = 0; i < TINY.length; i += 2) opts.put(TINY[i], TINY[i + 1]);
        List<String> repeated = new java.util.ArrayList<>();
        for (int i = 0; i < more.length; i += 2) {
            if (more[i].equals("--param")) repeated.addAll(List.of(more[i], more[i + 1]));
            else opts.put(more[i], more[i + 1]);
        }
        List<String> a = new java.util.ArrayList<>(List.of(cmd));
        opts.forEach((k, v) -> a.addAll(List.of(k, v)));
        a.addAll(repeated);
        return a.toArray(new String[0]);
    }

    @Test
    void trainWritesARunDirectoryAndResumes(@TempDir Path dir) throws Exception {
        Path data = corpus(dir), run = dir.resolve("run");
        run(0, args("train", data, run, "--steps", "10"));
        for (String f : List.of("config.json", "metrics.csv", "metrics.jsonl", "loss.png", "samples.txt",
                "checkpoints/best/model.safetensors", "checkpoints/last/training.json", "checkpoints/tokenizer.json"))
            assertTrue(Files.exists(run.resolve(f)), f);
        assertEquals(10, Files.readAllLines(run.resolve("metrics.csv")).stream().filter(l -> l.startsWith("train,")).count());
        // continue the same run to 15 steps
        JsonNode config = new ObjectMapper().readTree(run.resolve("config.json").toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) config).put("steps", 15);
        new ObjectMapper().writeValue(run.resolve("config.json").toFile(), config);
        run(0, "train", "--resume", run.toString());
        assertEquals(15, Files.readAllLines(run.resolve("metrics.csv")).stream().filter(l -> l.startsWith("train,")).count());
    }

    @Test
    void generateRunsATrainedCheckpoint(@TempDir Path dir) throws Exception {
        Path data = corpus(dir), run = dir.resolve("run");
        run(0, args("train", data, run, "--steps", "5", "--model", "gpt"));
        run(0, "generate", "--checkpoint", run.resolve("checkpoints/last").toString(), "--tokenizer",
                run.resolve("checkpoints").toString(), "--prompt", "Verse", "--steps", "5", "--seed", "1");
        // Without --tokenizer: the run's tokenizer, kept beside the checkpoints, is found.
        run(0, "generate", "--checkpoint", run.resolve("checkpoints/last").toString(), "--prompt", "Verse",
                "--steps", "5", "--seed", "1");
    }

    @Test
    void searchRanksTrialsAndSavesTheBest(@TempDir Path dir) throws Exception {
        Path data = corpus(dir), out = dir.resolve("search");
        run(0, args("search", data, out, "--steps", "6", "--param", "lr=1e-3,3e-3", "--strategy", "grid"));
        assertEquals(3, Files.readAllLines(out.resolve("results.csv")).size());
        assertTrue(Files.readString(out.resolve("best.json")).contains("\"lr\""));
    }

    @Test
    void badInputIsOneClearLine(@TempDir Path dir) throws Exception {
        Path data = corpus(dir);
        String err = run(2, args("train", dir.resolve("missing.txt"), dir.resolve("r1")));
        assertTrue(err.contains("no such file or directory"), err);
        err = run(2, args("train", data, dir.resolve("r2"), "--dim", "30", "--heads", "4"));
        assertTrue(err.contains("not divisible"), err);
        err = run(2, args("train", data, dir.resolve("r3"), "--block", "3000", "--batch", "1"));
        assertTrue(err.contains("fewer than one window"), err);
        err = run(2, args("train", data, dir.resolve("r3"), "--block", "100000"));
        assertTrue(err.contains("this run needs at least"), err);
        Path empty = dir.resolve("empty.txt");
        Files.writeString(empty, "   \n\n");
        err = run(2, args("train", empty, dir.resolve("r4")));
        assertTrue(err.contains("empty"), err);
        Path binary = dir.resolve("binary.txt");
        Files.write(binary, new byte[] {0x50, 0x4b, 0x03, 0x04, 0, 0, (byte) 0xff, (byte) 0xfe});
        err = run(2, args("train", binary, dir.resolve("r5")));
        assertTrue(err.contains("binary.txt"), err);
    }
}
