package dev.jgrad.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code ./jgrad demo --quick --sft} as a user runs it (about a minute and a half on 2 cores): the pretrained model,
 * instruction-tuned to name the book of a verse, must do better on the held-out verses than before: lower loss on
 * the answer tokens, and more exact matches (before, it continues the verse and never names a book).
 */
class SftDemoTest {

    @Test
    void instructionTuningMakesTheModelNameBooks(@TempDir Path dir) {
        Path run = dir.resolve("run");
        InProcess.Result r = InProcess.run(dir, "demo", "--quick", "--sft", "--out", run.toString());
        assertEquals(0, r.code(), r.all());
        String out = r.out();
        double[] loss = beforeAfter(out, "validation loss \\(answer tokens\\)");
        double[] exact = beforeAfter(out, "exact match \\(\\d+ held-out verses\\)");
        assertTrue(loss[1] < loss[0] / 2, "validation loss should fall by more than half: " + loss[0] + " -> " + loss[1]);
        assertTrue(exact[1] > exact[0], "exact match should improve: " + exact[0] + " -> " + exact[1]);
        Matcher after = Pattern.compile("after: (.*?) \\| reference: ").matcher(out);
        int examples = 0;
        while (after.find()) {
            assertTrue(SftDemoStage.BOOKS.contains(after.group(1)), "after tuning the answer is a book: " + after.group(1));
            examples++;
        }
        assertTrue(examples > 0, out);
        for (String f : List.of("sft/adapter/adapter_config.json", "sft/adapter/adapter_model.safetensors", "sft/loss.png"))
            assertTrue(Files.exists(run.resolve(f)), f);
    }

    private static double[] beforeAfter(String out, String label) {
        Matcher m = Pattern.compile(label + "\\s+([0-9.]+)\\s+([0-9.]+)").matcher(out);
        assertTrue(m.find(), "no '" + label + "' line in:\n" + out);
        return new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))};
    }
}
