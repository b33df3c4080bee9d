package dev.jgrad.examples.dashboard;

import dev.jgrad.optim.train.EvalMetrics;
import dev.jgrad.optim.train.StepMetrics;
import dev.jgrad.optim.train.TrainerCallback;
import dev.jgrad.optim.train.TrainingResult;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the metrics files do not hold, for the run being trained in this process: its progress, its ETA and the
 * JVM's memory. The trainer calls it between steps on the training thread; the dashboard's request threads read a
 * {@link #snapshot} (every field is volatile, and a snapshot is only for display, so a torn read costs nothing).
 *
 * <p>The ETA is the remaining steps times the mean time per step since this process started training (so a resumed
 * run's earlier steps do not count, and evaluations are included as they will recur).
 */
public final class LiveStatus implements TrainerCallback {

    private final String run;
    private volatile int step, maxSteps, firstStep;
    private volatile long startNanos, lastNanos;
    private volatile double tokensPerSec, lastValLoss = Double.NaN;
    private volatile String state = "starting";

    /** @param run the run's name as the dashboard lists it */
    public LiveStatus(String run) {
        this.run = run;
    }

    @Override
    public void onStart(int step, int maxSteps) {
        this.step = step;
        this.firstStep = step;
        this.maxSteps = maxSteps;
        this.startNanos = System.nanoTime();
        this.state = "training";
    }

    @Override
    public void onStep(StepMetrics m) {
        step = m.step();
        tokensPerSec = m.itemsPerSec();
        lastNanos = System.nanoTime();
    }

    @Override
    public void onEvaluation(EvalMetrics m) {
        lastValLoss = m.loss();
    }

    @Override
    public void onEnd(TrainingResult result) {
        step = result.steps();
        state = result.stoppedEarly() ? "stopped early" : "finished";
    }

    /** The current state as a JSON-ready map: run, state, step, max_steps, tokens_per_sec, eta_seconds, memory. */
    public Map<String, Object> snapshot() {
        Map<String, Object> s = new LinkedHashMap<>();
        int done = step - firstStep;
        s.put("run", run);
        s.put("state", state);
        s.put("step", step);
        s.put("max_steps", maxSteps);
        s.put("tokens_per_sec", tokensPerSec);
        s.put("val_loss", Double.isFinite(lastValLoss) ? lastValLoss : null);
        Double eta = null;
        if (state.equals("training") && done > 0) {
            double perStep = (lastNanos - startNanos) / 1e9 / done;
            eta = Math.max(0, maxSteps - step) * perStep;
        } else if (!state.equals("training") && !state.equals("starting")) {
            eta = 0.0;
        }
        s.put("eta_seconds", eta);
        Runtime rt = Runtime.getRuntime();
        s.put("heap_used_bytes", rt.totalMemory() - rt.freeMemory());
        s.put("heap_max_bytes", rt.maxMemory());
        return s;
    }
}
