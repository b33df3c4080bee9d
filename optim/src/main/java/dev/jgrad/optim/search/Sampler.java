package dev.jgrad.optim.search;

import dev.jgrad.core.Generator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses the next trial's hyperparameters from the trials so far (ask-and-tell: the caller runs the trial and
 * adds it to the history). The choice depends only on the seed, the trial number and the history, so a resumed
 * search picks exactly what an uninterrupted one would have.
 */
public sealed interface Sampler permits TpeSampler, GpSampler {

    /** The hyperparameters of trial {@code number}, given the finished trials {@code history}. */
    Map<String, Object> sample(SearchSpace space, List<Trial> history, int number);

    /** The generator of trial {@code number}: independent streams per trial, fixed by the seed. */
    static Generator generator(long seed, int number) {
        long z = seed + 0x9E3779B97F4A7C15L * (number + 1L); // SplitMix64's finaliser on a Weyl sequence
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new Generator(z ^ (z >>> 31));
    }

    /** A configuration drawn from the space's own distributions (the startup trials of model-based samplers). */
    static Map<String, Object> random(SearchSpace space, Generator gen) {
        Map<String, Object> c = new LinkedHashMap<>();
        space.dimensions().forEach((name, d) -> c.put(name, d.sample(gen)));
        return c;
    }

    /** The trials a model learns from, best first: complete ones, then pruned ones (failed ones say nothing). */
    static List<Trial> observations(List<Trial> history) {
        return HyperparameterSearch.ranked(history).stream().filter(t -> t.state() != Trial.State.FAILED).toList();
    }
}
