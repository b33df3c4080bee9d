package dev.jgrad.transformer.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.RopeScaling;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Model configurations to and from JSON: Hugging Face's {@code config.json} ({@code GPT2Config}, {@code LlamaConfig},
 * {@code Qwen2Config}, {@code MistralConfig}, all but GPT-2 read into a {@link LlamaConfig}) and jgrad's own form (the record's fields by name, stored in jgrad checkpoints). Every field is checked before a
 * model is built; a missing, mistyped or impossible value fails with the file and the field named.
 */
public final class ModelConfigs {

    static final ObjectMapper JSON = new ObjectMapper();

    private ModelConfigs() {}

    // ---- Hugging Face config.json ---------------------------------------------------------------------------

    /**
     * The config of an HF {@code config.json}: a {@link GptConfig} (model_type gpt2) or a {@link LlamaConfig}
     * (llama, qwen2, mistral). Absent fields take the defaults of HF's config class for that model type.
     */
    public static Record fromHuggingFace(JsonNode json, Path file) throws CheckpointFormatException {
        String type = json.path("model_type").asText("");
        try {
            return switch (type) {
                case "gpt2" -> gpt2(json, file);
                case "llama", "qwen2", "mistral" -> llama(json, type, file);
                default -> throw new CheckpointFormatException(file, "model_type \"" + type
                        + "\" is not supported (gpt2, llama, qwen2 or mistral)");
            };
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(file, "impossible configuration: " + e.getMessage(), e);
        }
    }

    private static GptConfig gpt2(JsonNode j, Path file) throws CheckpointFormatException {
        int c = integer(j, "n_embd", file);
        if (!j.path("n_inner").isNull() && !j.path("n_inner").isMissingNode() && integer(j, "n_inner", file) != 4 * c)
            throw new CheckpointFormatException(file, "n_inner " + j.get("n_inner") + " is not supported (only 4 * n_embd)");
        String act = j.path("activation_function").asText("gelu_new");
        boolean tanh = switch (act) {
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> true;
            case "gelu" -> false;
            default -> throw new CheckpointFormatException(file, "activation_function \"" + act + "\" is not supported");
        };
        if (bool(j, "scale_attn_by_inverse_layer_idx", false, file) || bool(j, "reorder_and_upcast_attn", false, file)
                || !bool(j, "scale_attn_weights", true, file))
            throw new CheckpointFormatException(file, "non-standard GPT-2 attention scaling is not supported");
        int positions = j.has("n_positions") ? integer(j, "n_positions", file) : integer(j, "n_ctx", file);
        return new GptConfig(integer(j, "vocab_size", file), positions, c, integer(j, "n_layer", file),
                integer(j, "n_head", file), number(j, "resid_pdrop", 0.0, file), true,
                number(j, "layer_norm_epsilon", 1e-5, file), bool(j, "tie_word_embeddings", true, file), tanh);
    }

    /**
     * LLaMA-family configs. {@code qwen2}: q/k/v biases always (HF's {@code Qwen2Attention}); its per-layer sliding
     * window ({@code use_sliding_window}) is refused. {@code mistral}: {@code sliding_window} (HF default 4096;
     * null: none). Any of them: {@code rope_scaling} of type {@code llama3}.
     */
    private static LlamaConfig llama(JsonNode j, String type, Path file) throws CheckpointFormatException {
        RopeScaling scaling = ropeScaling(j.get("rope_scaling"), file);
        if (type.equals("llama") && (bool(j, "attention_bias", false, file) || bool(j, "mlp_bias", false, file)))
            throw new CheckpointFormatException(file, "attention_bias/mlp_bias are not supported (LLaMA has no biases)");
        if (type.equals("qwen2") && bool(j, "use_sliding_window", false, file))
            throw new CheckpointFormatException(file, "use_sliding_window true is not supported for qwen2 "
                    + "(Qwen2 slides only in the layers from max_window_layers on)");
        int window = 0;
        if (type.equals("mistral")) {
            JsonNode w = j.get("sliding_window");
            window = w == null ? 4096 : w.isNull() ? 0 : integer(j, "sliding_window", file);
            if (window < 1 && w != null && !w.isNull())
                throw new CheckpointFormatException(file, "sliding_window must be a positive integer or null, got " + w);
        }
        String act = j.path("hidden_act").asText("silu");
        if (!act.equals("silu")) throw new CheckpointFormatException(file, "hidden_act \"" + act + "\" is not supported (silu)");
        int dim = integer(j, "hidden_size", file), heads = integer(j, "num_attention_heads", file);
        int kvHeads = j.has("num_key_value_heads") && !j.get("num_key_value_heads").isNull()
                ? integer(j, "num_key_value_heads", file) : heads;
        if (j.has("head_dim") && !j.get("head_dim").isNull() && heads > 0 && integer(j, "head_dim", file) * heads != dim)
            throw new CheckpointFormatException(file, "head_dim " + j.get("head_dim") + " times " + heads
                    + " heads is not hidden_size " + dim + " (not supported)");
        return new LlamaConfig(integer(j, "vocab_size", file), dim, integer(j, "num_hidden_layers", file), heads, kvHeads,
                integer(j, "intermediate_size", file), number(j, "rms_norm_eps", 1e-6, file),
                number(j, "rope_theta", 10000, file), RopeStyle.HALF,
                integer(j, "max_position_embeddings", file), bool(j, "tie_word_embeddings", false, file),
                type.equals("qwen2"), window, scaling);
    }

