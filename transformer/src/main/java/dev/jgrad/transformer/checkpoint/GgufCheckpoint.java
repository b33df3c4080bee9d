package dev.jgrad.transformer.checkpoint;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.gguf.GgufFile;
import dev.jgrad.core.io.gguf.GgufFormatException;
import dev.jgrad.core.io.gguf.GgufType;
import dev.jgrad.core.io.gguf.GgufValue;
import dev.jgrad.core.io.gguf.GgufWriter;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GgufLinear;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.LinearFactory;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.llama.LlamaModel;
import dev.jgrad.transformer.tokenizer.Tokenizer;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Models in GGUF files, as llama.cpp runs them and its converter ({@code convert_hf_to_gguf.py}) writes them:
 * architectures {@code llama} (LLaMA 1/2/3, Mistral, TinyLlama), {@code qwen2} (Qwen2, Qwen2.5) and {@code gpt2},
 * read and written.
 *
 * <p><b>Names.</b> {@code token_embd}, {@code output_norm}, {@code output} (absent when tied to the embedding), and
 * per layer {@code blk.N.}{@code attn_norm}, {@code attn_q}, {@code attn_k}, {@code attn_v}, {@code attn_output},
 * {@code ffn_norm}, {@code ffn_gate}, {@code ffn_up}, {@code ffn_down} (each {@code .weight}); a weight {@code (out,
 * in)} has GGUF dimensions {@code [in, out]}. {@code gpt2} has {@code position_embd}, {@code attn_qkv} (GPT-2's
 * c_attn, transposed from HF's Conv1D to (out, in) by the converter), {@code ffn_up}/{@code ffn_down} (c_fc,
 * c_proj), and a {@code .bias} beside each norm and linear weight; its metadata keys are {@code gpt2.*}, its layer
 * norm epsilon {@code gpt2.attention.layer_norm_epsilon}. {@code qwen2} has the {@code llama} names plus
 * {@code blk.N.attn_q.bias}, {@code attn_k.bias}, {@code attn_v.bias} (a {@link LlamaConfig#attentionBias()} model
 * is written as {@code qwen2}, and a {@code qwen2} file always loads as one).
 *
 * <p><b>RoPE.</b> llama.cpp rotates adjacent pairs (features 2i, 2i+1) in the {@code llama} architecture; the
 * converter permutes Hugging Face's rotate-half q/k rows into that order. Loading therefore builds the model
 * with {@link RopeStyle#INTERLEAVED} and no permutation; saving a model with {@link RopeStyle#HALF} permutes with
 * {@link Models#halfToInterleaved} (per head, with {@code head_count_kv} heads for k). {@code qwen2} is the
 * opposite: llama.cpp rotates its halves (NeoX style) and the converter copies Hugging Face's rows as they are, so
 * it loads with {@link RopeStyle#HALF}, and saving an interleaved model permutes q/k rows and biases with
 * {@link Models#interleavedToHalf}.
 *
 * <p><b>Metadata</b> read ({@code qwen2.*} alike): {@code llama.embedding_length}, {@code block_count},
 * {@code feed_forward_length}, {@code context_length}, {@code attention.head_count}, {@code attention.head_count_kv}
 * (default: head_count), {@code attention.layer_norm_rms_epsilon}, {@code rope.freq_base} (default 10000),
 * {@code rope.dimension_count} (must be the head size); the vocabulary size is the embedding's rows. A file with
 * RoPE scaling ({@code llama.rope.scaling.type}, or Llama 3.1's {@code rope_freqs} tensor) is refused, and a model
 * with {@link LlamaConfig#ropeScaling()} is not written: the converter stores Llama 3.1's remapping only as the
 * per-frequency factors of {@code rope_freqs}, from which {@link dev.jgrad.transformer.RopeScaling}'s four
 * parameters cannot in general be recovered exactly.
 *
 * <p><b>Loading</b> reads one tensor at a time and releases its file pages after: linear weights go to
 * {@link GgufLinear}s in their block type or are dequantized to float32 ({@link dev.jgrad.core.io.gguf.GgufBlocks},
 * bit-exact with ggml), depending on the {@link LinearFactory}.
 */
public final class GgufCheckpoint {

    private GgufCheckpoint() {}

    /** True if {@code file} starts with the GGUF magic. */
    public static boolean isGguf(Path file) {
        if (!Files.isRegularFile(file)) return false;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining() && ch.read(b) >= 0) { }
            return !b.hasRemaining() && b.getInt(0) == GgufFile.MAGIC;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The model configuration of a GGUF file: a {@link LlamaConfig} for {@code llama} and {@code qwen2}, a
     * {@link GptConfig} for {@code gpt2}, checked against the token embedding.
     */
    public static Record readConfig(GgufFile g) throws GgufFormatException {
        String arch = GgufTokenizers.string(g, "general.architecture");
        if (!arch.equals("llama") && !arch.equals("qwen2") && !arch.equals("gpt2"))
            throw new GgufFormatException(g.path(), "general.architecture is \"" + arch
                    + "\"; jgrad runs \"llama\", \"qwen2\" and \"gpt2\" GGUF models");
        int dim = intKey(g, arch + ".embedding_length", -1), heads = intKey(g, arch + ".attention.head_count", -1);
        if (!g.contains("token_embd.weight")) throw new GgufFormatException(g.path(), "has no tensor token_embd.weight");
        long[] emb = g.tensor("token_embd.weight").ne();
        if (emb.length != 2 || emb[0] != dim || emb[1] <= 0 || emb[1] > Integer.MAX_VALUE)
            throw new GgufFormatException(g.path(), "token_embd.weight has dimensions " + Arrays.toString(emb)
                    + "; expected [" + dim + ", vocabulary size]");
        if (heads <= 0 || dim % heads != 0)
            throw new GgufFormatException(g.path(), arch + ".attention.head_count " + heads + " does not divide the embedding length " + dim);
        int vocab = (int) emb[1], layers = intKey(g, arch + ".block_count", -1), context = intKey(g, arch + ".context_length", -1);
        int hidden = intKey(g, arch + ".feed_forward_length", -1);
        boolean tied = !g.contains("output.weight");
        try {
            if (arch.equals("gpt2")) {
                if (hidden != 4 * dim)
                    throw new GgufFormatException(g.path(), "gpt2.feed_forward_length " + hidden + " is not 4 × " + dim
                            + " (jgrad's GPT has GPT-2's MLP width)");
                return new GptConfig(vocab, context, dim, layers, heads, 0.0, g.contains("blk.0.attn_qkv.bias"),
                        floatKey(g, "gpt2.attention.layer_norm_epsilon", 1e-5), tied, true);
            }
            GgufValue scaling = g.get(arch + ".rope.scaling.type");
            if (g.contains("rope_freqs.weight") || scaling != null && !"none".equals(scaling.toString()))
                throw new GgufFormatException(g.path(), "uses RoPE scaling (" + (scaling != null ? arch + ".rope.scaling.type "
                        + scaling : "rope_freqs.weight, Llama 3.1's frequency factors") + "), which jgrad does not read from GGUF");
            int ropeDims = intKey(g, arch + ".rope.dimension_count", dim / heads);
            if (ropeDims != dim / heads)
                throw new GgufFormatException(g.path(), arch + ".rope.dimension_count " + ropeDims + " is not the head size "
                        + dim / heads + " (partial rotary embeddings are not supported)");
            boolean qwen2 = arch.equals("qwen2");
            return new LlamaConfig(vocab, dim, layers, heads, intKey(g, arch + ".attention.head_count_kv", heads), hidden,
                    floatKey(g, arch + ".attention.layer_norm_rms_epsilon", 1e-5), floatKey(g, arch + ".rope.freq_base", 10000),
                    qwen2 ? RopeStyle.HALF : RopeStyle.INTERLEAVED, context, tied, qwen2, 0, null);
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(g.path(), e.getMessage());
        }
    }

    /**
     * Loads a {@code llama}, {@code qwen2} or {@code gpt2} GGUF file into a {@link LlamaModel} (evaluation mode) whose linear layers come from
     * {@code linears}: with {@link LinearFactory#FLOAT} every weight is dequantized to float32; with
     * {@link GgufLinear#FACTORY} each linear weight keeps the file's blocks (a Q4_0 model stays at 4.5 bits per
     * weight) and only the embedding and the norms become float32; other factories receive float values.
     */
    public static CausalLM load(Path file, LinearFactory linears) throws IOException {
        try (GgufFile g = GgufFile.open(file)) {
            Record c = readConfig(g);
            String[][] table = c instanceof GptConfig ? GPT2_NAMES : LLAMA_NAMES;
            Map<String, int[]> shapes = Models.parameterShapes(c);
            for (GgufFile.TensorInfo t : g.tensors()) {
                String hf = rename(t.name(), table, 1, 0);
                if (hf == null || !shapes.containsKey(hf))
                    throw new GgufFormatException(file, "tensor \"" + t.name() + "\" has no place in a "
                            + GgufTokenizers.string(g, "general.architecture") + " model of this configuration");
            }
            CausalLM model = Models.create(c, new Generator(0), linears);
            Map<String, Tensor> params = model.namedParameters();
            Models.Scratch scratch = new Models.Scratch();
            for (Map.Entry<String, int[]> e : shapes.entrySet()) {
                String name = rename(e.getKey(), table, 0, 1);
                if (!g.contains(name)) throw new GgufFormatException(file, "has no tensor \"" + name + "\"");
                GgufFile.TensorInfo t = g.tensor(name);
                long[] expected = new long[e.getValue().length];
                for (int i = 0; i < expected.length; i++) expected[i] = e.getValue()[expected.length - 1 - i];
                if (!Arrays.equals(t.ne(), expected))
                    throw new GgufFormatException(file, "tensor \"" + name + "\" has dimensions " + Arrays.toString(t.ne())
                            + "; the model's configuration needs " + Arrays.toString(expected));
                int dot = e.getKey().lastIndexOf('.');
                if (!params.containsKey(e.getKey()) && model.module(e.getKey().substring(0, dot)) instanceof GgufLinear q) {
                    if (t.byteSize() > Integer.MAX_VALUE - 8)
                        throw new GgufFormatException(file, "tensor \"" + name + "\" has " + t.byteSize() + " bytes, more than a Java array holds");
                    q.setWeight(t.type(), g.segment(name).toArray(ValueLayout.JAVA_BYTE));   // the file's blocks, as they are
                } else {
                    Models.fill(model, params, e.getKey(), e.getValue(), dst -> g.readFloats(name, dst, 0), scratch, file);
                }
                g.release(name);
            }
            model.eval();
            return model;
        }
    }

    /**
     * Writes a model as a GGUF file, laid out as llama.cpp's converter writes it: a LLaMA as {@code llama} (one with
     * q/k/v biases as {@code qwen2}; one with RoPE scaling, or a sliding window shorter than its context, is refused), a GPT as
     * {@code gpt2} (a GPT without biases gets zero biases, which llama.cpp's gpt2 requires; llama.cpp computes GELU
     * with the tanh approximation whatever {@link GptConfig#geluTanh()} says). Norms and biases are F32, 2-D weights
     * {@code type} (F16 where a row is not whole blocks of it, as the converter falls back); the tokenizer's {@code
     * tokenizer.ggml.*} keys are written when {@code tokenizer} is not null, {@code tokenizer.chat_template} when
     * {@code chatTemplate} (a Jinja template, as in a {@code tokenizer_config.json}) is not null.
     */
    public static void save(CausalLM model, Tokenizer tokenizer, String chatTemplate, GgufType type, String name, Path out)
            throws IOException {
        if (type == null || type.isQuantized() && type != GgufType.Q8_0 && type != GgufType.Q4_0)
            throw new IllegalArgumentException("GGUF export writes f32, f16, bf16, q8_0 or q4_0, not " + type);
        GgufWriter w = new GgufWriter();
        Map<String, Tensor> state = model.stateDict();
        String arch = model.config() instanceof LlamaConfig c && c.attentionBias() ? "qwen2"
                : model.config() instanceof GptConfig ? "gpt2" : "llama";
        w.put("general.architecture", GgufValue.string(arch));
        w.put("general.type", GgufValue.string("model"));
        w.put("general.name", GgufValue.string(name));
        switch (model.config()) {
            case LlamaConfig c -> {
                // llama.cpp's llama and qwen2 attend to the whole context: a window shorter than it would be lost
                if (c.ropeScaling() != null || c.slidingWindow() > 0 && c.slidingWindow() < c.maxSeqLen())
                    throw new IllegalArgumentException("GGUF export does not write " + (c.ropeScaling() != null
                            ? "RoPE scaling (Llama 3.1's rope_freqs)" : "a sliding window (" + c.slidingWindow()
                            + " keys, shorter than the context of " + c.maxSeqLen() + ")") + "; this model has it");
                w.put(arch + ".block_count", GgufValue.uint32(c.nLayers()));
                w.put(arch + ".context_length", GgufValue.uint32(c.maxSeqLen()));
                w.put(arch + ".embedding_length", GgufValue.uint32(c.dim()));
                w.put(arch + ".feed_forward_length", GgufValue.uint32(c.hiddenDim()));
                w.put(arch + ".attention.head_count", GgufValue.uint32(c.nHeads()));
                w.put(arch + ".attention.head_count_kv", GgufValue.uint32(c.nKvHeads()));
                w.put(arch + ".rope.freq_base", GgufValue.float32((float) c.ropeTheta()));
                w.put(arch + ".attention.layer_norm_rms_epsilon", GgufValue.float32((float) c.rmsNormEps()));
                w.put("general.file_type", GgufValue.uint32(fileType(type)));
                w.put(arch + ".vocab_size", GgufValue.uint32(c.vocabSize()));
                w.put(arch + ".rope.dimension_count", GgufValue.uint32(c.headDim()));
                metadataTail(w, tokenizer, chatTemplate, c.vocabSize());
                // llama rotates interleaved pairs, qwen2 halves: permute q/k rows (and biases) that are the other way
                RopeStyle fileStyle = c.attentionBias() ? RopeStyle.HALF : RopeStyle.INTERLEAVED;
                boolean permute = c.ropeStyle() != fileStyle;
                for (Map.Entry<String, int[]> e : order(c).entrySet()) {
                    String hf = e.getKey();
                    int[] shape = e.getValue();
                    Tensor t = state.get(hf);
                    if (t == null) throw new IllegalStateException("the model has no tensor " + hf);
                    boolean q = hf.contains("self_attn.q_proj."), k = hf.contains("self_attn.k_proj.");
                    int cols = shape.length == 2 ? shape[1] : 1;
                    add(w, ggufName(hf), shape, type, () -> {
                        float[] v = t.contiguous().toFloatArray();
                        if (!permute || !q && !k) return v;
                        int heads = q ? c.nHeads() : c.nKvHeads();
                        return fileStyle == RopeStyle.INTERLEAVED ? Models.halfToInterleaved(v, heads, c.headDim(), cols)
                                : Models.interleavedToHalf(v, heads, c.headDim(), cols);
                    });
                }
            }
            case GptConfig c -> {
                w.put("gpt2.block_count", GgufValue.uint32(c.nLayer()));
                w.put("gpt2.context_length", GgufValue.uint32(c.blockSize()));
                w.put("gpt2.embedding_length", GgufValue.uint32(c.nEmbd()));
                w.put("gpt2.feed_forward_length", GgufValue.uint32(c.mlpDim()));
                w.put("gpt2.attention.head_count", GgufValue.uint32(c.nHead()));
                w.put("gpt2.attention.layer_norm_epsilon", GgufValue.float32((float) c.layerNormEps()));
                w.put("general.file_type", GgufValue.uint32(fileType(type)));
                metadataTail(w, tokenizer, chatTemplate, c.vocabSize());
                GptConfig withBias = new GptConfig(c.vocabSize(), c.blockSize(), c.nEmbd(), c.nLayer(), c.nHead(), c.dropout(),
                        true, c.layerNormEps(), c.tieEmbeddings(), c.geluTanh());
                for (Map.Entry<String, int[]> e : Models.parameterShapes(withBias).entrySet()) {
                    Tensor t = state.get(e.getKey());
                    int[] shape = e.getValue();
                    add(w, rename(e.getKey(), GPT2_NAMES, 0, 1), shape, type,
                            () -> t == null ? new float[dev.jgrad.core.Shape.numel(shape)] : t.contiguous().toFloatArray());
                }
            }
            default -> throw new IllegalArgumentException("GGUF export writes LLaMA and GPT models, not " + model.config());
        }
        w.write(out);
    }

    private static void metadataTail(GgufWriter w, Tokenizer tokenizer, String chatTemplate, int vocab) {
        if (tokenizer != null) GgufTokenizers.write(tokenizer, vocab, w);
        if (chatTemplate != null) w.put("tokenizer.chat_template", GgufValue.string(chatTemplate));
        w.put("general.quantization_version", GgufValue.uint32(2));
    }

    /** Adds a tensor of PyTorch shape {@code shape}: 1-D as F32, 2-D as {@code type} or F16 when rows are not whole blocks. */
    private static void add(GgufWriter w, String name, int[] shape, GgufType type, java.util.function.Supplier<float[]> values) {
        long[] ne = new long[shape.length];
        for (int i = 0; i < ne.length; i++) ne[i] = shape[shape.length - 1 - i];
        GgufType as = shape.length == 1 ? GgufType.F32 : ne[0] % type.blockSize() == 0 ? type : GgufType.F16;
        w.add(name, as, ne, values);
    }

    /** llama.cpp's {@code llama_ftype} for a file whose 2-D weights are {@code type}. */
    static int fileType(GgufType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("no file type for " + type);
        };
    }

    /** The model's tensors in the order the converter writes them (embedding, layers, final norm, output); q/k/v biases follow their weights. */
    private static Map<String, int[]> order(LlamaConfig c) {
        Map<String, int[]> shapes = LlamaModel.parameterShapes(c), out = new LinkedHashMap<>();
        out.put("model.embed_tokens.weight", shapes.get("model.embed_tokens.weight"));
        String[] perLayer = {"input_layernorm", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                "post_attention_layernorm", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"};
        for (int l = 0; l < c.nLayers(); l++)
            for (String s : perLayer) {
                String n = "model.layers." + l + "." + s + ".weight";
                out.put(n, shapes.get(n));
                String bias = "model.layers." + l + "." + s + ".bias";
                if (shapes.containsKey(bias)) out.put(bias, shapes.get(bias));
            }
        out.put("model.norm.weight", shapes.get("model.norm.weight"));
        if (!c.tieEmbeddings()) out.put("lm_head.weight", shapes.get("lm_head.weight"));
        if (!out.keySet().equals(shapes.keySet()))
            throw new IllegalStateException("LLaMA parameters " + shapes.keySet() + " differ from the GGUF layout " + out.keySet());
        return out;
    }

    /** Hugging Face (jgrad) names and GGUF names of {@code llama} and {@code qwen2} tensors, {@code #} a layer index; suffix .weight/.bias. */
    private static final String[][] LLAMA_NAMES = {
            {"model.embed_tokens", "token_embd"}, {"model.norm", "output_norm"}, {"lm_head", "output"},
            {"model.layers.#.input_layernorm", "blk.#.attn_norm"}, {"model.layers.#.self_attn.q_proj", "blk.#.attn_q"},
            {"model.layers.#.self_attn.k_proj", "blk.#.attn_k"}, {"model.layers.#.self_attn.v_proj", "blk.#.attn_v"},
            {"model.layers.#.self_attn.o_proj", "blk.#.attn_output"},
            {"model.layers.#.post_attention_layernorm", "blk.#.ffn_norm"}, {"model.layers.#.mlp.gate_proj", "blk.#.ffn_gate"},
            {"model.layers.#.mlp.up_proj", "blk.#.ffn_up"}, {"model.layers.#.mlp.down_proj", "blk.#.ffn_down"}};

    /** The same for {@code gpt2} (jgrad keeps GPT-2's linear weights as (out, in), as GGUF does). */
    private static final String[][] GPT2_NAMES = {
            {"transformer.wte", "token_embd"}, {"transformer.wpe", "position_embd"}, {"transformer.ln_f", "output_norm"},
            {"lm_head", "output"}, {"transformer.h.#.ln_1", "blk.#.attn_norm"}, {"transformer.h.#.attn.c_attn", "blk.#.attn_qkv"},
            {"transformer.h.#.attn.c_proj", "blk.#.attn_output"}, {"transformer.h.#.ln_2", "blk.#.ffn_norm"},
            {"transformer.h.#.mlp.c_fc", "blk.#.ffn_up"}, {"transformer.h.#.mlp.c_proj", "blk.#.ffn_down"}};

    /** The GGUF name of a Hugging Face LLaMA tensor name. */
    static String ggufName(String hf) {
        String n = rename(hf, LLAMA_NAMES, 0, 1);
        if (n == null) throw new IllegalArgumentException("no GGUF name for " + hf);
        return n;
    }

    /**
     * {@code name} (column {@code from} of {@code table}, plus ".weight" or ".bias") in column {@code to}, or null;
     * a {@code #} in a pattern stands for a layer index.
     */
    static String rename(String name, String[][] table, int from, int to) {
        int dot = name.lastIndexOf('.');
        if (dot < 0) return null;
        String stem = name.substring(0, dot), suffix = name.substring(dot);
        if (!suffix.equals(".weight") && !suffix.equals(".bias")) return null;
        for (String[] row : table) {
            String p = row[from];
            int hash = p.indexOf('#');
            if (hash < 0) {
                if (stem.equals(p)) return row[to] + suffix;
                continue;
            }
            if (!stem.startsWith(p.substring(0, hash))) continue;
            int i = hash;
            while (i < stem.length() && Character.isDigit(stem.charAt(i))) i++;
            if (i == hash || i - hash > 9 || !stem.substring(i).equals(p.substring(hash + 1))) continue;
            return row[to].replace("#", stem.substring(hash, i)) + suffix;
        }
        return null;
    }

    private static int intKey(GgufFile g, String key, int otherwise) throws GgufFormatException {
        GgufValue v = g.get(key);
        if (v == null) {
            if (otherwise >= 0) return otherwise;
            throw new GgufFormatException(g.path(), "has no metadata key \"" + key + "\"");
        }
        if (!v.type().isInteger() || v.asLong() <= 0 || v.asLong() > Integer.MAX_VALUE)
            throw new GgufFormatException(g.path(), key + " is " + v.type() + " " + v + ", not a positive int");
        return (int) v.asLong();
    }

    private static double floatKey(GgufFile g, String key, double otherwise) throws GgufFormatException {
        GgufValue v = g.get(key);
        if (v == null) return otherwise;
        if (v.type() != GgufValue.Type.FLOAT32 && v.type() != GgufValue.Type.FLOAT64)
            throw new GgufFormatException(g.path(), key + " is a " + v.type() + ", not a float");
        // a FLOAT32 means its shortest decimal (1e-5 stored as float32 reads back as 1e-5, not 9.99999974e-6)
        return v.type() == GgufValue.Type.FLOAT32 ? Double.parseDouble(Float.toString((float) v.asDouble())) : v.asDouble();
    }

    /** The file's tokenizer (null if it carries none). */
    public static Tokenizer tokenizer(GgufFile g) throws GgufFormatException {
        return GgufTokenizers.read(g);
    }

    /** The file's {@code tokenizer.chat_template} (a Jinja template), or null. */
    public static String chatTemplate(GgufFile g) {
        GgufValue v = g.get("tokenizer.chat_template");
        return v != null && v.type() == GgufValue.Type.STRING ? v.asString() : null;
    }
}
