package dev.jgrad.optim.train;

/**
 * What one optimizer step measured.
 *
 * @param step        1-based step number
 * @param loss        mean training loss over the step's micro-batches
 * @param lr          learning rate of the first parameter group during the step
 * @param gradNorm    global gradient norm before clipping
 * @param millis      wall time of the step
 * @param items       items (tokens) processed
 * @param itemsPerSec throughput
 * @param gflops      achieved training GFLOP/s (from the configured FLOPs per item; 0 if unknown)
 */
public record StepMetrics(int step, double loss, double lr, double gradNorm, double millis, long items,
                          double itemsPerSec, double gflops) {}
