package dev.jgrad.examples.course.exercises;

/** Chapter 7's exercises: the sampling stages and the cost of decoding. Check with {@code ./jgrad learn 7 --check}. */
public interface Exercises07 {

    /** 7.1: {@code softmax(logits / t)} in double precision (subtract the maximum first). */
    double[] softmaxWithTemperature(float[] logits, double t);

    /**
     * 7.2: nucleus (top-p) filtering: keep the most likely tokens, in decreasing order, until their probabilities
     * sum to at least {@code p} (always keep one); zero the rest and renormalise so the kept ones sum to 1.
     */
    double[] topP(double[] probs, double p);

    /** 7.3: token positions run through the model to greedily generate {@code n} tokens after a prompt of {@code p}, with no cache. */
    long positionsWithoutCache(int p, int n);

    /** 7.4: the same with a KV cache: the prompt once, then one position per further token. */
    long positionsWithCache(int p, int n);
}
