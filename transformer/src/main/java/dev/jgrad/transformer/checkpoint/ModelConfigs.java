package dev.jgrad.transformer.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.LlamaConfig;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Model configurations to and from JSON: Hugging Face's {@code config.json} ({@code GPT2Config}, {@code LlamaConfig})
 * and jgrad's own form (the record's fields by name, stored in jgrad checkpoints). Every field is checked before a
 * model is built; a missing, mistyped or impossible value fails with the file and the field named.
 */
public final class ModelConfigs {

    static final ObjectMapper JSON = new ObjectMapper();

    private ModelConfigs() {}

    // ---- Hugging Face config.json ---------------------------------------------------------------------------

    /** The config of an HF {@code config.json}: a {@link GptConfig} (model_type gpt2) or a {@link LlamaConfig} (llama). */
    public static Record fromHuggingFace(JsonNode json, Path file) throws CheckpointFormatException {
        String type = json.path("model_type").asText("");
        try {
            return switch (type) {
                case "gpt2" -> gpt2(json, file);
                case "llama" -> llama(json, file);
                default -> throw new CheckpointFormatException(file, "model_type \"" + type
                        + "\" is not supported (gpt2 or llama)");
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

    private static LlamaConfig llama(JsonNode j, Path file) throws CheckpointFormatException {
        if (j.has("rope_scaling") && !j.get("rope_scaling").isNull())
            throw new CheckpointFormatException(file, "rope_scaling " + j.get("rope_scaling") + " is not supported");
        if (bool(j, "attention_bias", false, file) || bool(j, "mlp_bias", false, file))
            throw new CheckpointFormatException(file, "attention_bias/mlp_bias are not supported (LLaMA has no biases)");
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
                integer(j, "max_position_embeddings", file), bool(j, "tie_word_embeddings", false, file));
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
            o.putArray("architectures").add("LlamaForCausalLM");
            o.put("model_type", "llama");
            o.put("vocab_size", c.vocabSize());
            o.put("hidden_size", c.dim());
            o.put("intermediate_size", c.hiddenDim());
            o.put("num_hidden_layers", c.nLayers());
            o.put("num_attention_heads", c.nHeads());
            o.put("num_key_value_heads", c.nKvHeads());
            o.put("hidden_act", "silu");
            o.put("rms_norm_eps", c.rmsNormEps());
            o.put("rope_theta", c.ropeTheta());
            o.putNull("rope_scaling");
            o.put("max_position_embeddings", c.maxSeqLen());
            o.put("tie_word_embeddings", c.tieEmbeddings());
            o.put("attention_bias", false);
        } else {
            throw new IllegalArgumentException("unknown config " + config);
        }
        o.put("torch_dtype", "float32");
        return o;
    }

    // ---- jgrad's form ----------------------------------------------------------------------------------------

    /** {@code {"architecture": "gpt2"|"llama", field: value, ...}}, the record's components by name. */
    public static Map<String, Object> toJgrad(Record config) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architecture", config instanceof GptConfig ? "gpt2" : "llama");
        for (var comp : config.getClass().getRecordComponents()) {
            try {
                Object v = comp.getAccessor().invoke(config);
                m.put(comp.getName(), v instanceof Enum<?> e ? e.name() : v);
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
                        bool(j, "tieEmbeddings", file));
                default -> throw new CheckpointFormatException(file, "unknown model architecture \"" + arch + "\"");
            };
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(file, "impossible configuration: " + e.getMessage(), e);
        }
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
