package dev.jgrad.transformer.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jgrad.core.Generator;
import dev.jgrad.optim.Checkpoint;
import dev.jgrad.optim.Optimizer;
import dev.jgrad.optim.Schedule;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.LinearFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * jgrad's own checkpoints: the atomic, checksummed training checkpoint of {@link Checkpoint} (model weights,
 * optimizer state, schedule, generator states, step) with the model's configuration stored in its
 * {@code training.json} under {@code extra.model}, so that the checkpoint alone says which model to build.
 *
 * <p>To resume training: {@link #readConfig} → build the model and optimizer as before → {@link Checkpoint#load}
 * with them. To run the model: {@link #load}.
 */
public final class JgradCheckpoint {

    /** The key under {@code extra} that holds the model config. */
    public static final String MODEL_KEY = "model";
    static final String TRAINING = "training.json";
    static final String MODEL_FILE = "model.safetensors";

    private JgradCheckpoint() {}

    /** True if {@code dir} holds a jgrad checkpoint ({@code training.json} of format {@code jgrad-checkpoint}). */
    public static boolean isCheckpoint(Path dir) {
        Path json = dir.resolve(TRAINING);
        if (!Files.isRegularFile(json)) return false;
        try {
            return "jgrad-checkpoint".equals(ModelConfigs.JSON.readTree(json.toFile()).path("format").asText());
        } catch (IOException e) {
            return false;
        }
    }

    /** Saves the model alone (weights and config). */
    public static void save(Path dir, CausalLM model) throws IOException {
        save(dir, model, null, null, null, 0, null);
    }

    /**
     * Saves a training run: {@code model} with its config, and optionally the optimizer, schedule and named
     * generators (nulls are skipped), at {@code step}, with the user's {@code extra} values.
     */
    public static void save(Path dir, CausalLM model, Optimizer<?> optimizer, Schedule schedule,
                            Map<String, Generator> generators, long step, Map<String, Object> extra) throws IOException {
        Map<String, Object> all = new LinkedHashMap<>();
        if (extra != null) all.putAll(extra);
        if (all.containsKey(MODEL_KEY)) throw new IllegalArgumentException("extra key \"" + MODEL_KEY + "\" is reserved");
        all.put(MODEL_KEY, ModelConfigs.toJgrad(model.config()));
        Checkpoint.save(dir, new Checkpoint.Training(model, optimizer, schedule, generators), step, all);
    }

    /** The model config stored in the checkpoint at {@code dir}. */
    public static Record readConfig(Path dir) throws IOException {
        Checkpoint.recover(dir);
        Path file = dir.resolve(TRAINING);
        if (!Files.isRegularFile(file)) throw new CheckpointFormatException(dir, "no " + TRAINING + " (not a jgrad checkpoint)");
        JsonNode json;
        try {
            json = ModelConfigs.JSON.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new CheckpointFormatException(file, "is not valid JSON: " + e.getOriginalMessage(), e);
        }
        JsonNode model = json.path("extra").path(MODEL_KEY);
        if (!model.isObject())
            throw new CheckpointFormatException(file, "has no extra." + MODEL_KEY + " model config (saved by Checkpoint.save"
                    + " directly rather than JgradCheckpoint.save?)");
        Record config = ModelConfigs.fromJgrad(model, file);
        checkAgainstWeights(config, dir, file);
        return config;
    }

    /**
     * Refuses a config that claims more parameters than {@code model.safetensors} can hold (at least 2 bytes each,
     * float16), before a model of that size is allocated: a damaged or hand-edited {@code training.json} claiming
     * 10⁹ layers fails here, naming the file, instead of exhausting the heap.
     */
    private static void checkAgainstWeights(Record config, Path dir, Path json) throws IOException {
        Path weights = dir.resolve(MODEL_FILE);
        if (!Files.isRegularFile(weights)) throw new CheckpointFormatException(dir, "no " + MODEL_FILE);
        long size = Files.size(weights), params;
        try {
            params = config instanceof GptConfig g ? g.parameterCount() : ((LlamaConfig) config).parameterCount();
        } catch (ArithmeticException e) {
            throw new CheckpointFormatException(json, "field \"extra." + MODEL_KEY + "\" describes a model of more than 2^63"
                    + " parameters (" + config + "), but " + MODEL_FILE + " has " + size + " bytes");
        }
        if (params > size / 2)
            throw new CheckpointFormatException(json, "field \"extra." + MODEL_KEY + "\" describes a model of " + params
                    + " parameters (" + config + "), but " + MODEL_FILE + " has only " + size + " bytes (at least "
                    + 2 * params + " needed)");
    }

    /**
     * The model config of the checkpoint at {@code dir} ({@link #readConfig} already refused one that claims more
     * than {@code model.safetensors} holds), refused too if the heap cannot hold its model
     * ({@link Models#checkFitsHeap}); the loaders then check every weight's name and shape before building it.
     */
    private static Record buildableConfig(Path dir, LinearFactory linears) throws IOException {
        Record config = readConfig(dir);
        Models.checkFitsHeap(config, linears, dir.resolve(TRAINING));
        return config;
    }

    /**
     * Builds the checkpoint's model and loads its weights (evaluation mode); optimizer state is left alone. The
     * weights' names, dtypes and shapes are checked against the config before the model is built, so a config
     * that asks for another (or a huge) model is refused without allocating it.
     */
    public static CausalLM load(Path dir) throws IOException {
        Record config = buildableConfig(dir, LinearFactory.FLOAT);
        try (SafetensorsFile f = openWeights(dir)) {
            checkWeights(f, Models.parameterShapes(config));
        }
        CausalLM model = Models.create(config, new Generator(0));
        Checkpoint.load(dir, new Checkpoint.Training(model, null, null, null));
        Path file = dir.resolve(MODEL_FILE);
        for (Map.Entry<String, Tensor> p : model.namedParameters().entrySet())
            Models.checkFinite(Models.data(p.getValue()), p.getKey(), p.getValue().shape(), file);
        model.eval();
        return model;
    }

    /**
     * Builds the checkpoint's model with its linear layers from {@code linears} and loads its weights tensor by
     * tensor from {@code model.safetensors} (evaluation mode): float parameters are filled in place, layers that
     * keep weights in another form (4-bit) receive them as float values, and each tensor's file pages are released
     * after use. Names, dtypes and shapes are checked against the config before the model is built. With
     * {@link LinearFactory#FLOAT} this is {@link #load(Path)}, which also verifies the checkpoint's checksums.
     */
    public static CausalLM load(Path dir, LinearFactory linears) throws IOException {
        if (linears == LinearFactory.FLOAT) return load(dir);
        Record config = buildableConfig(dir, linears);
        Path file = dir.resolve(MODEL_FILE);
        Map<String, int[]> shapes = Models.parameterShapes(config);
        try (SafetensorsFile f = openWeights(dir)) {
            checkWeights(f, shapes);
            CausalLM model = Models.create(config, new Generator(0), linears);
            Map<String, Tensor> params = model.namedParameters();
            Models.Scratch scratch = new Models.Scratch();
            for (Map.Entry<String, int[]> s : shapes.entrySet()) {
                Models.fill(model, params, s.getKey(), s.getValue(), dst -> f.readFloats(s.getKey(), dst, 0), scratch, file);
                f.release(s.getKey());
            }
            model.eval();
            return model;
        }
    }

    private static SafetensorsFile openWeights(Path dir) throws IOException {
        Path file = dir.resolve(MODEL_FILE);
        if (!Files.isRegularFile(file)) throw new CheckpointFormatException(dir, "no " + MODEL_FILE);
        return SafetensorsFile.open(file);
    }

    /** Fails unless the file holds exactly the tensors of {@code shapes}, each a float tensor of that shape. */
    private static void checkWeights(SafetensorsFile f, Map<String, int[]> shapes) throws CheckpointFormatException {
        java.util.List<String> missing = new java.util.ArrayList<>(), unexpected = new java.util.ArrayList<>();
        for (String k : shapes.keySet()) if (!f.contains(k)) missing.add(k);
        for (SafetensorsFile.Entry e : f.entries()) if (!shapes.containsKey(e.name())) unexpected.add(e.name());
        if (!missing.isEmpty() || !unexpected.isEmpty())
            throw new CheckpointFormatException(f.path(), "the weights do not match the model of training.json: "
                    + (missing.isEmpty() ? "" : "missing tensors " + HfCheckpoint.abbreviate(missing))
                    + (missing.isEmpty() || unexpected.isEmpty() ? "" : "; ")
                    + (unexpected.isEmpty() ? "" : "unexpected tensors " + HfCheckpoint.abbreviate(unexpected)));
        for (Map.Entry<String, int[]> s : shapes.entrySet()) {
            SafetensorsFile.Entry e = f.entry(s.getKey());
            long[] want = java.util.Arrays.stream(s.getValue()).asLongStream().toArray();
            if (!e.dtype().isFloatingPoint() || !java.util.Arrays.equals(want, e.shape()))
                throw new CheckpointFormatException(f.path(), "tensor " + e.name() + " is " + e.dtype() + " "
                        + java.util.Arrays.toString(e.shape()) + ", the model expects a float tensor "
                        + java.util.Arrays.toString(want));
        }
    }
}
