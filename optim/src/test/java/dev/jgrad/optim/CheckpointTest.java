package dev.jgrad.optim;

import dev.jgrad.core.io.AtomicDirectory;
import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;
import dev.jgrad.nn.Dropout;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.ReLU;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.Tanh;
import dev.jgrad.nn.functional.F;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checkpoints: bit-exact resumption with dropout and a random data order, atomic saves under injected
 * failures, recovery from a crash between the two renames, and clear errors for mismatched models and
 * corrupt files.
 */
class CheckpointTest {

    @TempDir
    Path tmp;

    /** A small training run: points from two noisy clusters, random mini-batches, dropout, AdamW, a schedule. */
    static final class Run {
        static final int N = 128;
        final Tensor xs, ys;
        final Generator dropout, data;
        final Sequential model;
        final AdamW optimizer;
        final WarmupCosineLr schedule;

        Run(int hidden, long initSeed, long dropoutSeed, long dataSeed) {
            Generator points = new Generator(1234); // the data set itself is fixed
            float[] x = new float[N * 2];
            long[] y = new long[N];
            for (int i = 0; i < N; i++) {
                y[i] = i % 2;
                x[2 * i] = (float) ((y[i] == 0 ? -1 : 1) + 0.8 * points.nextGaussian());
                x[2 * i + 1] = (float) ((y[i] == 0 ? 0.5 : -0.5) + 0.8 * points.nextGaussian());
            }
            xs = Tensor.of(x, N, 2);
            ys = Tensor.of(y);
            Generator init = new Generator(initSeed);
            dropout = new Generator(dropoutSeed);
            data = new Generator(dataSeed);
            model = new Sequential(new Linear(2, hidden, true, init), new ReLU(), new Dropout(0.2, dropout),
                    new Linear(hidden, hidden, true, init), new Tanh(), new Dropout(0.1, dropout), new Linear(hidden, 2, true, init));
            optimizer = new AdamW(model.parameters(), AdamW.defaults(0.01).withWeightDecay(0.1));
            schedule = new WarmupCosineLr(optimizer, 3, 15, 0.001);
        }

        /** One step on 16 points drawn by the data generator; returns the loss. */
        double step() {
            long[] idx = new long[16];
            for (int i = 0; i < idx.length; i++) idx[i] = data.nextInt(N);
            Tensor batch = Tensor.of(idx);
            optimizer.zeroGrad();
            Tensor loss = F.crossEntropy(model.forward(xs.indexSelect(0, batch)), ys.indexSelect(0, batch));
            loss.backward();
            GradClip.clipGradNorm(model.parameters(), 1.0, 2.0);
            optimizer.step();
            schedule.step();
            return loss.item();
        }

        Checkpoint.Training training() {
            return new Checkpoint.Training(model, optimizer, schedule, Map.of("dropout", dropout, "data", data));
        }

        List<float[]> params() {
            List<float[]> out = new ArrayList<>();
            for (Tensor p : model.parameters()) out.add(p.toFloatArray());
            return out;
        }
    }

    static void assertBitEqual(List<float[]> expected, List<float[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            float[] e = expected.get(i), a = actual.get(i);
            assertEquals(e.length, a.length);
            for (int j = 0; j < e.length; j++)
                assertEquals(Float.floatToRawIntBits(e[j]), Float.floatToRawIntBits(a[j]), "parameter " + i + " element " + j);
        }
    }

