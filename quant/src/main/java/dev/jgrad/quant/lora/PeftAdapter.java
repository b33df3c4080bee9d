package dev.jgrad.quant.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.core.kernels.Finite;
import dev.jgrad.core.io.SafetensorsWriter;
import dev.jgrad.nn.Module;
import dev.jgrad.core.io.AtomicDirectory;
import dev.jgrad.transformer.checkpoint.CheckpointFormatException;
import dev.jgrad.transformer.checkpoint.ModelConfigs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * LoRA adapters in PEFT's on-disk format, so that PEFT loads jgrad's adapters onto the Hugging Face model
 * ({@code PeftModel.from_pretrained(model, dir)}) and jgrad loads PEFT's.
 *
 * <p>A directory with two files:
 * <ul>
 *   <li>{@code adapter_model.safetensors}: for each adapted layer at path {@code P},
 *       {@code base_model.model.P.lora_A.weight} {@code (r, in)} and {@code base_model.model.P.lora_B.weight}
 *       {@code (out, r)}, float32, metadata {@code {"format": "pt"}} (PEFT drops the adapter name "default" from
 *       the keys when saving);</li>
 *   <li>{@code adapter_config.json}: {@code peft_type "LORA"}, {@code task_type "CAUSAL_LM"}, {@code r},
 *       {@code lora_alpha}, {@code lora_dropout}, {@code target_modules} (a list of names, or a regular
 *       expression string), {@code bias "none"}, {@code use_rslora}, {@code fan_in_fan_out} (true for GPT-2,
 *       whose Hugging Face layers are Conv1D; it only changes how PEFT merges), {@code base_model_name_or_path},
 *       {@code inference_mode}, and PEFT's other fields at their defaults.</li>
 * </ul>
 * All-linear adapters are saved with the names of the layers they adapted, as PEFT saves them.
 *
 * <p>Loading refuses what jgrad cannot reproduce exactly — another {@code peft_type}, a trained bias, DoRA,
 * per-layer rank or alpha patterns, modules to save, layer subsets — and checks every tensor against the model
 * before anything changes: a missing or unexpected key, or an adapter whose shape does not fit its base layer, is
 * an error naming the key and both shapes.
 */
public final class PeftAdapter {

    public static final String WEIGHTS = "adapter_model.safetensors";
    public static final String CONFIG = "adapter_config.json";
    /** The prefix PEFT's {@code PeftModelForCausalLM} puts before the model's own paths. */
    public static final String PREFIX = "base_model.model.";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A parsed {@code adapter_config.json}: the LoRA settings and what else jgrad keeps from it. */
    public record Config(LoraConfig lora, String baseModelNameOrPath, boolean fanInFanOut) {}

    private PeftAdapter() {}

