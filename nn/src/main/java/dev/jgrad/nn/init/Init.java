package dev.jgrad.nn.init;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;

/**
 * Parameter initialisation with PyTorch's formulas ({@code torch.nn.init}), drawn from a seeded
 * {@link Generator}. Every method fills its tensor in place inside a no-grad scope and returns it.
 *
 * <p><b>Fans.</b> For a weight of shape {@code (out, in, k...)}, {@code fan_in = in·Πk} and
 * {@code fan_out = out·Πk} (the receptive field Πk is 1 for a linear layer).
 *
 * <p><b>Xavier/Glorot</b> keeps the variance of activations and gradients equal across layers:
 * {@code std = gain·√(2/(fan_in + fan_out))}; the uniform version draws from {@code U(−a, a)} with
 * {@code a = √3·std}. <b>Kaiming/He</b> accounts for the rectifier halving the variance:
 * {@code std = gain/√fan} with fan_in (preserves forward activations) or fan_out (preserves backward
 * gradients), and {@code bound = √3·std} for the uniform version. {@link #calculateGain} gives the gain of a
 * nonlinearity.
 *
 * <p>Methods without a generator argument draw from {@link #defaultGenerator()}, a process-wide generator
 * (like {@code torch.default_generator}) reseeded by {@link #manualSeed(long)}.
 */
public final class Init {

    /** Which fan Kaiming initialisation normalises by. */
    public enum FanMode { FAN_IN, FAN_OUT }

    /** Nonlinearities known to {@link #calculateGain}. */
    public enum Nonlinearity { LINEAR, IDENTITY, CONV1D, CONV2D, CONV3D, SIGMOID, TANH, RELU, LEAKY_RELU, SELU }

    /** The fans of a weight tensor. */
    public record Fans(int fanIn, int fanOut) {}

    private static final Generator DEFAULT = new Generator(0);

    private Init() {}

    /** The process-wide generator used when none is given (not thread-safe: build models on one thread). */
    public static Generator defaultGenerator() {
        return DEFAULT;
    }

    /** Reseeds {@link #defaultGenerator()}. */
    public static void manualSeed(long seed) {
        DEFAULT.manualSeed(seed);
    }

    // ---- gains and fans -------------------------------------------------------------------------

    /** {@link #calculateGain(Nonlinearity, double)} with LeakyReLU's default negative slope 0.01. */
    public static double calculateGain(Nonlinearity nonlinearity) {
        return calculateGain(nonlinearity, 0.01);
    }

    /**
     * The recommended gain of a nonlinearity, as PyTorch: 1 for linear/identity/convolutions/sigmoid,
     * 5/3 for tanh, √2 for ReLU, √(2/(1 + slope²)) for LeakyReLU (negative slope {@code param}), 3/4 for SELU.
     */
    public static double calculateGain(Nonlinearity nonlinearity, double param) {
        return switch (nonlinearity) {
            case LINEAR, IDENTITY, CONV1D, CONV2D, CONV3D, SIGMOID -> 1.0;
            case TANH -> 5.0 / 3;
            case RELU -> Math.sqrt(2.0);
            case LEAKY_RELU -> Math.sqrt(2.0 / (1 + param * param));
            case SELU -> 3.0 / 4;
        };
    }

    /** fan_in and fan_out of a weight of at least 2 dimensions (see the class comment). */
    public static Fans fans(Tensor t) {
        int[] s = t.shape();
        if (s.length < 2)
            throw new IllegalArgumentException("fan in and fan out can not be computed for a tensor with fewer than"
                    + " 2 dimensions, got shape " + Shape.str(s));
        int receptive = 1;
        for (int i = 2; i < s.length; i++) receptive *= s[i];
        return new Fans(s[1] * receptive, s[0] * receptive);
    }

    // ---- plain distributions --------------------------------------------------------------------

    /** Fills {@code t} from {@code U(low, high)}. */
    public static Tensor uniform(Tensor t, double low, double high, Generator gen) {
        if (!(low <= high)) throw new IllegalArgumentException("uniform: low " + low + " > high " + high);
        double[] v = new double[t.numel()];
        for (int i = 0; i < v.length; i++) v[i] = low + (high - low) * gen.nextDouble();
        return write(t, v);
    }

