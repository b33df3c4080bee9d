package dev.jgrad.transformer.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Learns a byte-level BPE vocabulary (GPT-2 style) from text.
 *
 * <h2>Algorithm</h2>
 * <ol>
 *   <li>Cut every document with GPT-2's pre-tokenizer ({@link Gpt2PreTokenizer}) and count the distinct
 *       pieces ("words"), a word longer than {@value #MAX_WORD_CHARS} characters as pieces of that length.
 *       Merges never cross a word boundary, so the corpus is just words with counts.</li>
 *   <li>Start from the 256 byte tokens: id {@code b} is byte {@code b} (spelled with GPT-2's byte-level
 *       character). Each word is its sequence of byte ids.</li>
 *   <li>Count every adjacent pair, weighted by word count, and remember which words contain it.</li>
 *   <li>Repeat until the vocabulary has {@code vocabSize} tokens (special tokens included) or no pair is
 *       left: take the most frequent pair; <b>ties go to the smallest left id, then the smallest right
 *       id</b> (older tokens first; deterministic). Append the merge; the merged token gets the next id
 *       unless its spelling already exists (two different merges can spell the same string), in which case
 *       the existing id is reused. In every word that contains the pair, replace occurrences left to right
 *       (as encoding does) and update the pair counts <em>incrementally</em>: subtract the word's old pairs,
 *       add its new ones. A max-heap of (count, pair) with lazy deletion finds the best pair; entries whose
 *       count is out of date are re-queued with the current count when they surface.</li>
 *   <li>Special tokens (default {@code <|endoftext|>}) get the last ids.</li>
 * </ol>
 * The cost per merge is proportional to the words that contain the merged pair, not to the corpus.
 */
public final class BpeTrainer {

    /**
     * Words (pre-tokens) longer than this many characters are counted as pieces of this length. Every merge
     * rewrites each word that holds its pair, so one word of n bytes costs O(n) per merge: a corpus that is one
     * line of 300 MB without spaces (one pre-token) would take O(n · merges), hours. Cut into pieces, the same
     * text costs what a corpus of short words does. No useful token is that long (GPT-2's longest is 128 bytes).
     */
    static final int MAX_WORD_CHARS = 256;

    private final int vocabSize;
    private final List<String> specialTokens;

    /** A trainer for {@code vocabSize} tokens including the special token {@code <|endoftext|>}. */
    public BpeTrainer(int vocabSize) {
        this(vocabSize, List.of("<|endoftext|>"));
    }

    /** A trainer for {@code vocabSize} tokens: 256 bytes + merges + {@code specialTokens}. */
    public BpeTrainer(int vocabSize, List<String> specialTokens) {
        if (vocabSize < 256 + specialTokens.size()) {
            throw new IllegalArgumentException("vocabSize " + vocabSize + " is below 256 byte tokens + "
                    + specialTokens.size() + " special tokens");
        }
        if (specialTokens.stream().distinct().count() != specialTokens.size() || specialTokens.contains("")) {
            throw new IllegalArgumentException("special tokens must be distinct and non-empty: " + specialTokens);
        }
        this.vocabSize = vocabSize;
        this.specialTokens = List.copyOf(specialTokens);
    }

    /** Trains on one text. */
    public ByteLevelBpeTokenizer train(String text) {
        return train(List.of(text));
    }

    /** Trains on documents; pre-tokenization never joins the end of one document to the next. */
    public ByteLevelBpeTokenizer train(Iterable<String> documents) {
        // Step 1: distinct words and their counts.
        Map<String, long[]> wordCounts = new HashMap<>();
        for (String doc : documents) {
            Gpt2PreTokenizer.split(doc, (s, e) -> {
                for (int from = s, to; from < e; from = to) {   // a word longer than MAX_WORD_CHARS, in pieces
                    to = Math.min(e, from + MAX_WORD_CHARS);
                    if (to < e && Character.isLowSurrogate(doc.charAt(to))) to--;   // never split a code point
                    wordCounts.computeIfAbsent(doc.substring(from, to), k -> new long[1])[0]++;
                }
            });
        }
        List<String> distinct = new ArrayList<>(wordCounts.keySet());
        distinct.sort(null); // a fixed processing order, independent of hashing
        int wordCount = distinct.size();
        int[][] words = new int[wordCount][];
        long[] counts = new long[wordCount];
        for (int w = 0; w < wordCount; w++) {
            byte[] bytes = Utf8.encode(distinct.get(w));
            words[w] = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) words[w][i] = bytes[i] & 0xFF; // step 2: id = byte
            counts[w] = wordCounts.get(distinct.get(w))[0];
        }

        // Step 3: pair statistics.
        Map<Long, PairStats> pairs = new HashMap<>();
        for (int w = 0; w < wordCount; w++) {
            int[] word = words[w];
            for (int i = 0; i + 1 < word.length; i++) {
                PairStats p = pairs.computeIfAbsent(PairTable.key(word[i], word[i + 1]), k -> new PairStats());
                p.count += counts[w];
                p.words.add(w);
            }
        }
        PriorityQueue<long[]> heap = new PriorityQueue<>(BpeTrainer::compareCandidates);
        pairs.forEach((key, p) -> heap.add(new long[] {p.count, key}));

        // Step 4: merges.
        List<String> pieces = new ArrayList<>();
        Map<String, Integer> idOf = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            pieces.add(String.valueOf(ByteLevel.charOf(b)));
            idOf.put(pieces.get(b), b);
        }
        IntList mergeLeft = new IntList(vocabSize);
        IntList mergeRight = new IntList(vocabSize);
        IntList mergeResult = new IntList(vocabSize);
        int[] visited = new int[wordCount];
        int stamp = 0;
        int target = vocabSize - specialTokens.size();
        Map<Long, Long> delta = new HashMap<>();
        while (pieces.size() < target && !heap.isEmpty()) {
            long[] top = heap.poll();
            PairStats best = pairs.get(top[1]);
            long current = best == null ? 0 : best.count;
            if (current != top[0]) { // out of date: re-queue with the current count
                if (current > 0) heap.add(new long[] {current, top[1]});
                continue;
            }
            if (current <= 0) continue;
            int left = (int) (top[1] >>> 32);
            int right = (int) top[1];
            String spelling = pieces.get(left) + pieces.get(right);
            Integer existing = idOf.get(spelling);
            int merged = existing != null ? existing : pieces.size();
            if (existing == null) {
                pieces.add(spelling);
                idOf.put(spelling, merged);
            }
            mergeLeft.add(left);
            mergeRight.add(right);
            mergeResult.add(merged);

            stamp++;
            delta.clear();
            IntList touched = best.words;
            for (int k = 0; k < touched.size(); k++) {
                int w = touched.get(k);
                if (visited[w] == stamp) continue;
                visited[w] = stamp;
                int[] after = mergeWord(words[w], left, right, merged, counts[w], delta);
                if (after == words[w]) continue; // the pair is no longer in this word
                for (int i = 0; i + 1 < after.length; i++) {
                    if (after[i] == merged || after[i + 1] == merged) {
                        pairs.computeIfAbsent(PairTable.key(after[i], after[i + 1]), x -> new PairStats()).words.add(w);
                    }
                }
                words[w] = after;
            }
            for (Map.Entry<Long, Long> d : delta.entrySet()) {
                if (d.getValue() == 0) continue;
                PairStats p = pairs.computeIfAbsent(d.getKey(), x -> new PairStats());
                p.count += d.getValue();
                if (d.getValue() > 0) heap.add(new long[] {p.count, d.getKey()});
                if (p.count == 0) pairs.remove(d.getKey());
            }
        }

        // Step 5: special tokens.
        boolean[] special = new boolean[pieces.size() + specialTokens.size()];
        for (String s : specialTokens) {
            if (idOf.containsKey(s)) throw new IllegalArgumentException("special token '" + s + "' is also a learned token");
            special[pieces.size()] = true;
            pieces.add(s);
        }
        return new ByteLevelBpeTokenizer(pieces.toArray(new String[0]), special, mergeLeft.toArray(),
                mergeRight.toArray(), mergeResult.toArray(), false);
    }

    /** Higher count first; then smaller left id; then smaller right id. */
    private static int compareCandidates(long[] a, long[] b) {
        if (a[0] != b[0]) return Long.compare(b[0], a[0]);
        return Long.compare(a[1], b[1]); // key = left << 32 | right, both non-negative
    }

    /**
     * {@code word} with every (left, right) replaced by {@code merged}, left to right; the same array if none.
     * The change in pair counts goes into {@code delta}, weighted by the word's {@code count}: only pairs that touch
     * a merge change (an old pair with a consumed token is removed, a new pair with a merged token is added; the
     * others map one to one), so the update costs map operations at the merges, not along the whole word.
     */
    private static int[] mergeWord(int[] word, int left, int right, int merged, long count, Map<Long, Long> delta) {
        int[] out = null;
        boolean[] consumed = null, made = null;   // old positions merged away; new positions holding a merge
        int o = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
                if (out == null) {
                    out = new int[word.length - 1];
                    consumed = new boolean[word.length];
                    made = new boolean[word.length - 1];
                    System.arraycopy(word, 0, out, 0, i);
                    o = i;
                }
                consumed[i] = consumed[i + 1] = true;
                made[o] = true;
                out[o++] = merged;
                i++;
            } else if (out != null) {
                out[o++] = word[i];
            }
        }
        if (out == null) return word;
        for (int i = 0; i + 1 < word.length; i++)
            if (consumed[i] || consumed[i + 1]) delta.merge(PairTable.key(word[i], word[i + 1]), -count, Long::sum);
        for (int j = 0; j + 1 < o; j++)
            if (made[j] || made[j + 1]) delta.merge(PairTable.key(out[j], out[j + 1]), count, Long::sum);
        return java.util.Arrays.copyOf(out, o);
    }

    /** Count of a pair over the corpus, and the words that contain (or once contained) it. */
    private static final class PairStats {
        long count;
        final IntList words = new IntList(4);
    }
}
