package dev.jgrad.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.OptionalInt;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class WindowsTest {

    private static final TokenSource TEN = TokenSource.of(IntStream.range(0, 10).toArray());

    private static long[] starts(Windows w) {
        long[] s = new long[(int) w.count()];
        for (int i = 0; i < s.length; i++) s[i] = w.start(i);
        return s;
    }

    @Test
    void windowsStartEveryStrideWhileAWholeWindowFits() {
        // A window of T = 3 needs 4 tokens; starts s with s + 4 <= 10.
        assertArrayEquals(new long[] {0, 3, 6}, starts(new Windows(TEN, 3, 3)));
        assertArrayEquals(new long[] {0, 2, 4, 6}, starts(new Windows(TEN, 3, 2)));
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6}, starts(new Windows(TEN, 3, 1)));
        // Stride 4: starts 0 and 4; tokens 8 and 9 would need a partial window and are dropped.
        assertArrayEquals(new long[] {0, 4}, starts(new Windows(TEN, 3, 4)));
        assertArrayEquals(new long[] {0}, starts(new Windows(TEN, 9, 5)));
    }

    @Test
    void inputsAndTargetsAreShiftedByOne() {
        Windows w = new Windows(TEN, 3, 3);
        int[] x = new int[3], y = new int[3];
        w.copyInput(2, x, 0);
        w.copyTarget(2, y, 0);
        assertArrayEquals(new int[] {6, 7, 8}, x);
        assertArrayEquals(new int[] {7, 8, 9}, y);
        assertThrows(IndexOutOfBoundsException.class, () -> w.start(3));
    }

    @Test
    void packingPutsTheSeparatorBetweenDocuments() {
        List<int[]> docs = List.of(new int[] {11, 12}, new int[] {13}, new int[] {14, 15, 16});
        PackedTokens withEos = PackedTokens.pack(docs, OptionalInt.of(0));
        assertArrayEquals(new int[] {11, 12, 0, 13, 0, 14, 15, 16}, withEos.tokens());
        assertArrayEquals(new long[] {0, 3, 5}, withEos.documentStarts());
        PackedTokens plain = PackedTokens.pack(docs, OptionalInt.empty());
        assertArrayEquals(new int[] {11, 12, 13, 14, 15, 16}, plain.tokens());
        assertArrayEquals(new long[] {0, 2, 3}, plain.documentStarts());
        // Windows run across document boundaries, separator included.
        Windows w = new Windows(withEos.source(), 4, 4);
        int[] x = new int[4], y = new int[4];
        w.copyInput(0, x, 0);
        w.copyTarget(0, y, 0);
        assertArrayEquals(new int[] {11, 12, 0, 13}, x);
        assertArrayEquals(new int[] {12, 0, 13, 0}, y);
        assertEquals(1, w.count()); // (8 - 5) / 4 + 1
    }

    @Test
    void impossibleSizesAreRejectedClearly() {
        assertEquals("data set of 10 tokens is smaller than one window: blockSize 10 needs at least 11 tokens "
                        + "(input plus one shifted target)",
                assertThrows(IllegalArgumentException.class, () -> new Windows(TEN, 10, 1)).getMessage());
        assertEquals("stride must be positive, got 0",
                assertThrows(IllegalArgumentException.class, () -> new Windows(TEN, 3, 0)).getMessage());
        assertEquals("blockSize must be positive, got -2",
                assertThrows(IllegalArgumentException.class, () -> new Windows(TEN, -2, 1)).getMessage());
    }

    @Test
    void slicesAreViews() {
        TokenSource middle = TEN.slice(3, 8);
        assertEquals(5, middle.size());
        int[] out = new int[3];
        middle.copy(1, out, 0, 3);
        assertArrayEquals(new int[] {4, 5, 6}, out);
        assertEquals(7, middle.slice(2, 5).get(2));
        assertThrows(IndexOutOfBoundsException.class, () -> middle.copy(3, out, 0, 3));
    }
}
