package dev.jgrad.transformer.checkpoint;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.kernels.Finite;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.nn.Module;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.LinearFactory;
import dev.jgrad.transformer.WeightReceiver;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.gpt.GptModel;
import dev.jgrad.transformer.llama.LlamaModel;

import java.nio.file.Path;
import java.util.Map;

/** Building a model from its config record, and the small weight-layout helpers the importers share. */
public final class Models {

    private Models() {}

    /** A freshly initialised model for {@code config} ({@link GptConfig} or {@link LlamaConfig}). */
    public static CausalLM create(Record config, Generator gen) {
        return create(config, gen, LinearFactory.FLOAT);
    }

    /**
     * A model for {@code config} whose linear layers come from {@code linears} (see {@link LinearFactory}): with
     * {@link LinearFactory#FLOAT} a freshly initialised float model; with a factory of 4-bit layers, a model whose
     * quantized layers wait for a loader to fill them (the loaders take a factory for exactly that).
     */
    public static CausalLM create(Record config, Generator gen, LinearFactory linears) {
        if (config instanceof GptConfig c) return new GptModel(c, gen, linears);
        if (config instanceof LlamaConfig c) return new LlamaModel(c, gen, linears);
        throw new IllegalArgumentException("unknown model config " + config);
    }

    /**
     * Scratch arrays for weights handed to {@link WeightReceiver}s, one per size and reused from tensor to tensor: a
     * model has a handful of weight shapes, so loading allocates a few arrays instead of one per weight (garbage that
     * would otherwise grow the heap while a large model loads).
     */
    static final class Scratch {
        private final Map<Integer, float[]> bySize = new java.util.HashMap<>();

        float[] get(int n) {
            return bySize.computeIfAbsent(n, float[]::new);
        }
    }

    /**
     * Fills the model's tensor {@code name} (a state-dict name such as {@code model.layers.0.mlp.up_proj.weight})
     * of {@code shape}: {@code read} writes its float32 values, row-major, into the array it is given. A float
     * parameter is written in place; a weight held by a {@link WeightReceiver} (a 4-bit layer) is read into an
     * array of {@code scratch} and handed over, so no float copy of it outlives the call. Values that are NaN or
     * infinite are refused, naming the tensor and {@code file}.
     */
    static void fill(Module model, Map<String, Tensor> params, String name, int[] shape, java.util.function.Consumer<float[]> read,
                     Scratch scratch, Path file) throws CheckpointFormatException {
        Tensor p = params.get(name);
        if (p != null) {
            read.accept(data(p));
            checkFinite(data(p), name, shape, file);
            return;
        }
        int dot = name.lastIndexOf('.');
        Module owner = dot < 0 ? model : model.module(name.substring(0, dot));
        if (!(owner instanceof WeightReceiver receiver))
            throw new IllegalStateException("the model has no parameter " + name + " and " + owner.getClass().getSimpleName()
                    + " at " + name.substring(0, Math.max(dot, 0)) + " does not take loaded weights");
        float[] values = scratch.get(dev.jgrad.core.Shape.numel(shape));
        read.accept(values);
        checkFinite(values, name, shape, file);
        receiver.receive(name.substring(dot + 1), shape.clone(), values);
    }

    /**
     * Parameter tensors up to which a config's parameters are listed ({@link #parameterShapes}) to be matched
     * name by name against a checkpoint: a few megabytes of names and shapes, more than any real model has.
     */
    static final long LISTABLE_TENSORS = 100_000;

    /**
     * Refuses a config that claims far more than the checkpoint holds, before its parameters are even listed:
     * {@link #parameterShapes} of a config of 10⁹ layers would itself exhaust the heap. The parameter count comes
     * from the config by formula; every parameter is one tensor of the checkpoint, so the count cannot exceed
     * {@code fileElements}, the values the checkpoint's tensors hold together. A config small enough to list is
     * left to the name-by-name match, whose messages say which tensor is missing or mis-shaped.
     */
    static void checkClaimedSize(Record config, long fileElements, Path file) throws CheckpointFormatException {
        long params = parameterCount(config);
        if (params > fileElements && parameterTensors(config) > LISTABLE_TENSORS)
            throw new CheckpointFormatException(file, "the config's model has " + count(params) + " parameters, but the"
                    + " checkpoint's tensors hold only " + count(fileElements) + " values (" + config + ")");
    }

