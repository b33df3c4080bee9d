package dev.jgrad.optim;

import java.util.Map;

/** Something that sets an optimizer's learning rates over training and can be checkpointed. */
public interface Schedule {

    /** The schedule's progress as JSON-able values (numbers, lists, maps). */
    Map<String, Object> stateDict();

    /** Restores {@link #stateDict()} output and re-applies the learning rates it implies. */
    void loadStateDict(Map<String, Object> state);
}