    /** Fills {@code t} from {@code U(low, high)} with the default generator. */
    public static Tensor uniform(Tensor t, double low, double high) {
        return uniform(t, low, high, DEFAULT);
    }

    /** Fills {@code t} from {@code N(mean, std²)}. */
    public static Tensor normal(Tensor t, double mean, double std, Generator gen) {
        if (!(std >= 0)) throw new IllegalArgumentException("normal: std must be >= 0, got " + std);
        double[] v = new double[t.numel()];
        for (int i = 0; i < v.length; i++) v[i] = mean + std * gen.nextGaussian();
        return write(t, v);
    }

    /** Fills {@code t} from {@code N(mean, std²)} with the default generator. */
    public static Tensor normal(Tensor t, double mean, double std) {
        return normal(t, mean, std, DEFAULT);
    }

    /** Sets every element of {@code t} to {@code value}. */
    public static Tensor constant(Tensor t, double value) {
        try (NoGrad ignored = NoGrad.enter()) {
            return t.fill(value);
        }
    }

    public static Tensor zeros(Tensor t) {
        return constant(t, 0);
    }

    public static Tensor ones(Tensor t) {
        return constant(t, 1);
    }

    // ---- Xavier / Glorot ------------------------------------------------------------------------

    /** {@code U(−a, a)} with {@code a = gain·√(6/(fan_in + fan_out))}. */
    public static Tensor xavierUniform(Tensor t, double gain, Generator gen) {
        double a = Math.sqrt(3.0) * xavierStd(t, gain);
        return uniform(t, -a, a, gen);
    }

    /** {@code N(0, std²)} with {@code std = gain·√(2/(fan_in + fan_out))}. */
    public static Tensor xavierNormal(Tensor t, double gain, Generator gen) {
        return normal(t, 0, xavierStd(t, gain), gen);
    }

    private static double xavierStd(Tensor t, double gain) {
        Fans f = fans(t);
        return gain * Math.sqrt(2.0 / (f.fanIn() + f.fanOut()));
    }

    // ---- Kaiming / He ---------------------------------------------------------------------------

    /**
     * {@code U(−bound, bound)} with {@code bound = √3·gain/√fan}, {@code gain = calculateGain(nonlinearity, a)}
     * ({@code a} is LeakyReLU's negative slope). PyTorch's {@code nn.Linear} uses a = √5, LEAKY_RELU, FAN_IN,
     * which gives bound = 1/√fan_in.
     */
    public static Tensor kaimingUniform(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity, Generator gen) {
        double bound = Math.sqrt(3.0) * kaimingStd(t, a, mode, nonlinearity);
        return uniform(t, -bound, bound, gen);
    }

    /** {@code N(0, std²)} with {@code std = gain/√fan}. */
    public static Tensor kaimingNormal(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity, Generator gen) {
        return normal(t, 0, kaimingStd(t, a, mode, nonlinearity), gen);
    }

    /** The standard deviation Kaiming initialisation draws with: {@code calculateGain(nonlinearity, a)/√fan}. */
    public static double kaimingStd(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity) {
        Fans f = fans(t);
        int fan = mode == FanMode.FAN_IN ? f.fanIn() : f.fanOut();
        if (fan == 0) throw new IllegalArgumentException("kaiming init: " + mode + " is 0 for shape " + Shape.str(t.shape()));
        return calculateGain(nonlinearity, a) / Math.sqrt(fan);
    }

    /** Copies the row-major values into {@code t} (any float dtype, any device) without recording a graph. */
    private static Tensor write(Tensor t, double[] values) {
        if (!t.dtype().isFloatingPoint())
            throw new IllegalArgumentException("init: needs a floating-point tensor, got " + t.dtype());
        int[] shape = t.shape();
        try (NoGrad ignored = NoGrad.enter()) {
            Tensor src = shape.length == 0 ? Tensor.scalar(values[0], dev.jgrad.core.DType.F64) : Tensor.of(values, shape);
            return t.copyFrom(src.to(t.dtype()).to(t.device()));
        }
    }
}
