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
 * line. The library's trainer prints nothing itself; this callback is the application's choice.
 */
public final class ConsoleProgress implements TrainerCallback {

    private static final int BAR = 24;

    private final PrintStream out;
    private final boolean bar;
    private final int logInterval;
    private int firstStep, maxSteps;
    private long startNanos = System.nanoTime();
    private double emaMillis = Double.NaN;
    private boolean lineOpen;

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
        // The first steps include JIT warm-up: an exponential average settles on the steady rate.
        emaMillis = Double.isNaN(emaMillis) ? m.millis() : 0.9 * emaMillis + 0.1 * m.millis();
        double etaSec = emaMillis * (maxSteps - m.step()) / 1000.0;
        String stats = String.format(Locale.ROOT, "%d/%d loss %.4f lr %.2e norm %.2f | %.1f ms/step %s/s %.1f GFLOP/s | ETA %s",
                m.step(), maxSteps, m.loss(), m.lr(), m.gradNorm(), m.millis(), human(m.itemsPerSec()), m.gflops(),
                clock(etaSec));
        if (bar) {
            int filled = (int) Math.round(BAR * (double) m.step() / maxSteps);
            out.print("\r[" + "#".repeat(filled) + ".".repeat(BAR - filled) + "] " + stats + "  ");
            out.flush();
            lineOpen = true;
        } else if (m.step() % logInterval == 0 || m.step() == firstStep + 1 || m.step() == maxSteps) {
            out.println("step " + stats);
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
