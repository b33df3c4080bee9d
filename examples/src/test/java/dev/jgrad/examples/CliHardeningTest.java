package dev.jgrad.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static dev.jgrad.examples.CliTest.args;
import static dev.jgrad.examples.CliTest.corpus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hardening of the training commands, each case a user met on a fresh clone. Every command runs in a temporary
 * working directory with relative paths, as a user's shell would run it outside the repository.
 */
class CliHardeningTest {

    static InProcess.Result expect(int code, InProcess.Result r) {
        assertEquals(code, r.code(), "exit code; stdout:\n" + r.out() + "\nstderr:\n" + r.err());
        if (code != 0) assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        return r;
    }

    /** {@code a} followed by {@code more}. */
    static String[] plus(String[] a, String... more) {
        return Stream.concat(Stream.of(a), Stream.of(more)).toArray(String[]::new);
    }

    static List<String> list(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aMalformedCommandLineIsOneLineNotTheUsage(@TempDir Path cwd) {
        String[][] cases = {
                {"train", "--eval-batches", "1e9"},          // picocli's own type errors, found by the hostile-input sweep
                {"train", "--seed", "abc"},
                {"search", "--data", "corpus.txt"},            // a missing required option
                {"--no-such-option"},
        };
        for (String[] c : cases) {
            InProcess.Result r = expect(2, InProcess.run(cwd, c));
            List<String> lines = r.err().lines().filter(l -> !l.isBlank()).toList();
            assertEquals(1, lines.size(), String.join(" ", c) + ": " + r.err());
            assertTrue(lines.get(0).matches("jgrad( [a-z]+)?: .*\\(see jgrad( [a-z]+)? --help\\)"), lines.get(0));
            assertFalse(r.err().contains("Usage:"), r.err());
        }
        assertFalse(Files.exists(cwd.resolve("runs")), "nothing written");
    }

    @Test
    void relativePathsResolveAgainstTheWorkingDirectory(@TempDir Path cwd) throws Exception {
        corpus(cwd);
        expect(0, InProcess.run(cwd, args("train", Path.of("corpus.txt"), Path.of("runs/m"), "--steps", "4")));
        assertTrue(Files.isRegularFile(cwd.resolve("runs/m/checkpoints/last/model.safetensors")));
        // config.json names the data by its absolute path, so that --resume works from any directory
        String data = new ObjectMapper().readTree(cwd.resolve("runs/m/config.json").toFile()).get("data").asText();
        assertEquals(cwd.resolve("corpus.txt").toString(), data);
        // the default run directory is runs/ in the working directory too
        expect(0, InProcess.run(cwd, "train", "--data", "corpus.txt", "--tokenizer", "char", "--documents", "blank-lines",
                "--dim", "16", "--layers", "1", "--heads", "2", "--block", "8", "--batch", "2", "--steps", "2",
                "--eval-interval", "0", "--sample-tokens", "0"));
        assertTrue(list(cwd.resolve("runs")).stream().anyMatch(n -> n.startsWith("train-")), list(cwd.resolve("runs")).toString());
        assertFalse(Files.exists(Path.of("runs/m")), "nothing written in the test's own working directory");
    }

    @Test
    void aSingleTextFileIsSplitByWindowsAndShortRunsWarmUpForATenth(@TempDir Path cwd) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 400; i++) sb.append("line ").append(i).append(" of one plain text file, ");
        Files.writeString(cwd.resolve("corpus.txt"), sb);
        // the README's command, shrunk: --documents file (the default) makes the file one document; no --warmup
        InProcess.Result r = expect(0, InProcess.run(cwd, "train", "--data", "corpus.txt", "--steps", "30", "--tokenizer", "char",
                "--dim", "16", "--layers", "1", "--heads", "2", "--block", "16", "--batch", "2", "--eval-interval", "10",
                "--eval-batches", "1", "--sample-tokens", "0", "--out", "run"));
        assertTrue(r.out().contains("split: 1 document, too few to split by document (docs:0.9,0.05,0.05), so the first 95%"
                + " of the token stream trains and the rest validates"), r.out());
        assertTrue(r.out().contains("warmup: 3 steps, a tenth of this 30-step run"), r.out());
        assertEquals(3, new ObjectMapper().readTree(cwd.resolve("run/config.json").toFile()).get("warmup").asInt());
        // an explicit warmup is kept, and one as long as the run is refused
        expect(2, InProcess.run(cwd, args("train", Path.of("corpus.txt"), Path.of("r2"), "--steps", "30", "--warmup", "30")));
    }

    @Test
    void searchFailsWhenEveryTrialFailsAndNumbersTrialsFromOne(@TempDir Path cwd) throws Exception {
        corpus(cwd);
        // --heads 4 with dim 30 or 34: every trial fails
        InProcess.Result r = expect(2, InProcess.run(cwd, args("search", Path.of("corpus.txt"), Path.of("s"), "--steps", "4",
                "--heads", "4", "--param", "dim=30,34", "--strategy", "grid")));
        assertTrue(r.err().contains("every trial failed; trial 1: --dim 30 is not divisible by --heads 4"), r.err());
        assertFalse(r.all().contains("best.json"), "no path to a file that was not written: " + r.out());
        assertFalse(Files.exists(cwd.resolve("s")), "a failed search leaves nothing behind");

        r = expect(0, InProcess.run(cwd, args("search", Path.of("corpus.txt"), Path.of("s"), "--steps", "4",
                "--param", "lr=1e-3,3e-3", "--strategy", "grid")));
        assertTrue(r.out().contains("trial 1/2: {lr=0.001}") && r.out().contains("trial 2/2: {lr=0.003}"), r.out());
        List<String> csv = Files.readAllLines(cwd.resolve("s/results.csv"));
        assertEquals(List.of("1", "2"), csv.stream().skip(1).map(l -> l.split(",")[1]).sorted().toList());
        assertTrue(Files.isDirectory(cwd.resolve("s/trial-001")) && Files.isDirectory(cwd.resolve("s/trial-002")));
        assertFalse(Files.exists(cwd.resolve("s/trial-000")));
        int best = new ObjectMapper().readTree(cwd.resolve("s/best.json").toFile()).get("trial").asInt();
        assertTrue(best == 1 || best == 2, "best.json numbers trials as the table does: " + best);
    }

    @Test
    void anExistingRunIsNotReplacedWithoutOverwrite(@TempDir Path cwd) throws Exception {
        corpus(cwd);
        expect(0, InProcess.run(cwd, args("train", Path.of("corpus.txt"), Path.of("runs/mine"), "--steps", "3")));
        Path weights = cwd.resolve("runs/mine/checkpoints/last/model.safetensors");
        byte[] before = Files.readAllBytes(weights);
        InProcess.Result r = expect(2, InProcess.run(cwd, args("train", Path.of("corpus.txt"), Path.of("runs/mine"),
                "--steps", "3", "--seed", "7")));
        assertTrue(r.err().contains("runs/mine already exists and is not empty: give --overwrite"), r.err());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(weights)), "the old checkpoint is untouched");
        expect(0, InProcess.run(cwd, plus(args("train", Path.of("corpus.txt"), Path.of("runs/mine"), "--steps", "3", "--seed", "7"),
                "--overwrite")));
        assertFalse(java.util.Arrays.equals(before, Files.readAllBytes(weights)), "--overwrite replaced the run");
        // --overwrite replaces only a run directory, never some other folder
        Files.createDirectories(cwd.resolve("photos"));
        Files.writeString(cwd.resolve("photos/cat.jpg"), "meow");
        r = expect(2, InProcess.run(cwd, plus(args("train", Path.of("corpus.txt"), Path.of("photos"), "--steps", "3"), "--overwrite")));
        assertTrue(r.err().contains("is not one"), r.err());
        assertEquals("meow", Files.readString(cwd.resolve("photos/cat.jpg")));
        // nor a run directory that holds the data the run reads
        Files.copy(cwd.resolve("corpus.txt"), cwd.resolve("runs/mine/corpus.txt"));
        r = expect(2, InProcess.run(cwd, plus(args("train", Path.of("runs/mine/corpus.txt"), Path.of("runs/mine"), "--steps", "3"),
                "--overwrite")));
        assertTrue(r.err().contains("holds the input"), r.err());
        assertTrue(Files.isRegularFile(cwd.resolve("runs/mine/corpus.txt")));
    }

    @Test
    void aFailingCommandLeavesNothingBehind(@TempDir Path cwd) throws Exception {
        corpus(cwd);
        InProcess.Result r = expect(2, InProcess.run(cwd, args("train", Path.of("missing.txt"), Path.of("r1"))));
        assertTrue(r.err().contains("no such file or directory"), r.err());
        // fails after the directory was made: the validation split is shorter than one window
        r = expect(2, InProcess.run(cwd, args("train", Path.of("corpus.txt"), Path.of("r2"), "--block", "3000", "--batch", "1")));
        assertTrue(r.err().contains("fewer than one window"), r.err());
        expect(2, InProcess.run(cwd, "finetune", "--base", "nowhere", "--data", "corpus.txt", "--out", "r3"));
        expect(2, InProcess.run(cwd, "finetune", "--base", "nowhere", "--data", "missing.txt", "--out", "r4"));
        assertEquals(List.of("corpus.txt"), list(cwd));
    }

    @Test
    void theRootIsNotAnOutput(@TempDir Path cwd) throws Exception {
        corpus(cwd);
        InProcess.Result r = expect(2, InProcess.run(cwd, args("train", Path.of("corpus.txt"), Path.of("/"), "--steps", "4")));
        assertTrue(r.err().contains("--out / is a file system root"), r.err());
        r = expect(2, InProcess.run(cwd, "merge", "--base", "b", "--adapter", "a", "--out", "/"));
        assertTrue(r.err().contains("--out / is a file system root"), r.err());
    }

    @Test
    void garbageOptionsAreRefusedNamingTheOption(@TempDir Path cwd) throws Exception {
        corpus(cwd);
        String[][] cases = {
                {"--lr", "Infinity", "--lr must be a finite number greater than 0, got Infinity"},
                {"--lr", "NaN", "--lr must be a finite number greater than 0, got NaN"},
                {"--clip", "NaN", "--clip must be a finite number >= 0, got NaN"},
                {"--eval-interval", "-1", "--eval-interval must be >= 0, got -1"},
                {"--patience", "-1", "--patience must be >= 0, got -1"},
                {"--eval-batches", "1000000000", "--eval-batches must be in [1, 10000], got 1000000000"},
                {"--grad-accum", "1000000000", "--grad-accum must be in [1, 1024], got 1000000000"},
                {"--weight-decay", "-0.1", "--weight-decay must be a finite number >= 0, got -0.1"},
        };
        for (String[] c : cases) {
            InProcess.Result r = expect(2, InProcess.run(cwd, args("train", Path.of("corpus.txt"), Path.of("r"), c[0], c[1])));
            assertTrue(r.err().contains(c[2]), c[0] + " " + c[1] + ": " + r.err());
        }
        expect(2, InProcess.run(cwd, "finetune", "--base", "b", "--data", "corpus.txt", "--lr", "Infinity", "--out", "f"));
        InProcess.Result r = expect(2, InProcess.run(cwd, "finetune", "--base", "b", "--data", "corpus.txt", "--steps", "5",
                "--warmup", "5", "--out", "f"));
        assertTrue(r.err().contains("--warmup 5 must be in [0, --steps 5)"), r.err());
        assertEquals(List.of("corpus.txt"), list(cwd));
    }

    @Test
    void absurdSizesAreRefusedBeforeAllocating(@TempDir Path cwd) throws Exception {
        corpus(cwd);
        for (String[] c : new String[][] {{"--layers", "100000"}, {"--batch", "1000000"}, {"--dim", "65536", "--heads", "4"}}) {
            long t0 = System.nanoTime();
            String[] more = c.length == 2 ? c : new String[] {c[0], c[1], c[2], c[3]};
            InProcess.Result r = expect(2, InProcess.run(cwd, args("train", Path.of("corpus.txt"), Path.of("r"), more)));
            assertTrue(r.err().contains("this run needs at least") && r.err().contains("but Java may use"), r.err());
            assertTrue((System.nanoTime() - t0) / 1e9 < 20, "refused at once, not after minutes");
        }
        assertEquals(List.of("corpus.txt"), list(cwd));
    }

    @Test
    void theRecipeTakesItsDataFromDataOrSaysWhatToDownload(@TempDir Path cwd) throws Exception {
        String saved = System.getProperty("jgrad.shared");
        try {
            System.setProperty("jgrad.shared", cwd.resolve("no-shared-here").toString());
            InProcess.Result r = expect(2, InProcess.run(cwd, "train", "--recipe", "shakespeare-char", "--out", "r"));
            assertTrue(r.err().contains("recipe shakespeare-char trains on tinyshakespeare.txt, which is not at")
                    && r.err().contains("download it (https://raw.githubusercontent.com/karpathy/char-rnn/master/data/"
                    + "tinyshakespeare/input.txt) and pass it with --data PATH"), r.err());
            assertFalse(Files.exists(cwd.resolve("r")));
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < 60; i++) text.append("First Citizen:\nBefore we proceed any further, hear me speak ").append(i).append(".\n\n");
            Files.writeString(cwd.resolve("shakespeare.txt"), text);
            r = expect(0, InProcess.run(cwd, "train", "--recipe", "shakespeare-char", "--data", "shakespeare.txt", "--steps", "2",
                    "--out", "r"));
            String data = new ObjectMapper().readTree(cwd.resolve("r/config.json").toFile()).get("data").asText();
            assertEquals(cwd.resolve("shakespeare.txt").toString(), data);
        } finally {
            if (saved == null) System.clearProperty("jgrad.shared");
            else System.setProperty("jgrad.shared", saved);
        }
    }

    @Test
    void helpListsTheLauncherCommands(@TempDir Path cwd) {
        InProcess.Result r = expect(0, InProcess.run(cwd, "help"));
        assertTrue(r.out().contains("  test ") && r.out().contains("  bench "), r.out());
        assertNotEquals(-1, r.out().indexOf("./jgrad bench Sgemm"));
    }
}
