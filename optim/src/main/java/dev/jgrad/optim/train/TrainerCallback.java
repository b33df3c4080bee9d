package dev.jgrad.optim.train;

/**
 * Hooks into a {@link Trainer} run: progress output, samples, plots. Every method does nothing by default. They run
 * on the training thread, between steps.
 */
public interface TrainerCallback {

    /** Before the first step of {@link Trainer#fit}: {@code step} steps are done (more than 0 when resumed). */
    default void onStart(int step, int maxSteps) {}

    default void onStep(StepMetrics metrics) {}

    default void onEvaluation(EvalMetrics metrics) {}

    /** After the run, with its outcome. */
    default void onEnd(TrainingResult result) {}
}
