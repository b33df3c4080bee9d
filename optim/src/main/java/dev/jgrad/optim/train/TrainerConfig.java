package dev.jgrad.optim.train;

import java.nio.file.Path;

/**
 * How a {@link Trainer} runs. Build with {@link #builder()}; every field has a sensible default.
 *
 * @param maxSteps          optimizer steps to run (the run ends earlier on early stopping)
 * @param gradAccumulation  micro-batches per optimizer step; each contributes {@code loss / gradAccumulation}
 * @param clipNorm          clip the global gradient norm to this (≤ 0: no clipping, the norm is still logged)
 * @param evalInterval      evaluate every this many steps (and after the last); ≤ 0: never
 * @param evalBatches       validation batches per evaluation
 * @param patience          evaluations without improvement before stopping; ≤ 0: no early stopping
 * @param minDelta          an improvement must lower the validation loss by more than this
 * @param runDir            where metrics and checkpoints go; null: nothing written
 * @param checkpointEverySteps   save {@code checkpoints/last} every this many steps; ≤ 0: not by steps
 * @param checkpointEveryMinutes save {@code checkpoints/last} after a step when this many minutes have passed
 *                          since the last save; ≤ 0: not by time. Either way it is also saved at the end and on
 *                          {@link Trainer#requestStop}
 * @param flopsPerItem      training FLOPs per item for the compute report (≈ 6 × parameters for a transformer)
 */
public record TrainerConfig(int maxSteps, int gradAccumulation, double clipNorm, int evalInterval, int evalBatches,
                            int patience, double minDelta, Path runDir, int checkpointEverySteps,
                            double checkpointEveryMinutes, double flopsPerItem) {

    public TrainerConfig {
        if (maxSteps < 1) throw new IllegalArgumentException("maxSteps must be >= 1, got " + maxSteps);
        if (gradAccumulation < 1) throw new IllegalArgumentException("gradAccumulation must be >= 1, got " + gradAccumulation);
        if (evalInterval > 0 && evalBatches < 1)
            throw new IllegalArgumentException("evalBatches must be >= 1 when evaluating, got " + evalBatches);
        if (minDelta < 0) throw new IllegalArgumentException("minDelta must be >= 0, got " + minDelta);
        if (Double.isNaN(checkpointEveryMinutes))
            throw new IllegalArgumentException("checkpointEveryMinutes must be a number, got NaN");
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A mutable builder with defaults: 1000 steps, no accumulation, clip 1.0, eval every 100 steps on 20 batches,
     * {@code checkpoints/last} only at the end.
     */
    public static final class Builder {
        private int maxSteps = 1000, gradAccumulation = 1, evalInterval = 100, evalBatches = 20, patience = 0,
                checkpointEverySteps = 0;
        private double clipNorm = 1.0, minDelta = 0, flopsPerItem = 0, checkpointEveryMinutes = 0;
        private Path runDir;

        public Builder maxSteps(int v) { maxSteps = v; return this; }
        public Builder gradAccumulation(int v) { gradAccumulation = v; return this; }
        public Builder clipNorm(double v) { clipNorm = v; return this; }
        public Builder evalInterval(int v) { evalInterval = v; return this; }
        public Builder evalBatches(int v) { evalBatches = v; return this; }
        public Builder earlyStopping(int patienceEvals, double minImprovement) { patience = patienceEvals; minDelta = minImprovement; return this; }
        public Builder runDir(Path v) { runDir = v; return this; }
        public Builder checkpointEvery(int steps, double minutes) { checkpointEverySteps = steps; checkpointEveryMinutes = minutes; return this; }
        public Builder flopsPerItem(double v) { flopsPerItem = v; return this; }

        public TrainerConfig build() {
            return new TrainerConfig(maxSteps, gradAccumulation, clipNorm, evalInterval, evalBatches, patience, minDelta,
                    runDir, checkpointEverySteps, checkpointEveryMinutes, flopsPerItem);
        }
    }
}
