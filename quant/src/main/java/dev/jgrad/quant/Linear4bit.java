package dev.jgrad.quant;

import dev.jgrad.core.Shape;
import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.Autograd;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.nn.Forward;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Module;
import dev.jgrad.transformer.WeightReceiver;

import java.util.Arrays;

/**
 * A linear layer {@code y = x·Wᵀ + b} whose weight {@code W (out, in)} is frozen and stored in 4 bits (NF4 or
 * FP4, blockwise absmax scales, optionally double-quantized), as bitsandbytes' {@code Linear4bit}: 0.5 byte per
 * weight plus the block scales (4.5 or ≈ 4.127 bits per parameter at block 64) instead of 4 bytes.
 *
 * <p><b>Forward.</b> The fused kernels of {@link Gemm4bit} decode the weight in registers as they multiply, so no
 * float copy of the weight ever exists: one input row (a decoding step) runs {@link Gemm4bit#matvec}, more rows
 * {@link Gemm4bit#matmul} over the flattened leading dims. The bias, if any, is a float parameter added after.
 *
 * <p><b>Backward.</b> The weight is frozen (QLoRA trains adapters beside it, not it), so only the input gradient
 * flows: {@code dx = dy·W}, {@link Gemm4bit#inputGradient}, again decoding in registers.
 *
 * <p><b>Building one.</b> {@link #quantize(Linear, QuantSpec)} from a float layer; {@link #of} from a
 * {@link Quantized4bit} read with {@link Bnb4bitFormat}; or {@link #Linear4bit(int, int, boolean, QuantSpec)}
 * empty, for a loader to fill through {@link WeightReceiver#receive} (the float values are quantized there and
 * dropped), which is how a model is quantized while loading. Using an empty layer is an error naming it.
 */
public final class Linear4bit extends Module implements Forward, WeightReceiver {

    /** The kernels every 4-bit layer uses. */
    static final Gemm4bit KERNEL = new VectorGemm4bit();

    private final int inFeatures, outFeatures;
    private final QuantSpec spec;
    private Quantized4bit weight;

    /** An empty layer: {@code in} → {@code out}, quantized with {@code spec} when its weight arrives. */
    public Linear4bit(int inFeatures, int outFeatures, boolean bias, QuantSpec spec) {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new IllegalArgumentException("Linear4bit: feature counts must be positive, got in=" + inFeatures + ", out=" + outFeatures);
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.spec = spec;
        if (bias) registerParameter("bias", Tensor.zeros(outFeatures)).requiresGrad(false);
    }

    /** The 4-bit version of a float layer: its weight quantized with {@code spec}, its bias copied (frozen). */
    public static Linear4bit quantize(Linear linear, QuantSpec spec) {
        Linear4bit q = new Linear4bit(linear.inFeatures(), linear.outFeatures(), linear.hasBias(), spec);
        q.setWeight(spec.quantize(linear.weight().toFloatArray(), new long[] {linear.outFeatures(), linear.inFeatures()}));
        if (linear.hasBias()) q.copyBias(linear.bias().toFloatArray());
        return q;
    }

    /** A layer over an existing 4-bit weight {@code (out, in)} and an optional float bias (null: none). */
    public static Linear4bit of(Quantized4bit weight, float[] bias) {
        long[] shape = weight.shape();
        if (shape.length != 2)
            throw new IllegalArgumentException("Linear4bit needs a 2-D weight (out, in), got shape " + Arrays.toString(shape));
        QuantState s = weight.state();
        Linear4bit q = new Linear4bit(Math.toIntExact(shape[1]), Math.toIntExact(shape[0]), bias != null,
                new QuantSpec(s.quantType(), s.blocksize(), s.isDoubleQuantized()));
        q.setWeight(weight);
        if (bias != null) q.copyBias(bias);
        return q;
    }

    /**
     * The layer {@code prefix} of a bitsandbytes / Hugging Face 4-bit checkpoint: its weight {@code prefix.weight} in
     * {@link Bnb4bitFormat}'s layout (checked piece by piece) and, if present, a float bias {@code prefix.bias}.
     */
    public static Linear4bit read(dev.jgrad.core.io.SafetensorsFile file, String prefix) throws dev.jgrad.core.io.SafetensorsFormatException {
        Quantized4bit w = Bnb4bitFormat.read(file, prefix + ".weight");
        return of(w, file.contains(prefix + ".bias") ? file.readFloats(prefix + ".bias") : null);
    }

    private void copyBias(float[] values) {
        if (values.length != outFeatures)
            throw new IllegalArgumentException(describe() + ": bias has " + values.length + " values, expected " + outFeatures);
        try (NoGrad ignored = NoGrad.enter()) {
            bias().copyFrom(Tensor.of(values.clone()));
        }
    }

