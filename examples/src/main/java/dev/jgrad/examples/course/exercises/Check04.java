package dev.jgrad.examples.course.exercises;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Checks a solution to chapter 4's exercises against values worked out by hand. */
public final class Check04 {

    private Check04() {}

    /** The failures (empty when every exercise passes); an exercise that throws fails with its message. */
    public static List<String> check(Exercises04 solution) {
        List<String> failures = new ArrayList<>();
        Checks.run(failures, "4.1 mostFrequentPair", () -> {
            same("pair of [1, 2, 3, 1, 2]", new int[] {1, 2}, solution.mostFrequentPair(new int[] {1, 2, 3, 1, 2}));
            same("pair of [5, 4, 5, 4, 3, 2, 3, 2] (a tie)", new int[] {3, 2}, solution.mostFrequentPair(new int[] {5, 4, 5, 4, 3, 2, 3, 2}));
            same("pair of [7, 7, 7] (overlapping)", new int[] {7, 7}, solution.mostFrequentPair(new int[] {7, 7, 7}));
        });
        Checks.run(failures, "4.2 merge", () -> {
            same("merge (1, 2) in [1, 2, 3, 1, 2]", new int[] {9, 3, 9}, solution.merge(new int[] {1, 2, 3, 1, 2}, 1, 2, 9));
            same("merge (1, 1) in [1, 1, 1]", new int[] {9, 1}, solution.merge(new int[] {1, 1, 1}, 1, 1, 9));
            same("merge (4, 4) in [1, 2]", new int[] {1, 2}, solution.merge(new int[] {1, 2}, 4, 4, 9));
        });
        Checks.run(failures, "4.3 decode", () -> {
            List<byte[]> vocab = new ArrayList<>();
            for (int b = 0; b < 256; b++) vocab.add(new byte[] {(byte) b});
            vocab.add("ca".getBytes(StandardCharsets.UTF_8));                                // 256
            byte[] e = "é".getBytes(StandardCharsets.UTF_8);                                   // 0xC3 0xA9
            vocab.add(new byte[] {'f', e[0]});                                                 // 257: "f" + half of é
            String got = solution.decode(vocab, new int[] {256, 257, e[1] & 0xFF});
            if (!"café".equals(got)) throw new Checks.Failure("decode of [ca][f+0xC3][0xA9]: expected \"café\", got \"" + got + "\"");
        });
        return failures;
    }

    private static void same(String what, int[] expected, int[] actual) {
        if (!Arrays.equals(expected, actual))
            throw new Checks.Failure(what + ": expected " + Arrays.toString(expected) + ", got " + Arrays.toString(actual));
    }
}
