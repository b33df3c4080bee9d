package dev.jgrad.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.core.Generator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchSamplerTest {

    /** Token i is i, so a row's first input token is its start offset. */
    private static final TokenSource COUNTING = TokenSource.of(IntStream.range(0, 1000).toArray());

    private static List<Batch> draw(BatchSampler s, int n) {
        List<Batch> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(s.next());
        return out;
    }

    @Test
    void randomWindowsAreNanoGptBatches() {
        int batch = 4, block = 8;
        RandomWindowSampler sampler = new RandomWindowSampler(COUNTING, batch, block, 1337);
        Generator reference = new Generator(1337); // nanoGPT: ix = randint(len(data) - block_size)
        for (int step = 0; step < 5; step++) {
            Batch b = sampler.next();
            assertEquals(batch, b.batchSize());
            for (int row = 0; row < batch; row++) {
                int start = reference.nextInt(1000 - block);
                for (int t = 0; t < block; t++) {
                    assertEquals(start + t, b.x()[row * block + t]);
                    assertEquals(start + t + 1, b.y()[row * block + t]);
                }
            }
        }
    }

    @Test
    void randomWindowsAreReproducibleAndResumable() {
        List<Batch> first = draw(new RandomWindowSampler(COUNTING, 3, 5, 9), 6);
        assertEquals(first, draw(new RandomWindowSampler(COUNTING, 3, 5, 9), 6));
        assertNotEquals(first, draw(new RandomWindowSampler(COUNTING, 3, 5, 10), 6));

        RandomWindowSampler running = new RandomWindowSampler(COUNTING, 3, 5, 9);
        draw(running, 2);
        BatchSampler.State saved = running.state();
        List<Batch> continued = draw(running, 4);
        assertEquals(first.subList(2, 6), continued);
        RandomWindowSampler resumed = new RandomWindowSampler(COUNTING, 3, 5, 12345);
        resumed.restore(saved);
        assertEquals(continued, draw(resumed, 4));
        assertEquals(6, resumed.state().position());
    }

    @Test
    void randomWindowsWorkBeyondIntOffsets() {
        long size = 3_000_000_000L;
        TokenSource huge = new TokenSource() { // token i is i / 2, so a row's first token reveals its start
            @Override
            public long size() {
                return size;
            }

            @Override
            public int get(long index) {
                return (int) (index / 2);
            }
        };
        RandomWindowSampler sampler = new RandomWindowSampler(huge, 64, 4, 5);
        boolean beyondInt = false;
        for (int step = 0; step < 4; step++) {
            Batch b = sampler.next();
            for (int row = 0; row < 64; row++) {
                long half = b.x()[row * 4];
                assertTrue(half >= 0 && half <= (size - 4 - 1) / 2, "start out of range: about " + 2 * half);
                beyondInt |= half >= (1L << 30); // start >= 2^31
            }
        }
        assertTrue(beyondInt, "no start offset beyond 2^31 in 256 uniform draws over 3e9");
    }

    @Test
    void epochsVisitEveryWindowOnceInANewOrder() {
        Windows windows = new Windows(COUNTING.slice(0, 100), 4, 4); // (100 - 5) / 4 + 1 = 24 windows
        assertEquals(24, windows.count());
        EpochWindowSampler sampler = new EpochWindowSampler(windows, 5, false, 3);
        assertEquals(5, sampler.batchesPerEpoch());
        List<Integer> epoch0 = starts(draw(sampler, 5));
        List<Integer> epoch1 = starts(draw(sampler, 5));
        assertEquals(1, sampler.epoch());
        Set<Integer> all = new HashSet<>();
        for (int w = 0; w < 24; w++) all.add(w * 4);
        assertEquals(all, new HashSet<>(epoch0));
        assertEquals(24, epoch0.size());
        assertEquals(all, new HashSet<>(epoch1));
        assertEquals(24, epoch1.size());
        assertNotEquals(epoch0, epoch1);
    }

    @Test
    void dropLastGivesFullBatchesOnly() {
        Windows windows = new Windows(COUNTING.slice(0, 100), 4, 4);
        EpochWindowSampler sampler = new EpochWindowSampler(windows, 5, true, 3);
        assertEquals(4, sampler.batchesPerEpoch());
        for (Batch b : draw(sampler, 12)) assertEquals(5, b.batchSize());
        List<Integer> epochStarts = starts(draw(sampler, 4));
        assertEquals(20, new HashSet<>(epochStarts).size());
    }

    @Test
    void theLastBatchOfAnEpochIsSmallerWithoutDropLast() {
        EpochWindowSampler sampler = new EpochWindowSampler(new Windows(COUNTING.slice(0, 100), 4, 4), 5, false, 3);
        List<Batch> epoch = draw(sampler, 5);
        assertEquals(List.of(5, 5, 5, 5, 4), epoch.stream().map(Batch::batchSize).toList());
        assertEquals(16, epoch.get(4).x().length);
    }

    @Test
    void epochSamplingIsReproducibleAndResumesMidEpoch() {
        Windows windows = new Windows(COUNTING.slice(0, 200), 6, 3); // (200 - 7) / 3 + 1 = 65 windows
        List<Batch> reference = draw(new EpochWindowSampler(windows, 8, false, 21), 30); // 9 per epoch: past 3 epochs
        assertEquals(reference, draw(new EpochWindowSampler(windows, 8, false, 21), 30));
        assertNotEquals(reference, draw(new EpochWindowSampler(windows, 8, false, 22), 30));

        for (int stopAt : new int[] {0, 4, 9, 11, 18}) {
            EpochWindowSampler running = new EpochWindowSampler(windows, 8, false, 21);
            draw(running, stopAt);
            BatchSampler.State saved = running.state();
            EpochWindowSampler resumed = new EpochWindowSampler(windows, 8, false, 777);
            resumed.restore(saved);
            assertEquals(reference.subList(stopAt, 30), draw(resumed, 30 - stopAt), "resumed after " + stopAt + " batches");
        }
    }

    @Test
    void stateRecordsEpochAndPosition() {
        EpochWindowSampler sampler = new EpochWindowSampler(new Windows(COUNTING.slice(0, 100), 4, 4), 5, false, 3);
        draw(sampler, 7);
        BatchSampler.State s = sampler.state();
        assertEquals(1, s.epoch());
        assertEquals(2, s.position());
        assertEquals(6, s.generator().length);
    }

    @Test
    void badSizesAreRejectedClearly() {
        assertEquals("batchSize must be positive, got 0",
                assertThrows(IllegalArgumentException.class, () -> new RandomWindowSampler(COUNTING, 0, 4, 1)).getMessage());
        assertEquals("blockSize must be positive, got 0",
                assertThrows(IllegalArgumentException.class, () -> new RandomWindowSampler(COUNTING, 2, 0, 1)).getMessage());
        assertEquals("data set of 1000 tokens is smaller than one window: blockSize 1000 needs at least 1001 tokens "
                        + "(input plus one shifted target)",
                assertThrows(IllegalArgumentException.class, () -> new RandomWindowSampler(COUNTING, 2, 1000, 1)).getMessage());
        Windows three = new Windows(COUNTING.slice(0, 10), 3, 3);
        assertEquals("only 3 windows, fewer than one batch of 4 (dropLast)",
                assertThrows(IllegalArgumentException.class, () -> new EpochWindowSampler(three, 4, true, 1)).getMessage());
        EpochWindowSampler sampler = new EpochWindowSampler(three, 2, false, 1);
        BatchSampler.State tooFar = new BatchSampler.State(new Generator(1).state(), 0, 3);
        assertEquals("position 3 is past the 2 batches of an epoch",
                assertThrows(IllegalArgumentException.class, () -> sampler.restore(tooFar)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Batch(2, 3, new int[6], new int[5]));
    }

    private static List<Integer> starts(List<Batch> batches) {
        List<Integer> s = new ArrayList<>();
        for (Batch b : batches)
            for (int row = 0; row < b.batchSize(); row++) s.add(b.x()[row * b.blockSize()]);
        return s;
    }
}