    /** {@code rope_scaling}: null, or {@code {"rope_type" (or "type"): "llama3", factor, low_freq_factor, ...}}. */
    private static RopeScaling ropeScaling(JsonNode r, Path file) throws CheckpointFormatException {
        if (r == null || r.isNull()) return null;
        String kind = r.has("rope_type") ? r.path("rope_type").asText("") : r.path("type").asText("");
        if (kind.equals("default")) return null;
        if (!kind.equals("llama3"))
            throw new CheckpointFormatException(file, "rope_scaling " + r + " is not supported (only rope_type llama3)");
        try {
            return new RopeScaling(number(r, "factor", Double.NaN, file), number(r, "low_freq_factor", Double.NaN, file),
                    number(r, "high_freq_factor", Double.NaN, file),
                    integer(r, "original_max_position_embeddings", file));
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(file, e.getMessage(), e);
        }
    }

    /** HF {@code config.json} contents for {@code config} (LLaMA weights are exported in HF's rotate-half layout). */
    public static ObjectNode toHuggingFace(Record config) {
        ObjectNode o = JSON.createObjectNode();
        if (config instanceof GptConfig c) {
            o.putArray("architectures").add("GPT2LMHeadModel");
            o.put("model_type", "gpt2");
            o.put("vocab_size", c.vocabSize());
            o.put("n_positions", c.blockSize());
            o.put("n_ctx", c.blockSize());
            o.put("n_embd", c.nEmbd());
            o.put("n_layer", c.nLayer());
            o.put("n_head", c.nHead());
            o.putNull("n_inner");
            o.put("activation_function", c.geluTanh() ? "gelu_new" : "gelu");
            o.put("layer_norm_epsilon", c.layerNormEps());
            o.put("resid_pdrop", c.dropout());
            o.put("embd_pdrop", c.dropout());
            o.put("attn_pdrop", c.dropout());
            o.put("tie_word_embeddings", c.tieEmbeddings());
        } else if (config instanceof LlamaConfig c) {
            // Qwen2 is the family with q/k/v biases, Mistral the one with a window; the rest are LLaMA.
            String type = c.attentionBias() ? "qwen2" : c.slidingWindow() > 0 ? "mistral" : "llama";
            if (c.attentionBias() && c.slidingWindow() > 0)
                throw new IllegalArgumentException("no Hugging Face model type has both q/k/v biases and a sliding window");
            o.putArray("architectures").add(switch (type) {
                case "qwen2" -> "Qwen2ForCausalLM";
                case "mistral" -> "MistralForCausalLM";
                default -> "LlamaForCausalLM";
            });
            o.put("model_type", type);
            o.put("vocab_size", c.vocabSize());
            o.put("hidden_size", c.dim());
            o.put("intermediate_size", c.hiddenDim());
            o.put("num_hidden_layers", c.nLayers());
            o.put("num_attention_heads", c.nHeads());
            o.put("num_key_value_heads", c.nKvHeads());
            o.put("hidden_act", "silu");
            o.put("rms_norm_eps", c.rmsNormEps());
            o.put("rope_theta", c.ropeTheta());
            if (c.ropeScaling() == null) o.putNull("rope_scaling");
            else {
                RopeScaling r = c.ropeScaling();
                ObjectNode rs = o.putObject("rope_scaling");
                rs.put("rope_type", "llama3");
                rs.put("factor", r.factor());
                rs.put("low_freq_factor", r.lowFreqFactor());
                rs.put("high_freq_factor", r.highFreqFactor());
                rs.put("original_max_position_embeddings", r.originalMaxPositions());
            }
            o.put("max_position_embeddings", c.maxSeqLen());
            o.put("tie_word_embeddings", c.tieEmbeddings());
            if (type.equals("llama")) o.put("attention_bias", false);
            if (type.equals("qwen2")) o.put("use_sliding_window", false);
            if (type.equals("mistral")) o.put("sliding_window", c.slidingWindow());
        } else {
            throw new IllegalArgumentException("unknown config " + config);
        }
        o.put("torch_dtype", "float32");
        return o;
    }

    // ---- jgrad's form ----------------------------------------------------------------------------------------

