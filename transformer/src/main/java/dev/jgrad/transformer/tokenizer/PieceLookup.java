package dev.jgrad.transformer.tokenizer;

/**
 * A string-to-id hash table that can be queried with a range of a {@code char[]} without creating a
 * substring: the encoders ask "is text[from, to) a vocabulary entry?" millions of times per megabyte.
 * Open addressing with linear probing over a power-of-two table at most half full; the hash is
 * {@link String#hashCode()}'s polynomial, computed over the range.
 */
final class PieceLookup {

    private final String[] keys;
    private final int[] values;
    private final int mask;
    private int size;

    /** A table with room for {@code capacity} entries. */
    PieceLookup(int capacity) {
        int tableSize = Integer.highestOneBit(Math.max(4, capacity) * 2 - 1) << 1;
        keys = new String[tableSize];
        values = new int[tableSize];
        mask = tableSize - 1;
    }

    /** Adds {@code key -> value}; returns the previous value or -1 (then nothing is replaced). */
    int putIfAbsent(String key, int value) {
        if (size * 2 >= keys.length) throw new IllegalStateException("PieceLookup is full");
        int slot = mix(key.hashCode()) & mask;
        while (keys[slot] != null) {
            if (keys[slot].equals(key)) return values[slot];
            slot = (slot + 1) & mask;
        }
        keys[slot] = key;
        values[slot] = value;
        size++;
        return -1;
    }

    /** The id of {@code key}, or -1. */
    int get(String key) {
        int slot = mix(key.hashCode()) & mask;
        while (keys[slot] != null) {
            if (keys[slot].equals(key)) return values[slot];
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    /** The id of {@code text[from, to)}, or -1. */
    int get(char[] text, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) h = 31 * h + text[i];
        int length = to - from;
        int slot = mix(h) & mask;
        String k;
        while ((k = keys[slot]) != null) {
            if (k.length() == length && regionEquals(k, text, from)) return values[slot];
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    int size() {
        return size;
    }

    private static boolean regionEquals(String key, char[] text, int from) {
        for (int i = 0, n = key.length(); i < n; i++) {
            if (key.charAt(i) != text[from + i]) return false;
        }
        return true;
    }

    /** Spreads the high bits of a hash into the low ones (the table index uses the low bits). */
    private static int mix(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
