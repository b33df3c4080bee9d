package dev.jgrad.examples;

import dev.jgrad.optim.train.EvalMetrics;
import dev.jgrad.optim.train.StepMetrics;
import dev.jgrad.optim.train.TrainerCallback;
import dev.jgrad.optim.train.TrainingResult;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Training progress for people, as the command line prints it: on an interactive terminal one line redrawn in
 * place — {@code [#######.......] 412/2000 loss 1.9213 lr 9.2e-04 | 11.8 ms/step 65k tok/s 41 GFLOP/s | ETA 0:19} —
 * otherwise (logs, CI) a plain line every {@code logInterval} steps. Evaluations and early stopping get their own
 * line. The redrawn line fits the terminal ({@code $COLUMNS}, else 80 columns); the ETA leaves the first steps out.
 * The library's trainer prints nothing itself; this callback is the application's choice.
 */
public final class ConsoleProgress implements TrainerCallback {

    private static final int BAR = 24;
    /** Steps after the start (or the resumed step) left out of the ETA's average. */
    static final int WARMUP_STEPS = 2;

    private final PrintStream out;
    private final boolean bar;
    private final int logInterval;
    private int firstStep, maxSteps;
    private long startNanos = System.nanoTime();
    private double emaMillis = Double.NaN;
    private boolean lineOpen;
    private final int columns = terminalColumns(System.getenv("COLUMNS"));

    /**
     * @param bar         a live one-line bar (interactive terminals) instead of plain lines
     * @param logInterval steps between plain lines
     */
    public ConsoleProgress(PrintStream out, boolean bar, int logInterval) {
        this.out = out;
        this.bar = bar;
        this.logInterval = Math.max(1, logInterval);
    }

    @Override
    public void onStart(int step, int maxSteps) {
        this.firstStep = step;
        this.maxSteps = maxSteps;
        this.startNanos = System.nanoTime();
    }

    @Override
    public void onStep(StepMetrics m) {
        // The first steps of a run include JIT compilation and the first touch of every buffer (the very first can
        // take 30 times a steady one), so they are left out of the average the ETA is computed from.
        int measured = m.step() - firstStep;
        if (measured > WARMUP_STEPS)
            emaMillis = Double.isNaN(emaMillis) ? m.millis() : 0.9 * emaMillis + 0.1 * m.millis();
        String eta = Double.isNaN(emaMillis) ? "-:--" : clock(emaMillis * (maxSteps - m.step()) / 1000.0);
        String head = String.format(Locale.ROOT, "%d/%d loss %.4f lr %.2e norm %.2f", m.step(), maxSteps, m.loss(), m.lr(), m.gradNorm());
        String speed = String.format(Locale.ROOT, " | %.1f ms/step %s/s %.1f GFLOP/s", m.millis(), human(m.itemsPerSec()), m.gflops());
        if (bar) {
            out.print("\r" + barLine(head, speed, " | ETA " + eta, (double) m.step() / maxSteps, columns));
            out.flush();
            lineOpen = true;
        } else if (m.step() % logInterval == 0 || m.step() == firstStep + 1 || m.step() == maxSteps) {
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

    @Override
    public void onEvaluation(EvalMetrics e) {
        line(String.format(Locale.ROOT, "eval at step %d: val loss %.4f, perplexity %.2f%s", e.step(), e.loss(),
                e.perplexity(), e.best() ? " (best)" : ""));
    }

    @Override
    public void onEnd(TrainingResult r) {
        if (r.stoppedEarly())
            line(String.format(Locale.ROOT, "early stopping at step %d: no improvement of the validation loss (best %.4f at step %d)",
                    r.steps(), r.bestValLoss(), r.bestStep()));
        else if (r.steps() < maxSteps)
            line("stopped at step " + r.steps() + " of " + maxSteps);
        line("trained " + clock((System.nanoTime() - startNanos) / 1e9) + " (wall)");
    }

    private void line(String text) {
        if (lineOpen) {
            out.println();
            lineOpen = false;
        }
        out.println(text);
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
