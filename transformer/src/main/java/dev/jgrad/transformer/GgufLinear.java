package dev.jgrad.transformer;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.Autograd;
import dev.jgrad.core.io.gguf.GgufBlocks;
import dev.jgrad.core.io.gguf.GgufQuantizer;
import dev.jgrad.core.io.gguf.GgufType;
import dev.jgrad.core.kernels.GgufMatmul;
import dev.jgrad.core.kernels.Int8Matmul;
import dev.jgrad.core.kernels.VectorInt8Matmul;
import dev.jgrad.nn.Forward;
import dev.jgrad.nn.Module;

import java.lang.foreign.MemorySegment;
import java.util.function.Function;

/**
 * A frozen linear layer {@code y = x·Wᵀ + b} whose weight {@code W (out, in)} stays in the ggml block type a GGUF
 * file stores it in (Q4_0: 4.5 bits per weight, Q4_K 4.5, Q6_K 6.56, Q8_0 8.5, ...), as llama.cpp runs it. The
 * forward and the input gradient decode the blocks row by row as they multiply ({@link GgufMatmul}); the weight
 * gets no gradient. CPU only.
 *
 * <p>{@link #FACTORY} builds empty layers for {@link dev.jgrad.transformer.checkpoint.GgufCheckpoint} to fill
 * with the file's bytes ({@link #setWeight}); another loader can fill one with float values
 * ({@link #receive}), kept as F32 blocks.
 *
 * <p>{@link #quantizing} builds layers that quantize the float values they receive to Q8_0 or Q4_0 (ggml's
 * reference quantizers, {@link GgufQuantizer}) and whose forward quantizes the activations to int8 too and takes
 * integer dot products ({@link Int8Matmul}), as llama.cpp and llama2.c's {@code runq.c} run such weights: this is
 * {@code generate --quant q8_0|q4_0}.
 */
public final class GgufLinear extends Module implements Forward, WeightReceiver {

    /** Empty GGUF layers, to be filled by a loader. */
    public static final LinearFactory FACTORY = (path, in, out, bias, gen) -> new GgufLinear(in, out, bias);

    private static final Int8Matmul INT8 = new VectorInt8Matmul();

    private final int in, out;
    /** The type {@link #receive} quantizes float values to, and whether the forward quantizes its input to int8. */
    private final GgufType receiveAs;
    private GgufType type;
    private MemorySegment weight;
    private byte[] blocks;

    public GgufLinear(int in, int out, boolean bias) {
        this(in, out, bias, GgufType.F32);
    }

    /**
     * An empty layer that quantizes the float weight it {@link #receive}s to {@code receiveAs}: F32 keeps it, Q8_0
     * or Q4_0 quantize it and make the forward run on int8 activations ({@link Int8Matmul}).
     */
    public GgufLinear(int in, int out, boolean bias, GgufType receiveAs) {
        if (receiveAs != GgufType.F32 && receiveAs != GgufType.Q8_0 && receiveAs != GgufType.Q4_0)
            throw new IllegalArgumentException("GgufLinear quantizes received weights to F32, Q8_0 or Q4_0, not " + receiveAs);
        if (receiveAs != GgufType.F32 && in % receiveAs.blockSize() != 0)
            throw new IllegalArgumentException("rows of " + in + " values are not whole " + receiveAs + " blocks of "
                    + receiveAs.blockSize());
        this.receiveAs = receiveAs;
        if (in <= 0 || out <= 0) throw new IllegalArgumentException("GgufLinear: feature counts must be positive, got " + in + ", " + out);
        this.in = in;
        this.out = out;
        if (bias) registerParameter("bias", Tensor.zeros(out)).requiresGrad(false);
    }

    /** Sets the weight: {@code bytes} are {@code out} rows of {@code in} values as ggml blocks of {@code type}. */
    public void setWeight(GgufType type, byte[] bytes) {
        if (in % type.blockSize() != 0)
            throw new IllegalArgumentException(describe() + ": rows of " + in + " are not whole " + type + " blocks");
        long expected = type.byteSize(in) * out;
        if (bytes.length != expected)
            throw new IllegalArgumentException(describe() + ": a " + type + " weight takes " + expected + " bytes, got " + bytes.length);
        this.type = type;
        this.weight = MemorySegment.ofArray(bytes);
        this.blocks = bytes;
    }

