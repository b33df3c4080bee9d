package dev.jgrad.examples.course.solutions;

import dev.jgrad.examples.course.exercises.Exercises04;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reference solutions to chapter 4's exercises. */
public final class Solution04 implements Exercises04 {

    @Override
    public int[] mostFrequentPair(int[] ids) {
        Map<Long, Integer> counts = new TreeMap<>();   // ordered by (left, right): the first maximum wins ties
        for (int i = 0; i + 1 < ids.length; i++) counts.merge(((long) ids[i] << 32) | ids[i + 1], 1, Integer::sum);
        long best = -1;
        int bestCount = 0;
        for (Map.Entry<Long, Integer> e : counts.entrySet())
            if (e.getValue() > bestCount) {
                best = e.getKey();
                bestCount = e.getValue();
            }
        return new int[] {(int) (best >>> 32), (int) best};
    }

    @Override
    public int[] merge(int[] ids, int left, int right, int newId) {
        int[] out = new int[ids.length];
        int n = 0;
        for (int i = 0; i < ids.length; i++) {
            if (i + 1 < ids.length && ids[i] == left && ids[i + 1] == right) {
                out[n++] = newId;
                i++;
            } else {
                out[n++] = ids[i];
            }
        }
        return Arrays.copyOf(out, n);
    }

    @Override
    public String decode(List<byte[]> vocab, int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) bytes.writeBytes(vocab.get(id));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
