package dev.jgrad.nn.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * An endless source of batches whose position can be saved and restored exactly, so a training
 * run resumed from a checkpoint sees the same batches as one that never stopped.
 */
public interface BatchSampler {

    /** The next batch. */
    Batch next();

    /** Where the sampler is now; {@link #restore} of it reproduces the batches that follow. */
    State state();

    /** Continues from a state taken from a sampler built with the same data and settings. */
    void restore(State state);

    /**
     * A sampler's position.
     *
     * @param generator the {@link dev.jgrad.core.Generator} state (6 longs) the sampler resumes from
     * @param epoch     completed epochs (always 0 for {@link RandomWindowSampler})
     * @param position  batches drawn in the current epoch (all batches, for the random sampler)
     */
    record State(long[] generator, long epoch, long position) {
        public State {
            Objects.requireNonNull(generator, "generator");
            generator = generator.clone();
            if (epoch < 0 || position < 0)
                throw new IllegalArgumentException("epoch and position must be >= 0, got " + epoch + ", " + position);
        }

        @Override
        public long[] generator() {
            return generator.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof State s && Arrays.equals(generator, s.generator) && epoch == s.epoch && position == s.position;
        }

        @Override
        public int hashCode() {
            return Objects.hash(Arrays.hashCode(generator), epoch, position);
        }

        @Override
        public String toString() {
            return "State[generator=" + Arrays.toString(generator) + ", epoch=" + epoch + ", position=" + position + "]";
        }
    }
}
