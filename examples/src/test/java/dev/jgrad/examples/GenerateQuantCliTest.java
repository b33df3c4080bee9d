package dev.jgrad.examples;

import dev.jgrad.core.Generator;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.checkpoint.HfCheckpoint;
import dev.jgrad.transformer.llama.LlamaModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ./jgrad generate --quant}: each type runs a float checkpoint; bad input gets one line and exit code 2. */
class GenerateQuantCliTest {

    /** Runs the CLI; returns {stdout, stderr} after checking the exit code. */
    static String[] run(int expectedExit, String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        java.io.PrintStream stdout = System.out;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(captured, true));
        int code;
        try {
            code = cli.execute(args);
        } finally {
            System.setOut(stdout);
        }
        assertEquals(expectedExit, code, "exit code of " + String.join(" ", args) + "; stderr: " + err);
        return new String[] {captured.toString(), err.toString()};
    }

    static Path model(Path dir, int dim) throws Exception {
        Path ck = dir.resolve("m" + dim);
        HfCheckpoint.save(new LlamaModel(new LlamaConfig(64, dim, 1, 4, 2, 128, 1e-5, 10000, RopeStyle.HALF, 32, false),
                new Generator(3)), ck);
        return ck;
    }

    @Test
    void everyQuantTypeGeneratesIds(@TempDir Path tmp) throws Exception {
        String ck = model(tmp, 64).toString();
        for (String q : new String[] {"q8_0", "q4_0", "nf4", "Q8_0"}) {
            String[] r = run(0, "generate", "--checkpoint", ck, "--quant", q, "--prompt-ids", "1 5 9", "--temperature", "0",
                    "--steps", "6", "--ids");
            String[] ids = r[0].trim().split(" ");
            assertEquals(6, ids.length, q + ": " + r[0]);
        }
    }

    @Test
    void badInputGetsOneLine(@TempDir Path tmp) throws Exception {
        String ck = model(tmp, 64).toString();
        String err = run(2, "generate", "--checkpoint", ck, "--quant", "q5_1", "--prompt-ids", "1", "--ids")[1];
        assertEquals("jgrad generate: --quant must be q8_0, q4_0, nf4 or fp4, got \"q5_1\"", err.trim());
        String odd = model(tmp, 48).toString();
        err = run(2, "generate", "--checkpoint", odd, "--quant", "q8_0", "--prompt-ids", "1", "--ids")[1];
        assertTrue(err.startsWith("jgrad generate: model.layers.0.") && err.contains("rows of 48 values, not whole Q8_0 blocks of 32"), err);
        assertEquals(1, err.trim().lines().count(), err);
        assertFalse(err.contains("Exception"), err);
    }
}
