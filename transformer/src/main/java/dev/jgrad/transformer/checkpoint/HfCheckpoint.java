package dev.jgrad.transformer.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jgrad.core.DType;
import dev.jgrad.core.io.AtomicDirectory;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.core.io.SafetensorsWriter;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.LinearFactory;
import dev.jgrad.transformer.LlamaConfig;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face checkpoints of {@code GPT2LMHeadModel} and {@code LlamaForCausalLM}: a directory with
 * {@code config.json} and the weights in {@code model.safetensors}, or sharded as several safetensors files listed
 * by {@code model.safetensors.index.json} ({@code "weight_map": {tensor: file}}).
 *
 * <p><b>Loading</b> runs in two phases. First everything is checked from headers alone: the config's values, that
 * every shard exists, that each tensor the index names is in its shard, and that the checkpoint's names and shapes
 * are exactly the model's (missing, unexpected and mis-shaped tensors are named). Only then is the model built,
 * and each tensor is copied from the memory-mapped file straight into its parameter (BF16/F16/F64 converted to
 * float32 on the way), so the weights are never held twice. Conventions handled:
 * <ul>
 *   <li>GPT-2 stores its {@code c_attn}, {@code c_proj} and {@code c_fc} weights as Conv1D {@code (in, out)}: they are
 *       transposed to {@code (out, in)}. Names may lack the {@code transformer.} prefix (checkpoints saved from
 *       {@code GPT2Model}, such as the original {@code gpt2}); the causal-mask buffers {@code attn.bias} and
 *       {@code attn.masked_bias} are skipped.</li>
 *   <li>A tied {@code lm_head.weight} may be present or absent. LLaMA's {@code rotary_emb.inv_freq} buffers are
 *       skipped.</li>
 *   <li>HF LLaMA q/k weights are laid out for rotate-half RoPE, so the model gets {@link RopeStyle#HALF}.</li>
 * </ul>
 *
 * <p><b>Saving</b> writes the same layout (single file, float32) into a temporary sibling directory and swaps it in
 * with renames, so a crash never leaves a half-written checkpoint at the target. A GPT without biases is written
 * with zero biases (HF's GPT-2 always has them); a LLaMA with interleaved RoPE has its q/k rows permuted into HF's
 * layout ({@link Models#interleavedToHalf}).
 */
public final class HfCheckpoint {

    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private HfCheckpoint() {}

    /** True if {@code dir} looks like an HF checkpoint ({@code config.json} and safetensors weights). */
    public static boolean isCheckpoint(Path dir) {
        return Files.isDirectory(dir) && Files.isRegularFile(dir.resolve(CONFIG))
                && (Files.isRegularFile(dir.resolve(WEIGHTS)) || Files.isRegularFile(dir.resolve(INDEX)));
    }

    /** The parsed {@code config.json} of {@code dir}. */
    public static JsonNode readConfigJson(Path dir) throws IOException {
        Path file = dir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) throw new CheckpointFormatException(dir, "no " + CONFIG);
        try {
            JsonNode json = ModelConfigs.JSON.readTree(file.toFile());
            if (json == null || !json.isObject()) throw new CheckpointFormatException(file, "is not a JSON object");
            return json;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new CheckpointFormatException(file, "is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Loads the checkpoint in {@code dir} into a new model, in evaluation mode. */
    public static CausalLM load(Path dir) throws IOException {
        return load(dir, LinearFactory.FLOAT);
    }

    /**
     * Loads the checkpoint in {@code dir} into a new model whose linear layers come from {@code linears}, in
     * evaluation mode. Layers that keep their weights in another form (4-bit) receive each weight as float values
     * ({@link dev.jgrad.transformer.WeightReceiver}) and convert it; each tensor's file pages are released after
     * use, so a model quantized while loading never holds its float weights, nor the mapped file, in memory.
     */
    public static CausalLM load(Path dir, LinearFactory linears) throws IOException {
        Record config = ModelConfigs.fromHuggingFace(readConfigJson(dir), dir.resolve(CONFIG));
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, Path> files = weightFiles(dir, opened);
            Map<String, Source> sources = new LinkedHashMap<>();
            for (Map.Entry<String, Path> f : files.entrySet()) {
                SafetensorsFile sf = findOrOpen(opened, f.getValue());
                if (!sf.contains(f.getKey()))
                    throw new CheckpointFormatException(dir.resolve(INDEX), "the weight map puts " + f.getKey() + " in "
                            + f.getValue().getFileName() + ", which has no such tensor");
                sources.put(f.getKey(), new Source(sf, sf.entry(f.getKey())));
            }
            long values = 0;
            for (Source src : sources.values()) values += src.entry().numel();   // at most the files' bytes
            Models.checkClaimedSize(config, values, dir.resolve(CONFIG));
            Map<String, Load> plan = plan(config, sources, dir);
            Models.checkFitsHeap(config, linears, dir.resolve(CONFIG));
            CausalLM model = Models.create(config, new Generator(0), linears);
            Map<String, Tensor> params = model.namedParameters();
            Map<String, int[]> shapes = Models.parameterShapes(config);
            Models.Scratch scratch = new Models.Scratch();
            for (Map.Entry<String, Load> e : plan.entrySet()) {
                Load load = e.getValue();
                int[] shape = shapes.get(e.getKey());
                Models.fill(model, params, e.getKey(), shape, dst -> read(load, shape, dst), scratch,
                        load.source().file().path());
                load.source().file().release(load.source().entry().name());
            }
            model.eval();
            return model;
        } finally {
            for (SafetensorsFile f : opened) f.close();
        }
    }

    private record Source(SafetensorsFile file, SafetensorsFile.Entry entry) {}

    /** How one parameter is read: from which tensor, transposed (Conv1D) or not. */
    private record Load(Source source, boolean transpose) {}

    /**
     * Every tensor name → its file: from the index's weight map, or every tensor of the single file (opened once,
     * into {@code opened}: a header is parsed once, however many tensors it lists).
     */
    private static Map<String, Path> weightFiles(Path dir, List<SafetensorsFile> opened) throws IOException {
        Map<String, Path> out = new LinkedHashMap<>();
        Path base = dir.toAbsolutePath().normalize();
        Path index = dir.resolve(INDEX);
        if (Files.isRegularFile(index)) {
            JsonNode json;
            try {
                json = ModelConfigs.JSON.readTree(index.toFile());
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                throw new CheckpointFormatException(index, "is not valid JSON: " + e.getOriginalMessage(), e);
            }
            JsonNode map = json == null ? null : json.get("weight_map");
            if (map == null || !map.isObject() || map.isEmpty())
                throw new CheckpointFormatException(index, "has no \"weight_map\" object of tensor names to files");
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String file = e.getValue().asText("");
                Path shard = base.resolve(file).normalize();
                if (!e.getValue().isTextual() || file.isEmpty() || !base.equals(shard.getParent()))
                    throw new CheckpointFormatException(index, "tensor " + e.getKey() + " maps to \"" + e.getValue()
                            + "\", not a file name in the checkpoint directory");
                if (!Files.isRegularFile(shard))
                    throw new CheckpointFormatException(index, "shard " + file + " (holding " + e.getKey()
                            + ", among others) is missing");
                out.put(e.getKey(), shard);
            }
            return out;
        }
        Path single = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(single)) throw new CheckpointFormatException(dir, "has neither " + WEIGHTS + " nor " + INDEX);
        for (SafetensorsFile.Entry e : findOrOpen(opened, single).entries()) out.put(e.name(), single);
        return out;
    }

    private static SafetensorsFile findOrOpen(List<SafetensorsFile> opened, Path path) throws IOException {
        for (SafetensorsFile f : opened) if (f.path().equals(path)) return f;
        SafetensorsFile f = SafetensorsFile.open(path);
        opened.add(f);
        return f;
    }

    /** Matches checkpoint tensors to parameters, checking names, dtypes and shapes; nothing is read yet. */
    private static Map<String, Load> plan(Record config, Map<String, Source> sources, Path dir) throws CheckpointFormatException {
        Map<String, int[]> want = Models.parameterShapes(config);
        boolean gpt = config instanceof GptConfig;
        boolean tied = gpt ? ((GptConfig) config).tieEmbeddings() : ((LlamaConfig) config).tieEmbeddings();
        Map<String, Load> plan = new LinkedHashMap<>();
        List<String> unexpected = new ArrayList<>();
        for (Map.Entry<String, Source> s : sources.entrySet()) {
            String name = s.getKey();
            if (gpt && (name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias"))) continue;
            if (!gpt && name.endsWith(".rotary_emb.inv_freq")) continue;
            String target = gpt && !name.startsWith("transformer.") && !name.startsWith("lm_head.") ? "transformer." + name : name;
            SafetensorsFile.Entry e = s.getValue().entry();
            if (tied && target.equals("lm_head.weight")) {
                int[] embedding = want.get(gpt ? "transformer.wte.weight" : "model.embed_tokens.weight");
                checkShape(name, e, embedding, false, s.getValue().file().path());
                continue;
            }
            int[] shape = want.get(target);
            if (shape == null) {
                unexpected.add(name);
                continue;
            }
            if (plan.containsKey(target))
                throw new CheckpointFormatException(dir, "tensor " + target + " appears twice (as " + name + ")");
            boolean conv1d = gpt && shape.length == 2 && (target.endsWith("attn.c_attn.weight")
                    || target.endsWith("attn.c_proj.weight") || target.endsWith("mlp.c_fc.weight")
                    || target.endsWith("mlp.c_proj.weight"));
            checkShape(name, e, shape, conv1d, s.getValue().file().path());
            plan.put(target, new Load(s.getValue(), conv1d));
        }
        List<String> missing = new ArrayList<>();
        for (String k : want.keySet()) if (!plan.containsKey(k)) missing.add(k);
        if (!missing.isEmpty() || !unexpected.isEmpty())
            throw new CheckpointFormatException(dir, "the checkpoint does not match the model of its config.json: "
                    + (missing.isEmpty() ? "" : "missing tensors " + abbreviate(missing))
                    + (missing.isEmpty() || unexpected.isEmpty() ? "" : "; ")
                    + (unexpected.isEmpty() ? "" : "unexpected tensors " + abbreviate(unexpected)));
        // Parameters in the model's order, so loading walks the model front to back.
        Map<String, Load> ordered = new LinkedHashMap<>();
        for (String k : want.keySet()) ordered.put(k, plan.get(k));
        return ordered;
    }

    private static void checkShape(String name, SafetensorsFile.Entry e, int[] modelShape, boolean conv1d, Path file)
            throws CheckpointFormatException {
        if (!e.dtype().isFloatingPoint())
            throw new CheckpointFormatException(file, "tensor " + name + " is " + e.dtype() + ", not a float type");
        long[] expected = new long[modelShape.length];
        for (int i = 0; i < modelShape.length; i++) expected[i] = modelShape[conv1d ? modelShape.length - 1 - i : i];
        if (!Arrays.equals(expected, e.shape()))
            throw new CheckpointFormatException(file, "tensor " + name + " has shape " + Arrays.toString(e.shape())
                    + ", the model expects " + Arrays.toString(expected) + (conv1d ? " (Conv1D layout, (in, out))" : ""));
    }

    static String abbreviate(List<String> names) {
        return names.size() <= 8 ? names.toString() : names.subList(0, 8) + " and " + (names.size() - 8) + " more";
    }

    /** Reads one tensor as float32 into {@code dst}, of the model's {@code shape} (Conv1D weights transposed). */
    private static void read(Load load, int[] shape, float[] dst) {
        SafetensorsFile file = load.source().file();
        String name = load.source().entry().name();
        if (!load.transpose()) {
            file.readFloats(name, dst, 0);
        } else {
            int out = shape[0], in = shape[1];
            float[] stored = file.readFloats(name);                          // (in, out)
            for (int r = 0; r < in; r++)
                for (int c = 0; c < out; c++) dst[c * in + r] = stored[r * out + c];
        }
    }

    // =============================================================================================
    // Export

    /**
     * Writes {@code model} as an HF checkpoint ({@code config.json} + {@code model.safetensors}, float32) into
     * {@code dir}, replacing what is there atomically.
     */
    public static void save(CausalLM model, Path dir) throws IOException {
        Record config = model.config();
        Map<String, Tensor> state = model.stateDict();
        SafetensorsWriter writer = new SafetensorsWriter().metadata(Map.of("format", "pt"));
        if (config instanceof GptConfig c) {
            GptConfig withBias = new GptConfig(c.vocabSize(), c.blockSize(), c.nEmbd(), c.nLayer(), c.nHead(), c.dropout(),
                    true, c.layerNormEps(), c.tieEmbeddings(), c.geluTanh());
            for (Map.Entry<String, int[]> e : Models.parameterShapes(withBias).entrySet()) {
                String name = e.getKey();
                int[] shape = e.getValue();
                Tensor t = state.get(name);
                if (t == null) {   // a bias of a bias-free model: zeros are the same function
                    writer.add(name, DType.F32, longs(shape), new float[Shape.numel(shape)]);
                } else if (shape.length == 2 && name.matches(".*\\.(attn\\.c_attn|attn\\.c_proj|mlp\\.c_fc|mlp\\.c_proj)\\.weight")) {
                    int rows = shape[0], cols = shape[1];
                    writer.add(name, DType.F32, new long[] {cols, rows}, out -> writeFloats(out,
                            Models.transpose(floats(t), rows, cols)));                          // Conv1D (in, out)
                } else {
                    writer.add(name, DType.F32, longs(shape), floats(t));
                }
            }
        } else if (config instanceof LlamaConfig c) {
            boolean permute = c.ropeStyle() == RopeStyle.INTERLEAVED;
            for (Map.Entry<String, int[]> e : Models.parameterShapes(c).entrySet()) {
                String name = e.getKey();
                int[] shape = e.getValue();
                Tensor t = state.get(name);
                boolean q = name.matches(".*self_attn\\.q_proj\\.(weight|bias)");
                boolean k = name.matches(".*self_attn\\.k_proj\\.(weight|bias)");
                if (permute && (q || k)) {   // a bias (Qwen2) is permuted like its weight's rows: one column
                    int heads = q ? c.nHeads() : c.nKvHeads(), cols = shape.length == 2 ? shape[1] : 1;
                    writer.add(name, DType.F32, longs(shape), out -> writeFloats(out,
                            Models.interleavedToHalf(floats(t), heads, c.headDim(), cols)));
                } else {
                    writer.add(name, DType.F32, longs(shape), floats(t));
                }
            }
        } else {
            throw new IllegalArgumentException("HfCheckpoint.save: unknown model config " + config);
        }
        ObjectNode json = ModelConfigs.toHuggingFace(config);
        AtomicDirectory.write(dir, tmp -> {
            writer.write(tmp.resolve(WEIGHTS));
            ModelConfigs.JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve(CONFIG).toFile(), json);
        });
    }

    private static float[] floats(Tensor t) {
        return t.dtype() == DType.F32 && t.isContiguous() && t.offset() == 0 && t.storage().size() == t.numel()
                ? Models.data(t) : t.to(DType.F32).toFloatArray();
    }

    private static long[] longs(int[] shape) {
        long[] out = new long[shape.length];
        for (int i = 0; i < shape.length; i++) out[i] = shape[i];
        return out;
    }

    static void writeFloats(WritableByteChannel out, float[] data) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : data) {
            if (buf.remaining() < 4) {
                buf.flip();
                while (buf.hasRemaining()) out.write(buf);
                buf.clear();
            }
            buf.putFloat(v);
        }
        buf.flip();
        while (buf.hasRemaining()) out.write(buf);
    }
}