    /**
     * Writes the adapters of {@code model} (attached with {@code config}) into {@code dir}, replacing what is
     * there atomically.
     *
     * @param baseModel   recorded as {@code base_model_name_or_path} (a hub id or the base checkpoint's path)
     * @param fanInFanOut PEFT's flag for Conv1D base layers (true for GPT-2 models)
     */
    public static void save(Module model, LoraConfig config, Path dir, String baseModel, boolean fanInFanOut) throws IOException {
        Map<String, LoraLinear> adapters = Lora.adapters(model);
        if (adapters.isEmpty()) throw new IllegalArgumentException("the model has no LoRA adapters to save");
        SafetensorsWriter writer = new SafetensorsWriter().metadata(Map.of("format", "pt"));
        TreeSet<String> names = new TreeSet<>();
        for (Map.Entry<String, LoraLinear> e : adapters.entrySet()) {
            LoraLinear l = e.getValue();
            if (l.rank() != config.r() || Math.abs(l.scaling() - config.scaling()) > 1e-12 * config.scaling())
                throw new IllegalArgumentException("the adapter at " + e.getKey() + " has r=" + l.rank() + ", scaling="
                        + l.scaling() + ", which the config (" + config + ") does not describe");
            writer.add(PREFIX + e.getKey() + ".lora_A.weight", DType.F32, new long[] {l.rank(), l.inFeatures()}, l.loraA().toFloatArray());
            writer.add(PREFIX + e.getKey() + ".lora_B.weight", DType.F32, new long[] {l.outFeatures(), l.rank()}, l.loraB().toFloatArray());
            names.add(e.getKey().substring(e.getKey().lastIndexOf('.') + 1));
        }
        ObjectNode json = configJson(config, baseModel, fanInFanOut, new ArrayList<>(names));
        AtomicDirectory.write(dir, tmp -> {
            writer.write(tmp.resolve(WEIGHTS));
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve(CONFIG).toFile(), json);
        });
    }

    /** The {@code adapter_config.json} object, keys sorted as PEFT writes them. */
    static ObjectNode configJson(LoraConfig c, String baseModel, boolean fanInFanOut, List<String> adaptedNames) {
        Map<String, Object> m = new java.util.TreeMap<>();
        m.put("alpha_pattern", Map.of());
        m.put("auto_mapping", null);
        m.put("base_model_name_or_path", baseModel);
        m.put("bias", "none");
        m.put("fan_in_fan_out", fanInFanOut);
        m.put("inference_mode", true);
        m.put("init_lora_weights", true);
        m.put("layers_pattern", null);
        m.put("layers_to_transform", null);
        m.put("lora_alpha", c.alpha() == Math.rint(c.alpha()) ? (Object) (long) c.alpha() : (Object) c.alpha());
        m.put("lora_dropout", c.dropout());
        m.put("modules_to_save", null);
        m.put("peft_type", "LORA");
        m.put("r", c.r());
        m.put("rank_pattern", Map.of());
        m.put("revision", null);
        m.put("target_modules", c.targetPattern() != null ? c.targetPattern() : c.allLinear() ? adaptedNames : c.targetModules());
        m.put("task_type", "CAUSAL_LM");
        m.put("use_dora", false);
        m.put("use_rslora", c.useRsLora());
        return JSON.valueToTree(m);
    }

    /** Reads and checks {@code dir/adapter_config.json}. */
    public static Config readConfig(Path dir) throws IOException {
        Path file = dir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) throw new CheckpointFormatException(dir, "no " + CONFIG + " (not a PEFT adapter directory)");
        JsonNode j;
        try {
            j = JSON.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new CheckpointFormatException(file, "is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (j == null || !j.isObject()) throw new CheckpointFormatException(file, "is not a JSON object");
        String type = j.path("peft_type").asText("");
        if (!type.equals("LORA")) throw new CheckpointFormatException(file, "peft_type is \"" + type + "\"; only LORA adapters are supported");
        String bias = j.path("bias").asText("none");
        if (!bias.equals("none"))
            throw new CheckpointFormatException(file, "bias is \"" + bias + "\"; only adapters that leave biases frozen (\"none\") are supported");
        if (ModelConfigs.bool(j, "use_dora", false, file)) throw new CheckpointFormatException(file, "use_dora is true; DoRA adapters are not supported");
        for (String pattern : List.of("rank_pattern", "alpha_pattern")) {
            JsonNode p = j.get(pattern);
            if (p != null && !p.isNull() && !(p.isObject() && p.isEmpty()))
                throw new CheckpointFormatException(file, pattern + " is " + p + "; per-layer ranks and alphas are not supported");
        }
        for (String absent : List.of("modules_to_save", "layers_to_transform")) {
            JsonNode p = j.get(absent);
            if (p != null && !p.isNull() && !(p.isArray() && p.isEmpty()))
                throw new CheckpointFormatException(file, absent + " is " + p + "; not supported");
        }
        JsonNode r = j.get("r"), alpha = j.get("lora_alpha");
        if (r == null || !r.isIntegralNumber()) throw new CheckpointFormatException(file, "needs an integer \"r\", got " + r);
        // Read as what it is: 2^40 as an int would be 0, and the error would name a value the file does not hold.
        if (!r.canConvertToInt() || r.intValue() <= 0)
            throw new CheckpointFormatException(file, "\"r\" must be a positive integer of at most " + Integer.MAX_VALUE
                    + ", got " + r.bigIntegerValue());
        if (alpha == null || !alpha.isNumber()) throw new CheckpointFormatException(file, "needs a number \"lora_alpha\"");
        JsonNode targets = j.get("target_modules");
        List<String> names = null;
        String pattern = null;
        if (targets != null && targets.isTextual()) {
            if (targets.textValue().equals(LoraConfig.ALL_LINEAR)) names = List.of(LoraConfig.ALL_LINEAR);
            else pattern = targets.textValue();
        } else if (targets != null && targets.isArray()) {
            names = new ArrayList<>();
            for (JsonNode t : targets) {
                if (!t.isTextual()) throw new CheckpointFormatException(file, "target_modules holds " + t + ", not a module name");
                names.add(t.textValue());
            }
        } else {
            throw new CheckpointFormatException(file, "needs \"target_modules\", a list of module names or a regular expression");
        }
        try {
            LoraConfig lora = new LoraConfig(r.intValue(), alpha.doubleValue(), ModelConfigs.number(j, "lora_dropout", 0, file),
                    names, pattern, ModelConfigs.bool(j, "use_rslora", false, file));
            return new Config(lora, j.path("base_model_name_or_path").asText(""), ModelConfigs.bool(j, "fan_in_fan_out", false, file));
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(file, e.getMessage(), e);
        }
    }

    /**
     * Attaches the adapters saved in {@code dir} to {@code model} (frozen, see {@link Lora#attach}) and loads their
     * weights. Every tensor is checked against the model first; on any error the model is left as it was.
     * {@code gen} drives the adapters' dropout when training continues. Returns the config read.
     */
    public static Config load(Module model, Path dir, Generator gen) throws IOException {
        Config config = readConfig(dir);
        Map<String, Tensor[]> weights = readWeights(model, dir, config);
        Map<String, LoraLinear> adapters = Lora.attach(model, config.lora(), gen);
        try (NoGrad ignored = NoGrad.enter()) {
            for (Map.Entry<String, LoraLinear> e : adapters.entrySet()) {
                e.getValue().loraA().copyFrom(weights.get(e.getKey())[0]);
                e.getValue().loraB().copyFrom(weights.get(e.getKey())[1]);
            }
        }
        return config;
    }

    /**
     * Reads the adapter weights saved in {@code dir} for {@code model} without attaching anything: by adapted layer
     * path, {@code {lora_A (r, in), lora_B (out, r)}}. Every tensor is checked against the model's layers (present,
     * float, the right shape; no tensor left over). A server applies them per request ({@code
     * dev.jgrad.transformer.serve.Adapter}) instead of wrapping the layers.
     */
    public static Map<String, Tensor[]> readWeights(Module model, Path dir, Config config) throws IOException {
        Path file = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(file)) throw new CheckpointFormatException(dir, "no " + WEIGHTS);
        List<String> paths;
        try {
            paths = Lora.targetPaths(model, config.lora());
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(dir.resolve(CONFIG), e.getMessage(), e);
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Map<String, long[]> expected = new LinkedHashMap<>();
            for (String p : paths) {
                Module base = model.module(p);
                int in = base instanceof dev.jgrad.nn.Linear l ? l.inFeatures() : ((dev.jgrad.quant.Linear4bit) base).inFeatures();
                int out = base instanceof dev.jgrad.nn.Linear l ? l.outFeatures() : ((dev.jgrad.quant.Linear4bit) base).outFeatures();
                expected.put(PREFIX + p + ".lora_A.weight", new long[] {config.lora().r(), in});
                expected.put(PREFIX + p + ".lora_B.weight", new long[] {out, config.lora().r()});
            }
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                if (!f.contains(e.getKey()))
                    throw new CheckpointFormatException(file, "missing tensor " + e.getKey() + " for the adapted layer "
                            + e.getKey().substring(PREFIX.length(), e.getKey().lastIndexOf(".lora_")) + " (the file has "
                            + f.entries().size() + " tensors)");
                SafetensorsFile.Entry entry = f.entry(e.getKey());
                if (!Arrays.equals(entry.shape(), e.getValue()) || !entry.dtype().isFloatingPoint())
                    throw new CheckpointFormatException(file, "adapter tensor " + e.getKey() + " is " + entry.dtype().safetensorsName()
                            + Arrays.toString(entry.shape()) + ", but the base layer needs a float tensor of shape "
                            + Arrays.toString(e.getValue()) + " (r=" + config.lora().r() + ")");
            }
            for (SafetensorsFile.Entry e : f.entries())
                if (!expected.containsKey(e.name()))
                    throw new CheckpointFormatException(file, "unexpected tensor " + e.name() + ": it fits no adapted layer of the"
                            + " model (target_modules " + (config.lora().targetModules() != null ? config.lora().targetModules()
                            : config.lora().targetPattern()) + ")");
            // Every value is read and checked before anything is attached, so that a NaN leaves the model as it was.
            Map<String, Tensor[]> out = new LinkedHashMap<>();
            for (String p : paths) {
                String a = PREFIX + p + ".lora_A.weight", b = PREFIX + p + ".lora_B.weight";
                long[] as = expected.get(a), bs = expected.get(b);
                out.put(p, new Tensor[] {Tensor.of(finite(f, a, file), (int) as[0], (int) as[1]),
                        Tensor.of(finite(f, b, file), (int) bs[0], (int) bs[1])});
            }
            return out;
        }
    }

    /** The tensor's values, refused (naming it) if one is NaN or infinite. */
    private static float[] finite(SafetensorsFile f, String name, Path file) throws IOException {
        float[] v = f.readFloats(name);
        int bad = Finite.firstNonFinite(v);
        if (bad >= 0)
            throw new CheckpointFormatException(file, "adapter tensor " + name + " holds " + v[bad] + " at flat index "
                    + bad + " (weights must be finite)");
        return v;
    }
}
