package dev.jgrad.optim.train;

/**
 * How a run ended.
 *
 * @param steps         the last completed step
 * @param stoppedEarly  true when early stopping ended the run
 * @param finalLoss     training loss of the last step
 * @param bestValLoss   best validation loss (NaN if never evaluated)
 * @param bestStep      the step of the best validation loss (0 if never evaluated)
 * @param lastValLoss   the last validation loss (NaN if never evaluated)
 * @param seconds       wall time of the run (this process only, when resumed)
 */
public record TrainingResult(int steps, boolean stoppedEarly, double finalLoss, double bestValLoss, int bestStep,
                             double lastValLoss, double seconds) {

    public double bestValPerplexity() {
        return Math.exp(bestValLoss);
    }
}
