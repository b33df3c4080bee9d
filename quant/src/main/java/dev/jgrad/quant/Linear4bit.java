package dev.jgrad.quant;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.Autograd;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.core.backend.Backend;
import dev.jgrad.core.backend.Weight4bit;
import dev.jgrad.core.ops.Views;
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
 * <p><b>Forward.</b> The backend of the input's device decodes the weight as it multiplies
 * ({@link Backend#matmul4bit}: on the CPU the Vector API kernels decode in registers, on a GPU the CUDA kernels
 * decode in shared memory or per warp), so no float copy of the weight ever exists. The leading dims of {@code x}
 * are flattened into rows; one row (a decoding step) is a matrix-vector product. The bias, if any, is a float
 * parameter added after.
 *
 * <p><b>Backward.</b> The weight is frozen (QLoRA trains adapters beside it, not it), so only the input gradient
 * flows: {@code dx = dy·W}, {@link Backend#matmul4bitInputGradient}, again decoding on the fly.
 *
 * <p><b>Devices.</b> The packed nibbles (U8) and the block scales (float32) are non-persistent buffers, so
 * {@code model.to(Device.cuda(0))} moves them with the parameters. A double-quantized weight's scales are decoded
 * to float32 once, when the weight is set ({@link Quantized4bit#blockAbsmax()}), and that float32 copy is what the
 * buffer holds and the device keeps: 4 bytes per block (0.5 bit per weight at block 64, against 0.127 for the
 * 8-bit form), in exchange for no decoding pass per forward (bitsandbytes decodes the nested scales at every
 * forward on the GPU). The host keeps only the {@link QuantState} (code book and stored scales); {@link #weight()}
 * rebuilds the {@link Quantized4bit} from the buffers (a copy back to the host when they live on a GPU).
 *
 * <p><b>Building one.</b> {@link #quantize(Linear, QuantSpec)} from a float layer; {@link #of} from a
 * {@link Quantized4bit} read with {@link Bnb4bitFormat}; or {@link #Linear4bit(int, int, boolean, QuantSpec)}
 * empty, for a loader to fill through {@link WeightReceiver#receive} (the float values are quantized there and
 * dropped), which is how a model is quantized while loading. Using an empty layer is an error naming it.
 */
public final class Linear4bit extends Module implements Forward, WeightReceiver {

    private final int inFeatures, outFeatures;
    private final QuantSpec spec;
    /** How the loaded weight decodes (code book, block size, stored scales); null until a weight is set. */
    private QuantState state;
    /** {@code ceil(out·in / 2)} U8 nibbles and {@code ceil(out·in / blocksize)} float32 scales; empty until loaded. */
    private final Tensor packed, absmax;

    /** An empty layer: {@code in} → {@code out}, quantized with {@code spec} when its weight arrives. */
    public Linear4bit(int inFeatures, int outFeatures, boolean bias, QuantSpec spec) {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new IllegalArgumentException("Linear4bit: feature counts must be positive, got in=" + inFeatures + ", out=" + outFeatures);
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.spec = spec;
        if (bias) registerParameter("bias", Tensor.zeros(outFeatures)).requiresGrad(false);
        this.packed = registerBuffer("weight_packed", Tensor.empty(DType.U8, Device.cpu(), 0), false);
        this.absmax = registerBuffer("weight_absmax", Tensor.empty(DType.F32, Device.cpu(), 0), false);
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
     * Replaces the 4-bit weight (a merge re-quantizes into a new one), on the device the layer is on. Forward passes
     * already recorded keep the weight they used for their backward.
     */
    public void setWeight(Quantized4bit w) {
        long[] shape = w.shape();
        if (shape.length != 2 || shape[0] != outFeatures || shape[1] != inFeatures)
            throw new IllegalArgumentException(describe() + ": a 4-bit weight of shape " + Arrays.toString(shape)
                    + " does not fit (" + outFeatures + ", " + inFeatures + ")");
        Device device = packed.device();
        Tensor nibbles = new Tensor(new Storage.ByteStorage(DType.U8, w.packed()), w.packed().length);
        Tensor scales = Tensor.of(w.blockAbsmax());                 // float32, double quantization decoded
        try (NoGrad ignored = NoGrad.enter()) {
            packed.setData(nibbles.to(device));
            absmax.setData(scales.to(device));
        }
        this.state = w.state();
    }

    /**
     * The 4-bit weight; an exception if none was loaded yet. On the CPU it shares the layer's packed bytes; on another
     * device they are copied back to the host.
     */
    public Quantized4bit weight() {
        requireLoaded();
        return new Quantized4bit(hostBytes(packed), state);
    }

    private void requireLoaded() {
        if (state == null)
            throw new IllegalStateException(describe() + ": the 4-bit weight has not been loaded");
    }

    /** The bytes of a U8 tensor: its own array when it is a whole host array, else a host copy. */
    private static byte[] hostBytes(Tensor t) {
        Tensor host = t.to(Device.cpu()).contiguous();
        byte[] data = ((Storage.ByteStorage) host.storage()).data;
        if (host.offset() == 0 && data.length == host.numel()) return data;
        return Arrays.copyOfRange(data, host.offset(), host.offset() + host.numel());
    }

    /** True once a weight is set. */
    public boolean isLoaded() {
        return state != null;
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
        requireLoaded();
        return Math.round(state.bitsPerParameter() * state.numel() / 8);
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() == 0 || x.size(-1) != inFeatures)
            throw new IllegalArgumentException(describe() + ": input of shape " + Shape.str(x.shape()) + " has "
                    + (x.rank() == 0 ? 0 : x.size(-1)) + " features, expected " + inFeatures);
        Tensor y = linear4bit(x, operand(), describe());
        return hasBias() ? y.add(bias()) : y;
    }

    /**
     * The weight as the backends read it: the buffers as they are now (detached views, so a later
     * {@link #setWeight} does not change a recorded backward), scales float32 even after {@code Module.to(F64)}.
     */
    private Weight4bit operand() {
        requireLoaded();
        Tensor scales = absmax.dtype() == DType.F32 ? absmax : absmax.detach().to(DType.F32);
        return new Weight4bit(packed.detach(), scales.detach(), state.codebook(), state.blocksize(), outFeatures, inFeatures);
    }

    /**
     * {@code y = x·Wᵀ} for {@code x (.., in)} and a 4-bit {@code W (out, in)}, giving {@code (.., out)}, with its
     * backward {@code dx = dy·W} (W is frozen: it gets no gradient). Runs on the input's device, which must be the
     * weight's.
     */
    static Tensor linear4bit(Tensor x, Weight4bit w, String where) {
        if (x.dtype() != DType.F32)
            throw new IllegalArgumentException(where + ": 4-bit layers take float32 input, got " + x.dtype());
        if (!x.device().equals(w.packed().device()))
            throw new IllegalArgumentException(where + ": the input is on " + x.device() + " but the 4-bit weight on "
                    + w.packed().device() + " (move the model with module.to(device))");
        int in = w.inFeatures(), out = w.outFeatures();
        int[] inShape = x.shape(), outShape = inShape.clone();
        outShape[outShape.length - 1] = out;
        int m = x.numel() / in;
        Tensor y = Tensor.empty(DType.F32, x.device(), outShape);                      // (.., out)
        x.backend().matmul4bit(Views.reshapeRaw(x.detach(), m, in), w, Views.reshapeRaw(y, m, out));
        return Autograd.record("linear4bit", y, x, new Tensor[0], g -> {
            Tensor gx = Tensor.empty(DType.F32, g.device(), inShape);                   // (.., in)
            g.backend().matmul4bitInputGradient(Views.reshapeRaw(g.detach(), m, out), w, Views.reshapeRaw(gx, m, in));
            return new Tensor[] {gx};
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
