package dev.jgrad.optim.train;

/** Hooks into a {@link Trainer} run (logging, samples, plots). Every method does nothing by default. */
public interface TrainerCallback {

    default void onStep(StepMetrics metrics) {}

    default void onEvaluation(EvalMetrics metrics) {}

    /** After the run, with its outcome. */
    default void onEnd(TrainingResult result) {}
}
