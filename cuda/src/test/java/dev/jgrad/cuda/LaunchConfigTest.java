package dev.jgrad.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LaunchConfigTest {

    @Test
    void elementwiseCoversSmallProblemsAndCapsLargeOnes() {
        assertEquals(1, LaunchConfig.elementwise(1, 132).gridX());
        assertEquals(1, LaunchConfig.elementwise(256, 132).gridX());
        assertEquals(2, LaunchConfig.elementwise(257, 132).gridX());
        assertEquals(40, LaunchConfig.elementwise(10_000, 132).gridX());          // ceil(10000 / 256)
        assertEquals(32 * 132, LaunchConfig.elementwise(1L << 30, 132).gridX());  // grid-stride beyond
        assertEquals(256, LaunchConfig.elementwise(5, 132).blockX());
        assertEquals(1, LaunchConfig.elementwise(0, 132).gridX());
    }

    @Test
    void rowBlocksArePowersOfTwoGivingAboutFourElementsPerThread() {
        assertEquals(32, LaunchConfig.rowThreads(1));
        assertEquals(32, LaunchConfig.rowThreads(128));
        assertEquals(64, LaunchConfig.rowThreads(129));
        assertEquals(256, LaunchConfig.rowThreads(768));   // GPT-2 width: 192 wanted
        assertEquals(1024, LaunchConfig.rowThreads(4096));
        assertEquals(1024, LaunchConfig.rowThreads(50257)); // capped
        for (int cols = 1; cols < 10_000; cols += 37) {
            int t = LaunchConfig.rowThreads(cols);
            assertEquals(1, Integer.bitCount(t), "power of two for " + cols);
            assertTrue(t >= 32 && t <= 1024);
        }
    }

    @Test
    void blockSizesDoNotDependOnTheDevice() {
        for (int sms : new int[] {1, 46, 132}) {
            assertEquals(256, LaunchConfig.rows(1000, 1000, sms).blockX());
            assertEquals(LaunchConfig.rowThreads(4000), LaunchConfig.reduction(7, 4000, sms).blockX());
            assertEquals(256, LaunchConfig.reduction(7, 100, sms).blockX());
        }
        assertTrue(LaunchConfig.blockPerOutput(512));
        assertFalse(LaunchConfig.blockPerOutput(511));
    }

    @Test
    void gridAndBlockLimitsAreEnforced() {
        assertThrows(IllegalArgumentException.class, () -> new LaunchConfig(1, 65536, 1, 32, 1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new LaunchConfig(1, 1, 1, 1024, 2, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new LaunchConfig(0, 1, 1, 32, 1, 1, 0));
        LaunchConfig c = LaunchConfig.columnsByRows(1000, 100_000, 128);
        assertEquals(8, c.gridX());
        assertEquals(65535, c.gridY());
    }
}