    /**
     * {@code {"architecture": "gpt2"|"llama", field: value, ...}}, the record's components by name (a nested record,
     * such as {@link RopeScaling}, as an object of its components; an absent one as null).
     */
    public static Map<String, Object> toJgrad(Record config) {
        Map<String, Object> m = components(config);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("architecture", config instanceof GptConfig ? "gpt2" : "llama");
        out.putAll(m);
        return out;
    }

    private static Map<String, Object> components(Record r) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (var comp : r.getClass().getRecordComponents()) {
            try {
                Object v = comp.getAccessor().invoke(r);
                m.put(comp.getName(), v instanceof Enum<?> e ? e.name() : v instanceof Record nested ? components(nested) : v);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
        return m;
    }

    /** The config written by {@link #toJgrad}. */
    public static Record fromJgrad(JsonNode j, Path file) throws CheckpointFormatException {
        String arch = j.path("architecture").asText("");
        try {
            return switch (arch) {
                case "gpt2" -> new GptConfig(integer(j, "vocabSize", file), integer(j, "blockSize", file),
                        integer(j, "nEmbd", file), integer(j, "nLayer", file), integer(j, "nHead", file),
                        number(j, "dropout", 0, file), bool(j, "bias", file), number(j, "layerNormEps", 1e-5, file),
                        bool(j, "tieEmbeddings", file), bool(j, "geluTanh", file));
                case "llama" -> new LlamaConfig(integer(j, "vocabSize", file), integer(j, "dim", file),
                        integer(j, "nLayers", file), integer(j, "nHeads", file), integer(j, "nKvHeads", file),
                        integer(j, "hiddenDim", file), number(j, "rmsNormEps", 1e-5, file),
                        number(j, "ropeTheta", 10000, file), ropeStyle(j, file), integer(j, "maxSeqLen", file),
                        bool(j, "tieEmbeddings", file), bool(j, "attentionBias", false, file),
                        j.path("slidingWindow").asInt(0), jgradRopeScaling(j.get("ropeScaling"), file));
                default -> throw new CheckpointFormatException(file, "unknown model architecture \"" + arch + "\"");
            };
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(file, "impossible configuration: " + e.getMessage(), e);
        }
    }

    /** The {@link RopeScaling} record's fields by name, or null. */
    private static RopeScaling jgradRopeScaling(JsonNode r, Path file) throws CheckpointFormatException {
        if (r == null || r.isNull()) return null;
        return new RopeScaling(number(r, "factor", Double.NaN, file), number(r, "lowFreqFactor", Double.NaN, file),
                number(r, "highFreqFactor", Double.NaN, file), integer(r, "originalMaxPositions", file));
    }

    private static RopeStyle ropeStyle(JsonNode j, Path file) throws CheckpointFormatException {
        String s = j.path("ropeStyle").asText("");
        try {
            return RopeStyle.valueOf(s);
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(file, "ropeStyle \"" + s + "\" is not HALF or INTERLEAVED");
        }
    }

    // ---- field readers ---------------------------------------------------------------------------------------

    /** A JSON integer that fits an int: a string, a fraction, a float such as 48.0 or 2^31 is an error naming the key. */
    static int integer(JsonNode j, String field, Path file) throws CheckpointFormatException {
        JsonNode v = j.get(field);
        if (v == null || v.isNull()) throw new CheckpointFormatException(file, "missing field \"" + field + "\"");
        if (!v.isIntegralNumber())
            throw new CheckpointFormatException(file, "field \"" + field + "\" must be an integer, got " + v);
        if (!v.canConvertToInt())
            throw new CheckpointFormatException(file, "field \"" + field + "\" must be an integer from " + Integer.MIN_VALUE
                    + " to " + Integer.MAX_VALUE + ", got " + v);
        return v.intValue();
    }

    /** An optional JSON number, {@code fallback} when absent or null; a string or other value is an error naming the key. */
    public static double number(JsonNode j, String field, double fallback, Path file) throws CheckpointFormatException {
        JsonNode v = j.get(field);
        if (v == null || v.isNull()) return fallback;
        if (!v.isNumber()) throw new CheckpointFormatException(file, "field \"" + field + "\" must be a number, got " + v);
        return v.doubleValue();
    }

    /**
     * An optional JSON boolean, {@code fallback} when absent or null. Anything else ({@code "yes"}, {@code 1},
     * {@code "false"}) is an error naming the key: read leniently, {@code "yes"} would silently mean false.
     */
    public static boolean bool(JsonNode j, String field, boolean fallback, Path file) throws CheckpointFormatException {
        JsonNode v = j.get(field);
        return v == null || v.isNull() ? fallback : bool(j, field, file);
    }

    /** A required JSON boolean. */
    static boolean bool(JsonNode j, String field, Path file) throws CheckpointFormatException {
        JsonNode v = j.get(field);
        if (v == null || !v.isBoolean())
            throw new CheckpointFormatException(file, "field \"" + field + "\" must be true or false, got " + v);
        return v.booleanValue();
    }
}
