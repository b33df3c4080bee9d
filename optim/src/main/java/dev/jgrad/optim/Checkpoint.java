package dev.jgrad.optim;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.AtomicDirectory;
import dev.jgrad.core.io.Safetensors;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.nn.Module;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Saves and restores everything a training run needs to continue exactly where it stopped.
 *
 * <p><b>Layout.</b> A checkpoint is a directory:
 * <pre>
 * ckpt/
 *   model.safetensors      the model's state dict (parameters and persistent buffers, dtypes kept)
 *   optimizer.safetensors  the optimizer's state tensors, "&lt;param index&gt;.&lt;buffer&gt;" (e.g. "3.exp_avg")
 *   training.json          format and version, step, optimizer groups/options/step counts, schedule state,
 *                          generator states, the user's extra map, and each file's size and SHA-256
 * </pre>
 *
 * <p><b>Atomicity.</b> {@link #save} writes through {@link AtomicDirectory}: the new checkpoint is built in the
 * sibling {@code ckpt.tmp}, forced to disk, and swapped in by two atomic renames, so a crash at any moment leaves
 * the previous checkpoint or the new one, complete. {@link #load} first {@link #recover recovers} from an
 * interrupted save. On load, each file's size and SHA-256 are checked against the manifest before anything is
 * read, and every field of {@code training.json} is checked for its kind and range (a hand-edited or damaged
 * file fails naming itself and the field: a negative or absurd {@code step}, a string where a number belongs).
 *
 * <p><b>Exact resumption.</b> Tensors are stored in their own dtypes, so float32 weights and moments round
 * trip bit for bit; generator states (which drive dropout masks and data order) are the exact xoshiro
 * words, and the schedule state is its step counter. A run that saves after n steps and resumes into fresh
 * objects therefore continues with the very same numbers as one that never stopped.
 *
 * <p><b>Validation.</b> {@link #load} checks the whole checkpoint against the live objects (keys and shapes
 * of the model, optimizer type, groups and buffer shapes, schedule type, generator names) before changing
 * any of them; a mismatch names the first differing tensor and both shapes.
 */
public final class Checkpoint {

    static final String MODEL_FILE = "model.safetensors";
    static final String OPTIMIZER_FILE = "optimizer.safetensors";
    static final String TRAINING_FILE = "training.json";
    static final String FORMAT = "jgrad-checkpoint";
    static final int VERSION = 1;

    /**
     * The live objects of a training run that a checkpoint fills: the model (required), and optionally the
     * optimizer, the learning-rate schedule, and named generators (dropout, data order, ...).
     */
    public record Training(Module model, Optimizer<?> optimizer, Schedule schedule, Map<String, Generator> generators) {
        public Training {
            if (model == null) throw new IllegalArgumentException("a checkpoint needs a model");
            generators = generators == null ? Map.of() : Map.copyOf(generators);
        }
    }

    /** What {@link #load} returns besides the restored objects: the step count and the user's extra values. */
    public record Loaded(long step, Map<String, Object> extra) {}

    private Checkpoint() {}

    // =============================================================================================
    // Save

    /**
     * Writes a checkpoint of {@code training} at {@code step} into the directory {@code dir}, atomically
     * replacing any checkpoint already there. {@code extra} holds JSON-serialisable user values (null for
     * none).
     */
    public static void save(Path dir, Training training, long step, Map<String, Object> extra) throws IOException {
        if (step < 0) throw new IllegalArgumentException("a checkpoint's step must be >= 0, got " + step);
        AtomicDirectory.write(dir, tmp -> {
            Map<String, Object> files = new LinkedHashMap<>();
            TensorFiles.write(tmp.resolve(MODEL_FILE), training.model().stateDict());
            files.put(MODEL_FILE, manifestEntry(tmp.resolve(MODEL_FILE)));
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("format", FORMAT);
            json.put("version", VERSION);
            json.put("step", step);
            if (training.optimizer() != null) {
                Optimizer.State st = training.optimizer().exportState();
                TensorFiles.write(tmp.resolve(OPTIMIZER_FILE), st.tensors());
                files.put(OPTIMIZER_FILE, manifestEntry(tmp.resolve(OPTIMIZER_FILE)));
                json.put("optimizer", st.meta());
            }
            if (training.schedule() != null) json.put("schedule", training.schedule().stateDict());
            Map<String, Object> gens = new LinkedHashMap<>();
            for (Map.Entry<String, Generator> e : new java.util.TreeMap<>(training.generators()).entrySet())
                gens.put(e.getKey(), e.getValue().state());
            json.put("generators", gens);
            json.put("extra", extra == null ? Map.of() : extra);
            json.put("files", files);
            try (OutputStream out = Files.newOutputStream(tmp.resolve(TRAINING_FILE), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                JsonState.MAPPER.writerWithDefaultPrettyPrinter().writeValue(out, json);
            }
        });
    }

    // =============================================================================================
    // Load

    /**
     * Restores the checkpoint in {@code dir} into {@code training}'s objects: model weights, optimizer state,
     * schedule state and generator states (every generator named in {@code training} must be in the
     * checkpoint). Everything is validated before anything changes.
     */
    public static Loaded load(Path dir, Training training) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        AtomicDirectory.recover(target);
        if (!Files.isDirectory(target)) throw new IOException("no checkpoint at " + target);
        Path jsonPath = target.resolve(TRAINING_FILE);
        if (!Files.isRegularFile(jsonPath)) throw new IOException("checkpoint " + target + " has no " + TRAINING_FILE);
        Map<String, Object> json;
        try {
            json = JsonState.MAPPER.readValue(jsonPath.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(jsonPath + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (!FORMAT.equals(json.get("format")) || !Integer.valueOf(VERSION).equals(json.get("version")))
            throw new IOException("checkpoint " + target + ": unknown format " + json.get("format") + " version " + json.get("version"));
        long step = parse(jsonPath, "step", () -> nonNegativeInt(json.get("step")));
        Map<String, Object> files = parse(jsonPath, "files", () -> JsonState.asMapOrNull(json.get("files"), "files"));
        if (files == null) throw new IOException(jsonPath + ": field \"files\" is missing");
        for (Map.Entry<String, Object> f : files.entrySet()) verify(target, jsonPath, f.getKey(), f.getValue());
        String where = "checkpoint " + target + ": ";

        // ---- read and validate everything ----
        Map<String, Tensor> modelState = readModel(target.resolve(MODEL_FILE), training.model(), where);
        Optimizer.State optState = null;
        if (training.optimizer() != null) {
            if (!json.containsKey("optimizer")) throw new IOException(where + "no optimizer state");
            Map<String, Tensor> tensors;
            try (SafetensorsFile f = SafetensorsFile.open(target.resolve(OPTIMIZER_FILE))) {
                tensors = new LinkedHashMap<>();
                for (SafetensorsFile.Entry e : f.entries()) tensors.put(e.name(), Safetensors.read(f, e.name(), e.dtype()));
            }
            optState = new Optimizer.State(parse(jsonPath, "optimizer", () -> JsonState.asMapOrNull(json.get("optimizer"), "optimizer")), tensors);
        }
        Map<String, Object> scheduleState = null;
        if (training.schedule() != null) {
            scheduleState = parse(jsonPath, "schedule", () -> JsonState.asMapOrNull(json.get("schedule"), "schedule"));
            if (scheduleState == null) throw new IOException(where + "no schedule state");
            Object liveType = training.schedule().stateDict().get("type");
            if (!liveType.equals(scheduleState.get("type")))
                throw new IllegalArgumentException(where + "the schedule state is for " + scheduleState.get("type") + ", not " + liveType);
        }
        Map<String, Object> gens = parse(jsonPath, "generators", () -> JsonState.asMapOrNull(json.get("generators"), "generators"));
        Map<String, long[]> genStates = new LinkedHashMap<>();
        for (String name : training.generators().keySet()) {
            if (gens == null || !gens.containsKey(name))
                throw new IOException(where + "no state for generator \"" + name + "\" (has "
                        + (gens == null ? "none" : gens.keySet()) + ")");
            long[] s = parse(jsonPath, "generators." + name, () -> JsonState.asLongs(gens.get(name), "generators." + name));
            if (s.length != 6) throw new IOException(where + "generator \"" + name + "\" has " + s.length + " state words, not 6");
            genStates.put(name, s);
        }
        Map<String, Object> extra = json.get("extra") == null ? Map.of()
                : parse(jsonPath, "extra", () -> JsonState.asMapOrNull(json.get("extra"), "extra"));

        // ---- apply (each step validates its own input first, so a failure leaves the objects unchanged) ----
        final Optimizer.State opt = optState;
        final Map<String, Object> sched = scheduleState;
        try {
            if (opt != null) field(jsonPath, "optimizer", () -> {
                training.optimizer().importState(opt);
                return null;
            });
            training.model().loadStateDict(modelState, true);
            if (sched != null) field(jsonPath, "schedule", () -> {
                training.schedule().loadStateDict(sched);
                return null;
            });
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(jsonPath + ": " + e.getMessage(), e);
        }
        for (Map.Entry<String, long[]> e : genStates.entrySet()) training.generators().get(e.getKey()).setState(e.getValue());
        return new Loaded(step, extra);
    }

    /** The step recorded in the checkpoint at {@code dir} (after {@link #recover}), validated as {@link #load} does. */
    public static long savedStep(Path dir) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        AtomicDirectory.recover(target);
        Path jsonPath = target.resolve(TRAINING_FILE);
        if (!Files.isRegularFile(jsonPath)) throw new IOException("no checkpoint at " + target);
        Map<String, Object> json;
        try {
            json = JsonState.MAPPER.readValue(jsonPath.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(jsonPath + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        return parse(jsonPath, "step", () -> nonNegativeInt(json.get("step")));
    }

    /** Parses a part of {@code training.json}; a value of the wrong kind fails naming the file and the field. */
    private static <T> T field(Path json, String name, java.util.concurrent.Callable<T> read) throws IOException {
        try {
            return read.call();
        } catch (ClassCastException | NullPointerException | IndexOutOfBoundsException | NumberFormatException e) {
            throw new IOException(json + ": field \"" + name + "\" is malformed (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Like {@link #field}, for reading (not applying) a value: a value of the wrong type is an IOException too. */
    private static <T> T parse(Path json, String name, java.util.concurrent.Callable<T> read) throws IOException {
        try {
            return field(json, name, read);
        } catch (IllegalArgumentException e) {
            throw new IOException(json + ": field \"" + name + "\" is malformed: " + e.getMessage(), e);
        }
    }

    /** A JSON integer in {@code [0, Integer.MAX_VALUE]} (steps are ints in the trainer). */
    private static int nonNegativeInt(Object v) {
        if (!(v instanceof Integer || v instanceof Long || v instanceof java.math.BigInteger))
            throw new NumberFormatException("expected a whole number, got " + describe(v));
        java.math.BigInteger b = new java.math.BigInteger(v.toString());
        if (b.signum() < 0 || b.compareTo(java.math.BigInteger.valueOf(Integer.MAX_VALUE)) > 0)
            throw new NumberFormatException("expected a whole number in [0, " + Integer.MAX_VALUE + "], got " + v);
        return b.intValue();
    }

    private static String describe(Object v) {
        return v instanceof String s ? "the string \"" + s + "\"" : String.valueOf(v);
    }

    /** The model file's tensors, checked against the model's keys and shapes (first mismatch named). */
    private static Map<String, Tensor> readModel(Path file, Module model, String where) throws IOException {
        Map<String, Tensor> own = model.stateDict();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            List<String> missing = new java.util.ArrayList<>(), unexpected = new java.util.ArrayList<>();
            for (String k : own.keySet()) if (!f.contains(k)) missing.add(k);
            for (SafetensorsFile.Entry e : f.entries()) if (!own.containsKey(e.name())) unexpected.add(e.name());
            if (!missing.isEmpty() || !unexpected.isEmpty())
                throw new IllegalArgumentException(where + "the model does not match: "
                        + (missing.isEmpty() ? "" : "missing keys " + missing) + (missing.isEmpty() || unexpected.isEmpty() ? "" : "; ")
                        + (unexpected.isEmpty() ? "" : "unexpected keys " + unexpected));
            for (Map.Entry<String, Tensor> e : own.entrySet()) {
                int[] saved = Safetensors.intShape(f.entry(e.getKey()));
                if (!Arrays.equals(saved, e.getValue().shape()))
                    throw new IllegalArgumentException(where + "shape mismatch for " + e.getKey() + ": checkpoint has "
                            + Shape.str(saved) + ", the model has " + Shape.str(e.getValue().shape()));
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : own.entrySet()) {
                DType want = e.getValue().dtype();
                DType read = want.isFloatingPoint() ? (want == DType.F64 ? DType.F64 : DType.F32) : f.entry(e.getKey()).dtype();
                out.put(e.getKey(), Safetensors.read(f, e.getKey(), read));
            }
            return out;
        }
    }

    // =============================================================================================
    // Crash recovery and file plumbing

    /**
     * Brings the checkpoint {@code dir} back to a consistent state after an interrupted {@link #save} (see
     * {@link AtomicDirectory#recover}).
     */
    public static void recover(Path dir) throws IOException {
        AtomicDirectory.recover(dir);
    }

    private static Map<String, Object> manifestEntry(Path file) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bytes", Files.size(file));
        m.put("sha256", sha256(file));
        return m;
    }

    /** Checks the file {@code name} against its manifest entry: size first (cheap), then the SHA-256. */
    private static void verify(Path dir, Path json, String name, Object rawEntry) throws IOException {
        if (!name.equals(MODEL_FILE) && !name.equals(OPTIMIZER_FILE))
            throw new IOException(json + ": field \"files\" names an unknown file \"" + name + "\"");
        Map<String, Object> entry = parse(json, "files." + name, () -> JsonState.asMapOrNull(rawEntry, "files." + name));
        Object bytes = entry == null ? null : entry.get("bytes");
        if (!(bytes instanceof Integer || bytes instanceof Long) || ((Number) bytes).longValue() < 0)
            throw new IOException(json + ": field \"files." + name + ".bytes\" must be a byte count, got " + describe(bytes));
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) throw new IOException("checkpoint " + dir + ": " + name + " is missing");
        long size = Files.size(file), expected = ((Number) bytes).longValue();
        if (size != expected)
            throw new IOException("checkpoint " + dir + ": " + name + " has " + size + " bytes, the manifest says " + expected);
        String hash = sha256(file);
        if (!hash.equals(entry.get("sha256")))
            throw new IOException("checkpoint " + dir + ": " + name + " is corrupt (SHA-256 " + hash + ", the manifest says "
                    + entry.get("sha256") + ")");
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