    /**
     * A factory for loaders: the layer at each path becomes an empty {@code GgufLinear} that quantizes to
     * {@code typeOf(path)} (Q8_0 or Q4_0, int8 activations), or a float {@link dev.jgrad.nn.Linear} where that is
     * null. A layer whose rows are not whole blocks of 32 is refused with its path.
     */
    public static LinearFactory quantizing(Function<String, GgufType> typeOf) {
        return (path, in, out, bias, gen) -> {
            GgufType t = typeOf.apply(path);
            if (t == null) return LinearFactory.FLOAT.create(path, in, out, bias, gen);
            if (in % t.blockSize() != 0)
                throw new IllegalArgumentException(path + " has rows of " + in + " values, not whole " + t + " blocks of "
                        + t.blockSize() + ": this model cannot be quantized to " + t);
            return new GgufLinear(in, out, bias, t);
        };
    }

    /** Takes float values from a loader and keeps them as F32 blocks, or quantizes them to this layer's Q8_0 or Q4_0. */
    @Override
    public void receive(String name, int[] shape, float[] values) {
        if (!name.equals("weight") || shape.length != 2 || shape[0] != out || shape[1] != in)
            throw new IllegalArgumentException(describe() + ": cannot receive \"" + name + "\" of shape " + Shape.str(shape));
        byte[] b = new byte[Math.toIntExact(receiveAs.byteSize((long) in * out))];
        GgufQuantizer.quantize(receiveAs, values, 0, in * out, b, 0);
        setWeight(receiveAs, b);
    }

    /** The block type of the weight (null before it is set). */
    public GgufType type() {
        return type;
    }

    /** The weight decoded to float32, {@code (out, in)} row-major (for merging and export; the layer never needs it). */
    public float[] dequantizedWeight() {
        requireLoaded();
        float[] w = new float[Math.multiplyExact(in, out)];
        GgufBlocks.dequantize(type, weight, 0, w, 0, w.length);
        return w;
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
    }

    public Tensor bias() {
        return hasParameter("bias") ? parameter("bias") : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        requireLoaded();
        if (x.rank() == 0 || x.size(-1) != in)
            throw new IllegalArgumentException(describe() + ": input of shape " + Shape.str(x.shape()) + " has "
                    + (x.rank() == 0 ? 0 : x.size(-1)) + " features, expected " + in);
        if (x.dtype() != DType.F32 || !x.device().equals(Device.cpu()))
            throw new IllegalArgumentException(describe() + ": takes float32 input on the CPU, got " + x.dtype() + " on " + x.device());
        int[] inShape = x.shape(), outShape = inShape.clone();
        outShape[outShape.length - 1] = out;
        int m = x.numel() / in;
        GgufType t = type;
        MemorySegment w = weight;
        float[] xs = x.detach().contiguous().toFloatArray();                            // (m, in)
        float[] ys = new float[Math.multiplyExact(m, out)];                              // (m, out)
        if (int8Activations()) INT8.matmul(t, blocks, out, in, xs, 0, m, ys, 0);
        else GgufMatmul.matmul(t, w, out, in, xs, 0, m, ys, 0);
        Tensor y = Autograd.record("gguf_linear", Tensor.of(ys, outShape), x, new Tensor[0], g -> {
            float[] dx = new float[Math.multiplyExact(m, in)];
            GgufMatmul.inputGradient(t, w, out, in, g.detach().contiguous().toFloatArray(), 0, m, dx, 0);
            return new Tensor[] {Tensor.of(dx, inShape)};
        });
        return hasParameter("bias") ? y.add(bias()) : y;
    }

    /** True when the forward quantizes its input to int8 (a layer built to quantize its weight to Q8_0 or Q4_0). */
    public boolean int8Activations() {
        return receiveAs != GgufType.F32 && type == receiveAs;
    }

    private void requireLoaded() {
        if (weight == null) throw new IllegalStateException(describe() + ": the weight has not been loaded");
    }

    private String describe() {
        String what = "(GgufLinear in=" + in + ", out=" + out + (type == null ? "" : ", " + type) + ")";
        return path().isEmpty() ? what : path() + " " + what;
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + in + ", out_features=" + out + ", bias=" + (hasParameter("bias") ? "True" : "False")
                + ", type=" + type;
    }
}
