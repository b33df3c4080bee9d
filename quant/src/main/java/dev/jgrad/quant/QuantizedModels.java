package dev.jgrad.quant;

import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Module;
import dev.jgrad.transformer.LinearFactory;
import dev.jgrad.transformer.checkpoint.ModelLoader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Transformer models with 4-bit linear layers, the way QLoRA holds its base model: every linear layer of the
 * blocks (q, k, v, o, gate, up, down for LLaMA; c_attn, c_proj, c_fc for GPT-2) in 4 bits, the embeddings, norms and
 * output head in float32 (as Hugging Face's {@code load_in_4bit}, which keeps {@code lm_head} unquantized).
 *
 * <p>Two routes to such a model:
 * <ul>
 *   <li>{@link #load}: <b>quantize while loading</b>. The model is built with a {@link LinearFactory} whose block
 *       layers are empty {@link Linear4bit}s; the checkpoint loader reads one weight at a time into a scratch array
 *       and each layer quantizes it, so the float model never exists (a 1.1B-parameter LLaMA loads in about its
 *       4-bit size plus the float embedding and head).</li>
 *   <li>{@link #quantize}: replace the float layers of a model already in memory.</li>
 * </ul>
 */
public final class QuantizedModels {

    private QuantizedModels() {}

    /** True for the paths of block linear layers: every linear layer but the output head {@code lm_head}. */
    public static boolean isBlockLinear(String path) {
        return !path.equals("lm_head");
    }

    /** A factory that makes the layers {@code which} accepts empty 4-bit layers quantized with {@code spec}, the rest float. */
    public static LinearFactory factory(QuantSpec spec, Predicate<String> which) {
        return (path, in, out, bias, gen) -> which.test(path)
                ? new Linear4bit(in, out, bias, spec)
                : LinearFactory.FLOAT.create(path, in, out, bias, gen);
    }

    /** {@link #factory} for every block linear layer. */
    public static LinearFactory factory(QuantSpec spec) {
        return factory(spec, QuantizedModels::isBlockLinear);
    }

    /**
     * Loads any checkpoint {@link ModelLoader} reads (Hugging Face safetensors, F32/F16/BF16; llama2.c; jgrad) with
     * its block linear layers quantized while loading.
     */
    public static ModelLoader.Loaded load(Path checkpoint, ModelLoader.Format format, Path tokenizer, QuantSpec spec) throws IOException {
        ModelLoader.Loaded loaded = ModelLoader.load(checkpoint, format, tokenizer, factory(spec));
        for (Map.Entry<String, Module> e : loaded.model().namedModules().entrySet())
            if (e.getValue() instanceof Linear4bit q && !q.isLoaded())
                throw new IllegalStateException(checkpoint + ": the loader left the 4-bit layer " + e.getKey() + " empty");
        return loaded;
    }

    /** Replaces each float {@link Linear} at a path {@code which} accepts by its 4-bit version; returns them by path. */
    public static Map<String, Linear4bit> quantize(Module model, QuantSpec spec, Predicate<String> which) {
        Map<String, Linear4bit> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            if (e.getKey().isEmpty() || !(e.getValue() instanceof Linear lin) || !which.test(e.getKey())) continue;
            out.put(e.getKey(), Linear4bit.quantize(lin, spec));
        }
        out.forEach(model::replaceModule);
        return out;
    }

    /** {@link #quantize} for every block linear layer. */
    public static Map<String, Linear4bit> quantize(Module model, QuantSpec spec) {
        return quantize(model, spec, QuantizedModels::isBlockLinear);
    }

    /** The model's 4-bit layers by path. */
    public static Map<String, Linear4bit> layers(Module model) {
        Map<String, Linear4bit> out = new LinkedHashMap<>();
        model.namedModules().forEach((path, m) -> {
            if (m instanceof Linear4bit q) out.put(path, q);
        });
        return out;
    }

    /** What the 4-bit weights of a model cost, against the same weights in float32. */
    public record Memory(long parameters, long float32Bytes, long quantizedBytes) {
        /** Storage bits per quantized parameter. */
        public double bitsPerParameter() {
            return parameters == 0 ? 0 : 8.0 * quantizedBytes / parameters;
        }
    }

    /** Sums {@link Memory} over the model's 4-bit layers. */
    public static Memory memory(Module model) {
        long params = 0, bytes = 0;
        for (Linear4bit q : layers(model).values()) {
            params += q.weight().numel();
            bytes += q.weightBytes();
        }
        return new Memory(params, 4 * params, bytes);
    }
}
