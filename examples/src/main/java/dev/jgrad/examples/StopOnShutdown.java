package dev.jgrad.examples;

import dev.jgrad.optim.train.Trainer;
import dev.jgrad.optim.train.TrainingResult;

import java.util.concurrent.CountDownLatch;

/**
 * Ctrl-C (SIGINT) and SIGTERM during training: a shutdown hook {@linkplain Trainer#requestStop asks the trainer to
 * stop}, and waits until the training thread has finished its step and written {@code checkpoints/last}. The hook
 * never touches the model itself: the checkpoint is written by the training thread at a step boundary, where the
 * weights, optimizer, schedule, data position and generators agree. (SIGKILL cannot be caught; the periodic
 * checkpoints cover it.)
 */
public final class StopOnShutdown {

    private StopOnShutdown() {}

    /** {@code trainer.fit()} with the hook installed for its duration. */
    public static TrainingResult fit(Trainer trainer) {
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            trainer.requestStop();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "jgrad-stop-training");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return trainer.fit();
        } finally {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running (Ctrl-C): it returns now that fit is done
            }
        }
    }
}