    /** Quantizes the float weight a checkpoint loader hands over (the bias, a float parameter, is filled in place). */
    @Override
    public void receive(String name, int[] shape, float[] values) {
        if (!name.equals("weight"))
            throw new IllegalArgumentException(describe() + ": cannot receive \"" + name + "\", only its weight");
        if (shape.length != 2 || shape[0] != outFeatures || shape[1] != inFeatures || values.length != outFeatures * inFeatures)
            throw new IllegalArgumentException(describe() + ": the weight has shape " + Shape.str(shape) + " ("
                    + values.length + " values), expected (" + outFeatures + ", " + inFeatures + ")");
        setWeight(spec.quantize(values, new long[] {outFeatures, inFeatures}));
    }

    /**
     * Replaces the 4-bit weight (a merge re-quantizes into a new one). Forward passes already recorded keep the
     * weight they used for their backward.
     */
    public void setWeight(Quantized4bit w) {
        long[] shape = w.shape();
        if (shape.length != 2 || shape[0] != outFeatures || shape[1] != inFeatures)
            throw new IllegalArgumentException(describe() + ": a 4-bit weight of shape " + Arrays.toString(shape)
                    + " does not fit (" + outFeatures + ", " + inFeatures + ")");
        this.weight = w;
    }

    /** The 4-bit weight; an exception if none was loaded yet. */
    public Quantized4bit weight() {
        if (weight == null)
            throw new IllegalStateException(describe() + ": the 4-bit weight has not been loaded");
        return weight;
    }

    /** True once a weight is set. */
    public boolean isLoaded() {
        return weight != null;
    }

    /** The weight decoded to float32, {@code (out, in)} row-major (for merging and export; the layer never needs it). */
    public float[] dequantizedWeight() {
        return Blockwise4bit.dequantize(weight());
    }

    /** The float bias, or null without one. */
    public Tensor bias() {
        return hasParameter("bias") ? parameter("bias") : null;
    }

    public boolean hasBias() {
        return hasParameter("bias");
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    /** How the weight is (or will be) quantized. */
    public QuantSpec spec() {
        return spec;
    }

    /** Bytes the 4-bit weight occupies: packed nibbles plus block scales (and their nested scales). */
    public long weightBytes() {
        return Math.round(weight().state().bitsPerParameter() * weight().numel() / 8);
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() == 0 || x.size(-1) != inFeatures)
            throw new IllegalArgumentException(describe() + ": input of shape " + Shape.str(x.shape()) + " has "
                    + (x.rank() == 0 ? 0 : x.size(-1)) + " features, expected " + inFeatures);
        Tensor y = linear4bit(x, weight(), describe());
        return hasBias() ? y.add(bias()) : y;
    }

    /**
     * {@code y = x·Wᵀ} for {@code x (.., in)} and a 4-bit {@code W (out, in)}, giving {@code (.., out)}, with its
     * backward {@code dx = dy·W} (W is frozen: it gets no gradient).
     */
    static Tensor linear4bit(Tensor x, Quantized4bit w, String where) {
        if (!(x.storage() instanceof Storage.FloatStorage))
            throw new IllegalArgumentException(where + ": 4-bit layers take float32 CPU input, got " + x.dtype()
                    + " on " + x.device());
        int in = w.cols(), out = w.rows();
        int[] inShape = x.shape();
        int m = x.numel() / in;
        Tensor xc = x.isContiguous() ? x : x.contiguousCopy();
        float[] xs = ((Storage.FloatStorage) xc.storage()).data;
        float[] y = new float[m * out];                                         // (m, out)
        if (m == 1) KERNEL.matvec(w, xs, xc.offset(), y, 0);
        else if (m > 1) KERNEL.matmul(w, m, xs, xc.offset(), y, 0);
        int[] outShape = inShape.clone();
        outShape[outShape.length - 1] = out;
        Tensor result = Tensor.of(y, outShape);
        return Autograd.record("linear4bit", result, x, new Tensor[0], g -> {
            Tensor gc = g.isContiguous() ? g : g.contiguousCopy();                 // (.., out)
            float[] gx = new float[m * in];                                        // (m, in)
            if (m > 0) KERNEL.inputGradient(w, m, ((Storage.FloatStorage) gc.storage()).data, gc.offset(), gx, 0);
            return new Tensor[] {Tensor.of(gx, inShape)};
        });
    }

    private String describe() {
        String what = "(Linear4bit in=" + inFeatures + ", out=" + outFeatures + ")";
        return path().isEmpty() ? what : path() + " " + what;
    }

    /** As bitsandbytes prints its Linear4bit (nn.Linear's fields), with how the weight is stored. */
    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + (hasBias() ? "True" : "False")
                + ", quant_type=" + spec.type().bnbName() + ", blocksize=" + spec.blocksize()
                + ", compress_statistics=" + (spec.doubleQuant() ? "True" : "False");
    }
}
