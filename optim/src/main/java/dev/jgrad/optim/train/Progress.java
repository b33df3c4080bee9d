package dev.jgrad.optim.train;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Training progress for people: on an interactive terminal one line redrawn in place —
 * {@code [#######.......] 412/2000 loss 1.9213 lr 9.2e-04 | 11.8 ms/step 65k tok/s 41 GFLOP/s | ETA 0:19} —
 * otherwise (logs, CI) a plain line every {@code logInterval} steps. Evaluations always get their own line.
 */
final class Progress {

    private static final int BAR = 24;

    private final TrainerConfig config;
    private final PrintStream out = System.out;
    private final int firstStep;
    private final long startNanos = System.nanoTime();
    private double emaMillis = Double.NaN;
    private boolean lineOpen;

    Progress(TrainerConfig config, int firstStep) {
        this.config = config;
        this.firstStep = firstStep;
    }

    void onStep(StepMetrics m, double bestVal) {
        // The first steps include JIT warm-up: an exponential average settles on the steady rate.
        emaMillis = Double.isNaN(emaMillis) ? m.millis() : 0.9 * emaMillis + 0.1 * m.millis();
        int total = config.maxSteps();
        double etaSec = emaMillis * (total - m.step()) / 1000.0;
        String stats = String.format(Locale.ROOT, "%d/%d loss %.4f lr %.2e norm %.2f | %.1f ms/step %s/s %.1f GFLOP/s | ETA %s",
                m.step(), total, m.loss(), m.lr(), m.gradNorm(), m.millis(), human(m.itemsPerSec()), m.gflops(),
                clock(etaSec));
        if (config.progressBar()) {
            int filled = (int) Math.round(BAR * (double) m.step() / total);
            out.print("\r[" + "#".repeat(filled) + ".".repeat(BAR - filled) + "] " + stats + "  ");
            out.flush();
            lineOpen = true;
        } else if (m.step() % config.logInterval() == 0 || m.step() == firstStep + 1 || m.step() == total) {
            out.println("step " + stats);
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
