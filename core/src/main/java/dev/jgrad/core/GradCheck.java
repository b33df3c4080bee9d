package dev.jgrad.core;

import dev.jgrad.core.autograd.NoGrad;

import java.util.function.Function;

/**
 * Finite-difference gradient checking, the standard way to validate a backward (as torch.autograd.gradcheck).
 *
 * <p>For a function {@code f} of float64 inputs, draw a random output weighting {@code w} and check, for
 * every element {@code x_i} of every input, that the analytic gradient of {@code L = Σ w ⊙ f(x)} equals the
 * central difference {@code (L(x_i + ε) − L(x_i − ε)) / 2ε}. In float64 with {@code ε = 1e-6} the truncation
 * and rounding errors are around 1e-9, so a wrong gradient — a missing factor, a wrong sign, a transposed
 * index, a broadcast not summed — cannot pass the 1e-6 tolerance.
 */
public final class GradCheck {

    private GradCheck() {}

    /** Result of a check: the worst mismatch found. */
    public record Result(boolean passed, double maxAbsError, String worst) {}

    /**
     * Checks {@code f} at {@code inputs} (float64 tensors; those with requiresGrad are checked).
     */
    public static Result check(Function<Tensor[], Tensor> f, Tensor... inputs) {
        return check(f, 1e-6, 1e-6, 1e-5, inputs);
    }

    /**
     * @param eps  finite-difference step
     * @param atol absolute tolerance
     * @param rtol relative tolerance (against the larger of the two gradients)
     */
    public static Result check(Function<Tensor[], Tensor> f, double eps, double atol, double rtol, Tensor... inputs) {
        for (Tensor t : inputs)
            if (t.requiresGrad() && t.dtype() != DType.F64)
                throw new IllegalArgumentException("gradcheck needs float64 inputs, got " + t.dtype());
        Generator gen = new Generator(42);
        Tensor out = f.apply(inputs);
        double[] w = new double[out.numel()];
        for (int i = 0; i < w.length; i++) w[i] = gen.nextGaussian();
        Tensor weights = Tensor.of(w, out.shape().length == 0 ? new int[0] : out.shape());
        for (Tensor t : inputs) t.setGrad(null);
        out.mul(weights).sum().backward();

        double worstErr = 0;
        String worst = "none";
        boolean ok = true;
        for (int k = 0; k < inputs.length; k++) {
            Tensor x = inputs[k];
            if (!x.requiresGrad()) continue;
            double[] analytic = x.grad() == null ? new double[x.numel()] : x.grad().toDoubleArray();
            Tensor xc = x.contiguous();
            if (xc != x) throw new IllegalArgumentException("gradcheck needs contiguous inputs");
            double[] data = ((Storage.DoubleStorage) x.storage()).data;
            for (int i = 0; i < x.numel(); i++) {
                int pos = x.offset() + i;
                double orig = data[pos];
                data[pos] = orig + eps;
                double plus = weighted(f, inputs, weights);
                data[pos] = orig - eps;
                double minus = weighted(f, inputs, weights);
                data[pos] = orig;
                double numeric = (plus - minus) / (2 * eps);
                double err = Math.abs(numeric - analytic[i]);
                double tol = atol + rtol * Math.max(Math.abs(numeric), Math.abs(analytic[i]));
                if (err > tol || Double.isNaN(err)) ok = false;
                if (err > worstErr || Double.isNaN(err)) {
                    worstErr = err;
                    worst = "input " + k + " element " + i + ": analytic " + analytic[i] + ", numeric " + numeric;
                }
            }
        }
        return new Result(ok, worstErr, worst);
    }

    private static double weighted(Function<Tensor[], Tensor> f, Tensor[] inputs, Tensor weights) {
        try (NoGrad ignored = NoGrad.enter()) {
            return f.apply(inputs).mul(weights).sum().item();
        }
    }
}
