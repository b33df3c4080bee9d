package dev.jgrad.examples.course.exercises;

/** The exercises of chapter 3 (the training loop). Implement them in {@link MySolution03}; check with {@code ./jgrad learn 3 --check}. */
public interface Exercises03 {

    /** Exercise 3.1: in place, {@code v ← momentum·v + g} then {@code p ← p − lr·v}, element by element. */
    void momentumStep(double[] param, double[] velocity, double[] grad, double lr, double momentum);

    /**
     * Exercise 3.2: one Adam step in place for step number {@code t} (1 for the first): update {@code m} and
     * {@code v}, correct their bias, then {@code p ← p − lr·m̂/(√v̂ + eps)}.
     */
    void adamStep(double[] param, double[] m, double[] v, double[] grad, int t, double lr, double beta1, double beta2, double eps);

    /** Exercise 3.3: the fraction of rows of {@code logits} (N, C) whose largest entry is at {@code labels[row]}. */
    double accuracy(double[][] logits, int[] labels);
}
