package dev.jgrad.transformer.tokenizer;

import java.util.Arrays;

/**
 * The merge rules of a byte-level BPE: the pair of token ids (left, right) maps to its rank (its line in
 * the merges list; lower merges first). Open addressing over {@code long} keys {@code left << 32 | right},
 * at most half full.
 */
final class PairTable {

    private static final long EMPTY = -1L;
    private final long[] keys;
    private final int[] ranks;
    private final int mask;

    PairTable(int capacity) {
        int size = Integer.highestOneBit(Math.max(4, capacity) * 2 - 1) << 1;
        keys = new long[size];
        ranks = new int[size];
        Arrays.fill(keys, EMPTY);
        mask = size - 1;
    }

    static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    /** Sets the rank of (left, right), replacing an earlier one. */
    void put(int left, int right, int rank) {
        long k = key(left, right);
        int slot = slot(k);
        while (keys[slot] != EMPTY && keys[slot] != k) slot = (slot + 1) & mask;
        keys[slot] = k;
        ranks[slot] = rank;
    }

    /** The rank of (left, right), or -1 if the pair is not a merge. */
    int rank(int left, int right) {
        long k = key(left, right);
        int slot = slot(k);
        long found;
        while ((found = keys[slot]) != EMPTY) {
            if (found == k) return ranks[slot];
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    private int slot(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32)) & mask;
    }
}
