package dev.jgrad.examples.course.exercises;

import java.util.List;

/** The exercises of chapter 4 (tokenisation). Implement them in {@link MySolution04}; check with {@code ./jgrad learn 4 --check}. */
public interface Exercises04 {

    /** Exercise 4.1: the most frequent adjacent pair {left, right} of {@code ids} (ties: smallest left, then smallest right). */
    int[] mostFrequentPair(int[] ids);

    /** Exercise 4.2: {@code ids} with each occurrence of (left, right), scanning left to right, replaced by {@code newId}. */
    int[] merge(int[] ids, int left, int right, int newId);

    /** Exercise 4.3: the text of {@code ids}, where {@code vocab.get(id)} holds token {@code id}'s bytes (UTF-8). */
    String decode(List<byte[]> vocab, int[] ids);
}
