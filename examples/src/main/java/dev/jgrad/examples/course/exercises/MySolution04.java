package dev.jgrad.examples.course.exercises;

import java.util.List;

/** Your solutions to chapter 4's exercises: replace each {@code throw} with your code, then run {@code ./jgrad learn 4 --check}. */
public final class MySolution04 implements Exercises04 {

    @Override
    public int[] mostFrequentPair(int[] ids) {
        throw new UnsupportedOperationException("exercise 4.1: count each adjacent pair, return the most frequent {left, right}");
    }

    @Override
    public int[] merge(int[] ids, int left, int right, int newId) {
        throw new UnsupportedOperationException("exercise 4.2: scan left to right, replacing each (left, right) by newId");
    }

    @Override
    public String decode(List<byte[]> vocab, int[] ids) {
        throw new UnsupportedOperationException("exercise 4.3: concatenate the tokens' bytes, then read them as UTF-8");
    }
}
