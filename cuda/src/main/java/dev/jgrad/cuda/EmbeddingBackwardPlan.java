package dev.jgrad.cuda;

/**
 * The host-side plan that makes the embedding backward deterministic without atomics: token positions grouped
 * by id with a stable counting sort, so each distinct id's positions are listed in ascending order.
 *
 * <p>For ids {@code [3, 1, 3, 0]}: {@code rows = [0, 1, 3]}, {@code starts = [0, 1, 2, 4]},
 * {@code positions = [3, 1, 0, 2]}: row 3's gradient is {@code dOut[0] + dOut[2]}, added in that order.
 *
 * @param rows      the distinct ids, ascending
 * @param starts    {@code rows.length + 1} offsets into {@code positions}
 * @param positions token positions grouped by id, ascending within each id
 */
record EmbeddingBackwardPlan(int[] rows, int[] starts, int[] positions) {

    /** The plan for {@code ids}, each in {@code [0, vocab)} (else an exception naming the position). */
    static EmbeddingBackwardPlan build(long[] ids, int vocab) {
        int[] counts = new int[vocab];
        for (int i = 0; i < ids.length; i++) {
            long id = ids[i];
            if (id < 0 || id >= vocab)
                throw new IndexOutOfBoundsException("embedding: id " + id + " at position " + i + " is outside [0, " + vocab + ")");
            counts[(int) id]++;
        }
        int distinct = 0;
        for (int c : counts) if (c > 0) distinct++;
        int[] rows = new int[distinct], starts = new int[distinct + 1], first = new int[vocab];
        int u = 0, pos = 0;
        for (int id = 0; id < vocab; id++) {
            if (counts[id] == 0) continue;
            rows[u] = id;
            starts[u] = pos;
            first[id] = pos;
            pos += counts[id];
            u++;
        }
        starts[distinct] = pos;
        int[] positions = new int[ids.length];
        for (int i = 0; i < ids.length; i++) positions[first[(int) ids[i]]++] = i; // stable: i ascending
        return new EmbeddingBackwardPlan(rows, starts, positions);
    }
}
