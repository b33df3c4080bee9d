package dev.jgrad.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * encoder.py's merge loop, worked by hand on tiny vocabularies: each round takes the lowest-ranked pair
 * present and merges <em>all</em> its occurrences left to right before looking at the pairs that creates.
 */
class ByteLevelBpeRoundsTest {

    /** 256 byte tokens (id = byte value) plus {@code extra}, with {@code merges} in rank order. */
    private static ByteLevelBpeTokenizer tokenizer(List<String> extra, List<String[]> merges) throws TokenizerFormatException {
        String[] pieces = new String[256 + extra.size()];
        for (int b = 0; b < 256; b++) pieces[b] = String.valueOf(ByteLevel.charOf(b));
        for (int i = 0; i < extra.size(); i++) pieces[256 + i] = extra.get(i);
        return ByteLevelBpeFiles.build(pieces, new boolean[pieces.length], merges, ByteLevelSplitting.GPT2, "test");
    }

    /** "aaa" with the merge (a, a): the scan takes positions 0-1, and position 2 is left alone: aa a. */
    @Test
    void overlappingOccurrencesMergeLeftToRight() throws TokenizerFormatException {
        ByteLevelBpeTokenizer t = tokenizer(List.of("aa", "aaaa"), List.of(new String[] {"a", "a"}, new String[] {"aa", "aa"}));
        assertArrayEquals(new int[] {256, 'a'}, t.encode("aaa"));
        assertArrayEquals(new int[] {257}, t.encode("aaaa"));
        assertArrayEquals(new int[] {257, 'a'}, t.encode("aaaaa"));
    }

    /**
     * Merges out of training order: rank 0 is (bc, b), rank 1 is (b, c). For "bcbc" the only pair present at
     * first is (b, c) (twice); its round merges both occurrences, giving bc bc, and (bc, bc) is no merge.
     * (Merging the first (b, c) and then immediately the lower-ranked (bc, b) would give bcb c instead.)
     */
    @Test
    void newPairsWaitForTheEndOfTheRound() throws TokenizerFormatException {
        ByteLevelBpeTokenizer t = tokenizer(List.of("bc", "bcb"), List.of(new String[] {"bc", "b"}, new String[] {"b", "c"}));
        assertArrayEquals(new int[] {256, 256}, t.encode("bcbc"));
        // "bcb": round of (b, c) gives bc b; then (bc, b) of rank 0 applies
        assertArrayEquals(new int[] {257}, t.encode("bcb"));
    }
}
