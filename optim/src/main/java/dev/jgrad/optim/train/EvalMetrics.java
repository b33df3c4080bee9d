package dev.jgrad.optim.train;

/**
 * One evaluation on the validation split.
 *
 * @param step       the step after which it ran
 * @param loss       mean validation loss
 * @param perplexity e^loss
 * @param best       whether this is the best validation loss so far (beyond the minimum improvement)
 */
public record EvalMetrics(int step, double loss, double perplexity, boolean best) {}
