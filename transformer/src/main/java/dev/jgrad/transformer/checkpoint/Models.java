package dev.jgrad.transformer.checkpoint;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.gpt.GptModel;
import dev.jgrad.transformer.llama.LlamaModel;

import java.util.Map;

/** Building a model from its config record, and the small weight-layout helpers the importers share. */
public final class Models {

    private Models() {}

    /** A freshly initialised model for {@code config} ({@link GptConfig} or {@link LlamaConfig}). */
    public static CausalLM create(Record config, Generator gen) {
        if (config instanceof GptConfig c) return new GptModel(c, gen);
        if (config instanceof LlamaConfig c) return new LlamaModel(c, gen);
        throw new IllegalArgumentException("unknown model config " + config);
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
