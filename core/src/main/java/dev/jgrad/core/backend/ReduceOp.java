package dev.jgrad.core.backend;

/** Reductions along one dimension. ARGMAX/ARGMIN produce int64 indices (the first extremum wins). */
public enum ReduceOp {
    SUM, MEAN, MAX, MIN, ARGMAX, ARGMIN;

    public boolean producesIndices() {
        return this == ARGMAX || this == ARGMIN;
    }
}
