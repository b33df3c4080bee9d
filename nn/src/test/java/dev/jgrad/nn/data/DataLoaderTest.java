package dev.jgrad.nn.data;

import dev.jgrad.core.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dataset, TensorDataset, DataLoader and Collate with PyTorch's DataLoader semantics. */
class DataLoaderTest {

    /** N samples: x row i is (i, 10 i, 100 i), y[i] = i, so every batch row names the sample it came from. */
    static TensorDataset rows(int n) {
        float[] x = new float[3 * n];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            x[3 * i] = i;
            x[3 * i + 1] = 10 * i;
            x[3 * i + 2] = 100 * i;
            y[i] = i;
        }
        return new TensorDataset(Tensor.of(x, n, 3), Tensor.of(y));
    }

    /** The sample indices of one epoch, batch by batch (from the y column), checking x agrees with y. */
    static List<long[]> epoch(DataLoader<List<Tensor>, List<Tensor>> loader) {
        List<long[]> batches = new ArrayList<>();
        for (List<Tensor> batch : loader) {
            long[] ids = batch.get(1).toLongArray();
            float[] x = batch.get(0).toFloatArray();
            for (int r = 0; r < ids.length; r++)
                assertArrayEquals(new float[] {ids[r], 10 * ids[r], 100 * ids[r]}, Arrays.copyOfRange(x, 3 * r, 3 * r + 3),
                        "row " + r + " holds sample " + ids[r] + "'s input");
            batches.add(ids);
        }
        return batches;
    }

    static long[] flat(List<long[]> batches) {
        return batches.stream().flatMapToLong(Arrays::stream).toArray();
    }

    @Test
    void tensorDatasetSamplesAreRowsOfEveryTensor() {
        TensorDataset d = rows(5);
        assertEquals(5, d.size());
        List<Tensor> s = d.get(3);
        assertArrayEquals(new float[] {3, 30, 300}, s.get(0).toFloatArray());
        assertArrayEquals(new int[] {3}, s.get(0).shape());
        assertArrayEquals(new int[0], s.get(1).shape());
        assertEquals(3L, s.get(1).toLongArray()[0]);
        assertThrows(IndexOutOfBoundsException.class, () -> d.get(5));
        assertThrows(IndexOutOfBoundsException.class, () -> d.get(-1));
    }

    @Test
    void tensorDatasetRejectsTensorsOfDifferentLengthsNamingBoth() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TensorDataset(Tensor.zeros(4, 2), Tensor.zeros(3)));
        assertTrue(e.getMessage().contains("[3]") && e.getMessage().contains("[4, 2]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TensorDataset(Tensor.scalar(1.0)));
        assertThrows(IllegalArgumentException.class, TensorDataset::new);
    }

    @Test
    void withoutShufflingBatchesFollowTheIndexOrderAndKeepTheShortLastBatch() {
        DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(rows(10)).batchSize(4).build();
        assertEquals(3, loader.batchesPerEpoch());
        List<long[]> batches = epoch(loader);
        assertEquals(3, batches.size());
        assertArrayEquals(new long[] {0, 1, 2, 3}, batches.get(0));
        assertArrayEquals(new long[] {4, 5, 6, 7}, batches.get(1));
        assertArrayEquals(new long[] {8, 9}, batches.get(2));
        assertArrayEquals(flat(batches), flat(epoch(loader)), "the second epoch is the same without shuffling");
    }

    @Test
    void everySampleIsSeenExactlyOncePerShuffledEpoch() {
        DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(rows(23)).batchSize(5).shuffle(7).build();
        for (int e = 0; e < 4; e++) {
            long[] seen = flat(epoch(loader));
            assertEquals(23, seen.length);
            long[] sorted = seen.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < 23; i++) assertEquals(i, sorted[i], "epoch " + e + " holds each sample once");
        }
        assertEquals(4, loader.epochsStarted());
    }

    @Test
    void theSameSeedGivesTheSameOrdersAndEachEpochIsReshuffled() {
        DataLoader<List<Tensor>, List<Tensor>> a = DataLoader.builder(rows(50)).batchSize(8).shuffle(42).build();
        DataLoader<List<Tensor>, List<Tensor>> b = DataLoader.builder(rows(50)).batchSize(8).shuffle(42).build();
        DataLoader<List<Tensor>, List<Tensor>> c = DataLoader.builder(rows(50)).batchSize(8).shuffle(43).build();
        long[] a1 = flat(epoch(a)), a2 = flat(epoch(a));
        assertArrayEquals(a1, flat(epoch(b)), "same seed, same first epoch");
        assertArrayEquals(a2, flat(epoch(b)), "same seed, same second epoch");
        assertFalse(Arrays.equals(a1, a2), "the second epoch is reshuffled");
        assertFalse(Arrays.equals(a1, flat(epoch(c))), "another seed, another order");
        long[] identity = new long[50];
        for (int i = 0; i < 50; i++) identity[i] = i;
        assertFalse(Arrays.equals(a1, identity), "shuffled");
    }

    @Test
    void anEpochLeftUnfinishedDoesNotShiftTheNextOnes() {
        DataLoader<List<Tensor>, List<Tensor>> a = DataLoader.builder(rows(30)).batchSize(4).shuffle(3).build();
        DataLoader<List<Tensor>, List<Tensor>> b = DataLoader.builder(rows(30)).batchSize(4).shuffle(3).build();
        a.iterator().next();   // one batch of epoch 0, then on to epoch 1
        epoch(b);
        assertArrayEquals(flat(epoch(b)), flat(epoch(a)));
    }

    @Test
    void dropLastKeepsOnlyFullBatches() {
        DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(rows(10)).batchSize(4).shuffle(1)
                .dropLast(true).build();
        assertEquals(2, loader.batchesPerEpoch());
        List<long[]> batches = epoch(loader);
        assertEquals(2, batches.size());
        for (long[] batch : batches) assertEquals(4, batch.length);
        assertEquals(8, Arrays.stream(flat(batches)).distinct().count(), "eight different samples");
        assertEquals(0, DataLoader.builder(rows(3)).batchSize(4).dropLast(true).build().batchesPerEpoch(),
                "fewer samples than a batch: no batch at all, as in PyTorch");
        assertFalse(DataLoader.builder(rows(3)).batchSize(4).dropLast(true).build().iterator().hasNext());
        assertEquals(1, DataLoader.builder(rows(3)).batchSize(4).build().batchesPerEpoch());
    }

    @Test
    void collationStacksAlongANewFirstDimension() {
        Tensor images = Tensor.zeros(7, 2, 3, 4), labels = Tensor.zeros(7);
        DataLoader<List<Tensor>, List<Tensor>> loader = DataLoader.builder(new TensorDataset(images, labels))
                .batchSize(3).build();
        List<List<Tensor>> batches = new ArrayList<>();
        loader.forEach(batches::add);
        assertArrayEquals(new int[] {3, 2, 3, 4}, batches.get(0).get(0).shape());
        assertArrayEquals(new int[] {3}, batches.get(0).get(1).shape());
        assertArrayEquals(new int[] {1, 2, 3, 4}, batches.get(2).get(0).shape(), "the short last batch");
        assertArrayEquals(new int[] {1}, batches.get(2).get(1).shape());
    }

    /** A data set of samples computed from the index, batched by Collate.stack and by a collate of one's own. */
    @Test
    void anyDatasetWithAnyCollateFunction() {
        Dataset<Tensor> squares = new Dataset<>() {
            @Override
            public int size() {
                return 6;
            }

            @Override
            public Tensor get(int i) {
                return Tensor.of(new float[] {i, i * i}, 2);
            }
        };
        List<Tensor> stacked = new ArrayList<>();
        DataLoader.builder(squares, Collate::stack).batchSize(4).build().forEach(stacked::add);
        assertArrayEquals(new int[] {4, 2}, stacked.get(0).shape());
        assertArrayEquals(new float[] {0, 0, 1, 1, 2, 4, 3, 9}, stacked.get(0).toFloatArray());
        assertArrayEquals(new float[] {4, 16, 5, 25}, stacked.get(1).toFloatArray());

        List<Double> sums = new ArrayList<>();
        DataLoader.builder(squares, (List<Tensor> samples) -> samples.stream().mapToDouble(t -> t.sum().item()).sum())
                .batchSize(3).build().forEach(sums::add);
        assertEquals(List.of(0.0 + 1 + 2 + 1 + 4, 3.0 + 4 + 5 + 9 + 16 + 25), sums);
    }

    @Test
    void badSettingsAndMismatchedSamplesGiveClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataLoader.builder(rows(4)).batchSize(0).build());
        assertTrue(e.getMessage().contains("batch size must be positive"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Collate.stack(List.of(Tensor.zeros(2), Tensor.zeros(3))));
        assertTrue(e.getMessage().contains("[2]") && e.getMessage().contains("[3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Collate.stackFields(List.of(List.of(Tensor.zeros(2)), List.of(Tensor.zeros(2), Tensor.zeros(1)))));
        assertTrue(e.getMessage().contains("1 and 2 tensors"), e.getMessage());
        var it = DataLoader.builder(rows(2)).batchSize(2).build().iterator();
        it.next();
        assertThrows(java.util.NoSuchElementException.class, it::next);
    }
}
