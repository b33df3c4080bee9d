package dev.jgrad.examples;

import dev.jgrad.optim.train.StepMetrics;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The progress line: it fits the terminal, and its ETA is not thrown off by the slow first steps. */
class ConsoleProgressTest {

    static final String HEAD = "412/2000 loss 1.9213 lr 9.20e-04 norm 0.95";
    static final String SPEED = " | 11.8 ms/step 65.0k tok/s 41.0 GFLOP/s";
    static final String ETA = " | ETA 0:19";

    @Test
    void theBarLineFitsTheTerminalWidth() {
        // Everything on one line is wider than 80 columns: it wrapped and garbled a narrow terminal.
        assertTrue(("[" + "#".repeat(24) + "] " + HEAD + SPEED + ETA).length() > 80);
        for (int width : List.of(200, 120, 80, 60, 40, 20)) {
            String line = ConsoleProgress.barLine(HEAD, SPEED, ETA, 0.2, width);
            assertTrue(line.length() <= width - 1, width + " columns: " + line.length() + " characters: " + line);
        }
        assertTrue(ConsoleProgress.barLine(HEAD, SPEED, ETA, 0.2, 200).contains("GFLOP/s"), "a wide terminal shows everything");
        String narrow = ConsoleProgress.barLine(HEAD, SPEED, ETA, 0.2, 80);
        assertTrue(narrow.startsWith("[####...") && narrow.contains("ETA 0:19") && !narrow.contains("GFLOP/s"), narrow);
        assertTrue(ConsoleProgress.barLine(HEAD, SPEED, ETA, 0.2, 60).startsWith(HEAD), "60 columns: no bar");
        assertTrue(ConsoleProgress.barLine(HEAD, SPEED, ETA, 0.2, 40).startsWith("412/2000 loss"), "40 columns: the start of the numbers");
    }

    @Test
    void columnsComeFromTheEnvironmentElse80() {
        assertEquals(132, ConsoleProgress.terminalColumns("132"));
        assertEquals(80, ConsoleProgress.terminalColumns(null));
        assertEquals(80, ConsoleProgress.terminalColumns("wide"));
        assertEquals(80, ConsoleProgress.terminalColumns("3"));
    }

    @Test
    void theEtaLeavesTheWarmUpStepsOut() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress p = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 1);
        p.onStart(0, 101);
        // The first step takes 3 s (JIT, first allocations), every later one 100 ms.
        for (int step = 1; step <= 5; step++)
            p.onStep(new StepMetrics(step, 2.0, 1e-3, 1.0, step == 1 ? 3000 : 100, 64, 640, 1.0));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertTrue(lines.get(0).endsWith("ETA -:--"), lines.get(0));
        // After step 3, 98 steps of 100 ms remain: 9.8 s, shown as 0:10 (an average with the 3 s step would say 4:54).
        assertTrue(lines.get(2).endsWith("ETA 0:10"), lines.get(2));
        assertTrue(lines.get(4).endsWith("ETA 0:10"), lines.get(4));
    }
}