    /**
     * Refuses a model the heap cannot hold, before it is built: its weights take 4 bytes a parameter in float32, and
     * at least half a byte in 4-bit layers (the lower bound used for any {@code linears} but {@link LinearFactory#FLOAT}),
     * compared with {@link Runtime#maxMemory}. A file whose size matches its header can still be sparse, and claim
     * a 7B model in a few bytes of disk.
     */
    static void checkFitsHeap(Record config, LinearFactory linears, Path file) throws CheckpointFormatException {
        long params = parameterCount(config);
        double bytes = params * (linears == LinearFactory.FLOAT ? 4.0 : 0.5);
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap)
            throw new CheckpointFormatException(file, "the config's model has " + count(params) + " parameters, which need"
                    + " at least " + String.format("%,.0f", bytes / (1 << 20)) + " MiB, more than the Java heap's maximum"
                    + " of " + String.format("%,d", heap >> 20) + " MiB (raise it with -Xmx)");
    }

    /** The config's parameter count by formula, {@link Long#MAX_VALUE} if that exceeds a long. */
    private static long parameterCount(Record config) {
        try {
            return config instanceof GptConfig c ? c.parameterCount() : ((LlamaConfig) config).parameterCount();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** The number of parameter tensors, from the shapes of the same model with one and with two layers. */
    private static long parameterTensors(Record config) {
        int layers = config instanceof GptConfig c ? c.nLayer() : ((LlamaConfig) config).nLayers();
        int one = parameterShapes(withLayers(config, 1)).size(), two = parameterShapes(withLayers(config, 2)).size();
        return one + (long) (two - one) * (layers - 1);
    }

    private static Record withLayers(Record config, int layers) {
        if (config instanceof GptConfig c)
            return new GptConfig(c.vocabSize(), c.blockSize(), c.nEmbd(), layers, c.nHead(), c.dropout(), c.bias(),
                    c.layerNormEps(), c.tieEmbeddings(), c.geluTanh());
        LlamaConfig c = (LlamaConfig) config;
        return new LlamaConfig(c.vocabSize(), c.dim(), layers, c.nHeads(), c.nKvHeads(), c.hiddenDim(), c.rmsNormEps(),
                c.ropeTheta(), c.ropeStyle(), c.maxSeqLen(), c.tieEmbeddings());
    }

    private static String count(long n) {
        return n == Long.MAX_VALUE ? "more than 2^63" : String.format("%,d", n);
    }

    /** Refuses a weight holding NaN or an infinity, naming it, the first such value and where it is. */
    static void checkFinite(float[] values, String name, int[] shape, Path file) throws CheckpointFormatException {
        int bad = Finite.firstNonFinite(values);
        if (bad >= 0)
            throw new CheckpointFormatException(file, "tensor " + name + " " + java.util.Arrays.toString(shape) + " holds "
                    + values[bad] + " at flat index " + bad + " (weights must be finite)");
    }

    /** Names and shapes of the parameters of a model of {@code config}, without building it. */
    public static Map<String, int[]> parameterShapes(Record config) {
        if (config instanceof GptConfig c) return GptModel.parameterShapes(c);
        if (config instanceof LlamaConfig c) return LlamaModel.parameterShapes(c);
        throw new IllegalArgumentException("unknown model config " + config);
    }

    /** The float32 array behind a dense parameter, to be filled in place while loading. */
    static float[] data(Tensor p) {
        if (p.dtype() != DType.F32 || !p.isContiguous() || p.offset() != 0
                || ((Storage.FloatStorage) p.storage()).data.length != p.numel())
            throw new IllegalStateException("expected a dense float32 parameter, got " + p.dtype() + " " + p);
        return ((Storage.FloatStorage) p.storage()).data;
    }

    /** {@code (rows, cols)} row-major → its transpose {@code (cols, rows)}. */
    static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
        return t;
    }

    /**
     * Reorders the rows of a query or key projection {@code (heads·hd, cols)} from RoPE on interleaved pairs
     * (Meta, llama2.c: features {@code 2i, 2i+1} of a head rotate together) to RoPE on halves (Hugging Face:
     * features {@code i, i + hd/2}): row {@code 2i + j} of each head moves to row {@code j·hd/2 + i}. This is the
     * permutation of HF's {@code convert_llama_weights_to_hf.py}; the rotated dot products, and so the model, are
     * unchanged.
     */
    public static float[] interleavedToHalf(float[] w, int heads, int headDim, int cols) {
        float[] out = new float[w.length];
        int half = headDim / 2;
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < half; i++)
                for (int j = 0; j < 2; j++)
                    System.arraycopy(w, (h * headDim + 2 * i + j) * cols, out, (h * headDim + j * half + i) * cols, cols);
        return out;
    }

    /** The inverse of {@link #interleavedToHalf}: HF's rotate-half rows back to interleaved pairs. */
    public static float[] halfToInterleaved(float[] w, int heads, int headDim, int cols) {
        float[] out = new float[w.length];
        int half = headDim / 2;
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < half; i++)
                for (int j = 0; j < 2; j++)
                    System.arraycopy(w, (h * headDim + j * half + i) * cols, out, (h * headDim + 2 * i + j) * cols, cols);
        return out;
    }
}