    @Test
    void tenStepsSaveLoadTenMoreEqualsTwentyStraightBitForBit() throws IOException {
        Run straight = new Run(32, 1, 2, 3);
        double[] losses = new double[20];
        for (int i = 0; i < 20; i++) losses[i] = straight.step();

        Run first = new Run(32, 1, 2, 3);
        for (int i = 0; i < 10; i++) assertEquals(losses[i], first.step(), 0.0);
        Path dir = tmp.resolve("ckpt");
        Checkpoint.save(dir, first.training(), 10, Map.of("best_val_loss", 0.5, "note", "halfway"));
        assertTrue(Files.isRegularFile(dir.resolve("model.safetensors")) && Files.isRegularFile(dir.resolve("optimizer.safetensors"))
                && Files.isRegularFile(dir.resolve("training.json")));

        // Fresh objects with different seeds: everything that matters must come from the checkpoint.
        Run resumed = new Run(32, 91, 92, 93);
        Checkpoint.Loaded loaded = Checkpoint.load(dir, resumed.training());
        assertEquals(10, loaded.step());
        assertEquals(0.5, ((Number) loaded.extra().get("best_val_loss")).doubleValue());
        assertEquals("halfway", loaded.extra().get("note"));
        assertEquals(10, resumed.schedule.lastEpoch());
        for (int i = 10; i < 20; i++) assertEquals(losses[i], resumed.step(), 0.0, "loss at step " + i);
        assertBitEqual(straight.params(), resumed.params());
        assertEquals(straight.optimizer.paramGroups().get(0).lr(), resumed.optimizer.paramGroups().get(0).lr(), 0.0);
    }

    @Test
    void resumingWithoutTheGeneratorStatesWouldDiverge() throws IOException {
        // The control for the test above: the same checkpoint, but the dropout and data generators not restored.
        Run straight = new Run(32, 1, 2, 3);
        for (int i = 0; i < 12; i++) straight.step();
        Run first = new Run(32, 1, 2, 3);
        for (int i = 0; i < 10; i++) first.step();
        Path dir = tmp.resolve("ckpt");
        Checkpoint.save(dir, first.training(), 10, null);
        Run resumed = new Run(32, 91, 92, 93);
        Checkpoint.load(dir, new Checkpoint.Training(resumed.model, resumed.optimizer, resumed.schedule, null));
        resumed.step();
        resumed.step();
        assertNotEquals(straight.params().get(0)[0], resumed.params().get(0)[0]);
    }

    /** Serialising this fails half-way through training.json, like a disk error during the write. */
    public static final class Exploding {
        public String getValue() {
            throw new IllegalStateException("simulated failure while writing training.json");
        }
    }

    /** A float64 buffer whose data cannot be read: the model file's write fails part-way through. */
    static final class FailingStorage extends Storage {
        FailingStorage(int n) {
            super(DType.F64, n);
        }

        @Override
        public Device device() {
            return Device.cpu();
        }

        @Override
        public double getDouble(int i) {
            throw new UncheckedIOException(new IOException("simulated read failure while writing model.safetensors"));
        }

        @Override
        public void setDouble(int i, double v) {}

        @Override
        public Storage newStorage(DType dtype, int size) {
            return Storage.Cpu.allocate(dtype, size);
        }
    }

    static final class Faulty extends Module {
        Faulty() {
            registerParameter("a", Tensor.full(1.0, DType.F64, 300));
            registerBuffer("b", new Tensor(new FailingStorage(4), 4), true);
            registerParameter("c", Tensor.full(1.0, DType.F64, 3));
        }
    }

