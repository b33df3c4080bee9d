package dev.jgrad.optim.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Training progress for people: on an interactive terminal one line redrawn in place —
 * {@code [#######.......] 412/2000 loss 1.9213 lr 9.2e-04 | 11.8 ms/step 65k tok/s 41 GFLOP/s | ETA 0:19} —
 * otherwise (logs, CI) a plain line every {@code logInterval} steps. Evaluations always get their own line. The
 * redrawn line fits the terminal ({@code $COLUMNS}, else 80 columns); the ETA leaves the first steps out.
 */
final class Progress {

    private static final int BAR = 24;
    /** Steps after the start (or the resumed step) left out of the ETA's average. */
    static final int WARMUP_STEPS = 2;

    private final TrainerConfig config;
    private final PrintStream out = System.out;
    private final int firstStep;
    private final long startNanos = System.nanoTime();
    private final int columns = terminalColumns(System.getenv("COLUMNS"));
    private double emaMillis = Double.NaN;
    private boolean lineOpen;

    Progress(TrainerConfig config, int firstStep) {
        this.config = config;
        this.firstStep = firstStep;
    }

    void onStep(StepMetrics m, double bestVal) {
        // The first steps of a run include JIT compilation and the first touch of every buffer (the very first can
        // take 30 times a steady one), so they are left out of the average the ETA is computed from.
        int measured = m.step() - firstStep;
        if (measured > WARMUP_STEPS)
            emaMillis = Double.isNaN(emaMillis) ? m.millis() : 0.9 * emaMillis + 0.1 * m.millis();
        int total = config.maxSteps();
        String eta = Double.isNaN(emaMillis) ? "-:--" : clock(emaMillis * (total - m.step()) / 1000.0);
        String head = String.format(Locale.ROOT, "%d/%d loss %.4f lr %.2e norm %.2f", m.step(), total, m.loss(), m.lr(), m.gradNorm());
        String speed = String.format(Locale.ROOT, " | %.1f ms/step %s/s %.1f GFLOP/s", m.millis(), human(m.itemsPerSec()), m.gflops());
        if (config.progressBar()) {
            out.print("\r" + barLine(head, speed, " | ETA " + eta, (double) m.step() / total, columns));
            out.flush();
            lineOpen = true;
        } else if (m.step() % config.logInterval() == 0 || m.step() == firstStep + 1 || m.step() == total) {
            out.println("step " + head + speed + " | ETA " + eta);
        }
    }

    /**
     * The redrawn line, at most {@code width - 1} characters (a line as wide as the terminal wraps, and {@code \r}
     * then redraws only its second half): {@code [####....] head speed eta}, dropping first the speed, then narrowing
     * the bar (down to 10), then dropping it, then cutting the end, until it fits. Two trailing spaces, where they
     * fit, wipe what a longer previous line left.
     */
    static String barLine(String head, String speed, String eta, double done, int width) {
        int room = Math.max(10, width - 1);
        for (String tail : new String[] {head + speed + eta, head + eta}) {
            int barWidth = Math.min(BAR, room - tail.length() - 3 - 2);   // "[" bar "] " tail "  "
            if (barWidth >= 10) return bar(done, barWidth) + " " + tail + "  ";
        }
        for (String line : new String[] {head + eta, head}) {
            if (line.length() + 2 <= room) return line + "  ";
            if (line.length() <= room) return line;
        }
        return head.substring(0, room);
    }

    private static String bar(double done, int width) {
        int filled = (int) Math.round(width * Math.min(1, done));
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    }

    /** The terminal's width: {@code $COLUMNS} when the shell exports it, else 80. */
    static int terminalColumns(String columnsVariable) {
        try {
            int c = columnsVariable == null ? 0 : Integer.parseInt(columnsVariable.trim());
            return c >= 20 ? c : 80;
        } catch (NumberFormatException e) {
            return 80;
        }
    }

    void onEval(EvalMetrics e) {
        message(String.format(Locale.ROOT, "eval at step %d: val loss %.4f, perplexity %.2f%s", e.step(), e.loss(),
                e.perplexity(), e.best() ? " (best)" : ""));
    }

    void message(String text) {
        if (lineOpen) {
            out.println();
            lineOpen = false;
        }
        out.println(text);
    }

    void finish() {
        if (lineOpen) out.println();
        lineOpen = false;
        double sec = (System.nanoTime() - startNanos) / 1e9;
        out.println("trained " + clock(sec) + " (wall)");
    }

    static String human(double perSec) {
        if (perSec >= 1e6) return String.format(Locale.ROOT, "%.2fM tok", perSec / 1e6);
        if (perSec >= 1e3) return String.format(Locale.ROOT, "%.1fk tok", perSec / 1e3);
        return String.format(Locale.ROOT, "%.0f tok", perSec);
    }

    static String clock(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
