package dev.jgrad.optim;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.Safetensors;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.nn.Module;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

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
 * <p><b>Atomicity.</b> {@link #save} never writes into an existing checkpoint. It builds the new one in the
 * sibling {@code ckpt.tmp}, forcing every file and the directory to disk, then swaps it in with two renames:
 * {@code ckpt → ckpt.old}, {@code ckpt.tmp → ckpt} (the commit point), and finally deletes {@code ckpt.old}.
 * A crash before the commit leaves the previous checkpoint authoritative: either still at {@code ckpt}, or at
 * {@code ckpt.old} if the crash fell between the renames; {@link #load} (and the next {@code save}) first
 * {@link #recover recovers}: a missing {@code ckpt} with a {@code ckpt.old} is renamed back, a stale
 * {@code ckpt.old} beside a committed {@code ckpt} is deleted, and a half-built {@code ckpt.tmp} is removed.
 * On load, each file's size and SHA-256 are checked against the manifest before anything is read.
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
        Path target = dir.toAbsolutePath().normalize();
        Files.createDirectories(target.getParent());
        recover(target);
        Path tmp = tempSibling(target), old = backupSibling(target);
        deleteRecursively(tmp);
        Files.createDirectory(tmp);
        try {
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
            Path jsonPath = tmp.resolve(TRAINING_FILE);
            try (OutputStream out = Files.newOutputStream(jsonPath, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                JsonState.MAPPER.writerWithDefaultPrettyPrinter().writeValue(out, json);
            }
            forceFile(jsonPath);
            forceDirectory(tmp);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
        // Commit: move the old checkpoint aside, the new one in, then drop the old one.
        boolean hadOld = Files.exists(target);
        if (hadOld) move(target, old);
        move(tmp, target);
        forceDirectory(target.getParent());
        if (hadOld) deleteRecursively(old);
    }

    // =============================================================================================
    // Load

    /**
     * Restores the checkpoint in {@code dir} into {@code training}'s objects: model weights, optimizer state,
     * schedule state and generator states (every generator named in {@code training} must be in the
     * checkpoint). Everything is validated before anything changes; a damaged {@code training.json} (a field
     * missing or of the wrong JSON type) is an {@link IOException} naming the field.
     */
    public static Loaded load(Path dir, Training training) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        recover(target);
        if (!Files.isDirectory(target)) throw new IOException("no checkpoint at " + target);
        Path jsonPath = target.resolve(TRAINING_FILE);
        if (!Files.isRegularFile(jsonPath)) throw new IOException("checkpoint " + target + " has no " + TRAINING_FILE);
        Map<String, Object> json = JsonState.MAPPER.readValue(jsonPath.toFile(), new TypeReference<LinkedHashMap<String, Object>>() {});
        if (json == null || !FORMAT.equals(json.get("format")) || !Integer.valueOf(VERSION).equals(json.get("version")))
            throw new IOException("checkpoint " + target + ": unknown format " + (json == null ? null : json.get("format"))
                    + " version " + (json == null ? null : json.get("version")));
        String where = "checkpoint " + target + ": ";
        try {
            return load(target, json, training, where);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(where)) throw e;
            throw new IOException(where + TRAINING_FILE + ": " + e.getMessage(), e);
        }
    }

    /** {@link #load(Path, Training)} after the format check; a malformed field of {@code json} is an IllegalArgumentException. */
    private static Loaded load(Path target, Map<String, Object> json, Training training, String where) throws IOException {
        Map<String, Object> files = JsonState.asMap(json.get("files"), "files");
        for (Map.Entry<String, Object> f : files.entrySet())
            verify(target, f.getKey(), JsonState.asMap(f.getValue(), "files." + f.getKey()));
        long step = JsonState.asLong(json.get("step"), "step");

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
            optState = new Optimizer.State(JsonState.asMap(json.get("optimizer"), "optimizer"), tensors);
        }
        Map<String, Object> scheduleState = null;
        if (training.schedule() != null) {
            scheduleState = JsonState.asMapOrNull(json.get("schedule"), "schedule");
            if (scheduleState == null) throw new IOException(where + "no schedule state");
            Object liveType = training.schedule().stateDict().get("type");
            if (!liveType.equals(scheduleState.get("type")))
                throw new IllegalArgumentException(where + "the schedule state is for " + scheduleState.get("type") + ", not " + liveType);
        }
        Map<String, Object> gens = training.generators().isEmpty() ? Map.of()
                : JsonState.asMap(json.get("generators"), "generators");
        Map<String, long[]> genStates = new LinkedHashMap<>();
        for (String name : training.generators().keySet()) {
            if (!gens.containsKey(name))
                throw new IOException(where + "no state for generator \"" + name + "\" (has " + gens.keySet() + ")");
            long[] s = JsonState.asLongs(gens.get(name), "generators." + name);
            if (s.length != 6) throw new IOException(where + "generator \"" + name + "\" has " + s.length + " state words, not 6");
            genStates.put(name, s);
        }
        Map<String, Object> extra = json.get("extra") == null ? Map.of() : JsonState.asMap(json.get("extra"), "extra");

        // ---- apply (each step validates its own input first, so a failure leaves the objects unchanged) ----
        try {
            if (optState != null) training.optimizer().importState(optState);
            training.model().loadStateDict(modelState, true);
            if (scheduleState != null) training.schedule().loadStateDict(scheduleState);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + e.getMessage(), e);
        }
        for (Map.Entry<String, long[]> e : genStates.entrySet()) training.generators().get(e.getKey()).setState(e.getValue());
        return new Loaded(step, extra);
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
     * Brings {@code dir} back to a consistent state after an interrupted {@link #save}: restores
     * {@code dir.old} if {@code dir} is missing, deletes a stale {@code dir.old} beside a committed
     * {@code dir}, and deletes an unfinished {@code dir.tmp}.
     */
    public static void recover(Path dir) throws IOException {
        Path target = dir.toAbsolutePath().normalize(), old = backupSibling(target), tmp = tempSibling(target);
        if (Files.exists(old)) {
            if (Files.exists(target)) deleteRecursively(old);
            else {
                move(old, target);
                forceDirectory(target.getParent());
            }
        }
        deleteRecursively(tmp);
    }

    static Path tempSibling(Path dir) {
        return dir.resolveSibling(dir.getFileName() + ".tmp");
    }

    static Path backupSibling(Path dir) {
        return dir.resolveSibling(dir.getFileName() + ".old");
    }

    private static Map<String, Object> manifestEntry(Path file) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bytes", Files.size(file));
        m.put("sha256", sha256(file));
        return m;
    }

    private static void verify(Path dir, String name, Map<String, Object> entry) throws IOException {
        Path file = dir.resolve(name);
        if (!Files.isRegularFile(file)) throw new IOException("checkpoint " + dir + ": " + name + " is missing");
        long size = Files.size(file), expected = JsonState.asLong(entry.get("bytes"), "files." + name + ".bytes");
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

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + from + " to " + to + " atomically (different file systems?)", e);
        }
    }

    private static void forceFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** fsync of a directory, so that renames and new entries in it are durable (best effort off Linux). */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Some platforms cannot open or sync directories; the renames are still atomic there.
        }
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.delete(q);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            deleteRecursively(p);
        } catch (IOException ignored) {
            // recover() removes it on the next save or load
        }
    }
}