    static Map<String, byte[]> snapshot(Path dir) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) out.put(f.getFileName().toString(), Files.readAllBytes(f));
        }
        return out;
    }

    static void assertSameFiles(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) assertArrayEquals(expected.get(k), actual.get(k), k);
    }

    @Test
    void aFailureInsideTheWriteLeavesThePreviousCheckpointIntactAndLoadable() throws IOException {
        Run run = new Run(16, 1, 2, 3);
        for (int i = 0; i < 5; i++) run.step();
        Path dir = tmp.resolve("ckpt");
        Checkpoint.save(dir, run.training(), 5, Map.of("k", 1));
        Map<String, byte[]> before = snapshot(dir);
        List<float[]> paramsAt5 = run.params();
        for (int i = 0; i < 3; i++) run.step();

        // 1. the JSON manifest fails part-way (after both tensor files were written)
        IOException e = assertThrows(IOException.class,
                () -> Checkpoint.save(dir, run.training(), 8, Map.of("bad", new Exploding())));
        assertTrue(e.getMessage().contains("simulated failure"), e.getMessage());
        assertSameFiles(before, snapshot(dir));
        assertFalse(Files.exists(AtomicDirectory.tempSibling(dir.toAbsolutePath())), "the half-built checkpoint is removed");

        // 2. the model file fails part-way (a tensor's data cannot be read while streaming it)
        assertThrows(RuntimeException.class, () -> Checkpoint.save(dir, new Checkpoint.Training(new Faulty(), null, null, null), 9, null));
        assertSameFiles(before, snapshot(dir));

        // A half-written temporary left by a killed process does not matter either.
        Path stale = Files.createDirectories(AtomicDirectory.tempSibling(dir.toAbsolutePath()));
        Files.write(stale.resolve("model.safetensors"), new byte[] {1, 2, 3});

        Run fresh = new Run(16, 7, 8, 9);
        Checkpoint.Loaded loaded = Checkpoint.load(dir, fresh.training());
        assertEquals(5, loaded.step());
        assertBitEqual(paramsAt5, fresh.params());
        assertFalse(Files.exists(stale));
    }

    @Test
    void loadingRecoversFromACrashBetweenTheRenames() throws IOException {
        Run run = new Run(16, 1, 2, 3);
        run.step();
        Path dir = tmp.resolve("ckpt").toAbsolutePath(), other = tmp.resolve("other").toAbsolutePath();
        Checkpoint.save(dir, run.training(), 1, null);
        List<float[]> paramsAt1 = run.params();
        run.step();
        run.step();
        Checkpoint.save(other, run.training(), 3, null);
        List<float[]> paramsAt3 = run.params();

        // Crash after "ckpt → ckpt.old" but before "ckpt.tmp → ckpt": the old checkpoint is authoritative.
        Files.move(dir, AtomicDirectory.backupSibling(dir));
        Files.move(other, AtomicDirectory.tempSibling(dir));
        Run a = new Run(16, 5, 5, 5);
        assertEquals(1, Checkpoint.load(dir, a.training()).step());
        assertBitEqual(paramsAt1, a.params());
        assertFalse(Files.exists(AtomicDirectory.backupSibling(dir)) || Files.exists(AtomicDirectory.tempSibling(dir)));

        // Crash after the commit rename, before "ckpt.old" was deleted: the new one is authoritative.
        Checkpoint.save(other, run.training(), 3, null);
        Files.move(dir, AtomicDirectory.backupSibling(dir));
        Files.move(other, dir);
        Run b = new Run(16, 6, 6, 6);
        assertEquals(3, Checkpoint.load(dir, b.training()).step());
        assertBitEqual(paramsAt3, b.params());
        assertFalse(Files.exists(AtomicDirectory.backupSibling(dir)));
    }

    @Test
    void aCheckpointOfAnotherShapeNamesTheFirstMismatchAndChangesNothing() throws IOException {
        Run big = new Run(32, 1, 2, 3);
        big.step();
        Path dir = tmp.resolve("ckpt");
        Checkpoint.save(dir, big.training(), 1, null);
        Run small = new Run(16, 4, 5, 6);
        List<float[]> before = small.params();
        long[] dropoutBefore = small.dropout.state();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.load(dir, small.training()));
        assertTrue(e.getMessage().endsWith("shape mismatch for 0.weight: checkpoint has [32, 2], the model has [16, 2]"), e.getMessage());
        assertBitEqual(before, small.params());
        assertArrayEquals(dropoutBefore, small.dropout.state());
        assertTrue(small.optimizer.exportState().tensors().isEmpty(), "the optimizer state is untouched");
    }

    @Test
    void aCorruptFileIsDetectedBeforeLoading() throws IOException {
        Run run = new Run(16, 1, 2, 3);
        Path dir = tmp.resolve("ckpt");
        Checkpoint.save(dir, run.training(), 0, null);
        byte[] bytes = Files.readAllBytes(dir.resolve("model.safetensors"));
        bytes[bytes.length - 3] ^= 0x10;
        Files.write(dir.resolve("model.safetensors"), bytes);
        IOException e = assertThrows(IOException.class, () -> Checkpoint.load(dir, new Run(16, 1, 2, 3).training()));
        assertTrue(e.getMessage().contains("model.safetensors is corrupt"), e.getMessage());
    }
}
