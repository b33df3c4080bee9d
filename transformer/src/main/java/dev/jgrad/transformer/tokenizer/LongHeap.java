package dev.jgrad.transformer.tokenizer;

import java.util.Arrays;

/**
 * A binary min-heap of {@code long} keys, each carrying an {@code int} payload. The BPE encoders pack
 * their priority into the key (rank or negated score in the high 32 bits, symbol position in the low 32
 * bits) so that ties are broken by position with plain integer comparison.
 */
final class LongHeap {

    private long[] keys;
    private int[] payloads;
    private int size;

    LongHeap(int initialCapacity) {
        keys = new long[Math.max(4, initialCapacity)];
        payloads = new int[keys.length];
    }

    boolean isEmpty() {
        return size == 0;
    }

    void clear() {
        size = 0;
    }

    /** The smallest key (the heap must not be empty). */
    long peekKey() {
        return keys[0];
    }

    /** The payload of the smallest key. */
    int peekPayload() {
        return payloads[0];
    }

    void push(long key, int payload) {
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            payloads = Arrays.copyOf(payloads, size * 2);
        }
        int i = size++;
        while (i > 0) { // sift up
            int parent = (i - 1) >>> 1;
            if (keys[parent] <= key) break;
            keys[i] = keys[parent];
            payloads[i] = payloads[parent];
            i = parent;
        }
        keys[i] = key;
        payloads[i] = payload;
    }

    /** Removes the smallest entry (read it first with {@link #peekKey}/{@link #peekPayload}). */
    void pop() {
        long key = keys[--size];
        int payload = payloads[size];
        int i = 0;
        int half = size >>> 1;
        while (i < half) { // sift down
            int child = 2 * i + 1;
            if (child + 1 < size && keys[child + 1] < keys[child]) child++;
            if (key <= keys[child]) break;
            keys[i] = keys[child];
            payloads[i] = payloads[child];
            i = child;
        }
        keys[i] = key;
        payloads[i] = payload;
    }
}
