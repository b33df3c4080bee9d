package dev.jgrad.examples.course;

import dev.jgrad.transformer.tokenizer.BpeTrainer;
import dev.jgrad.transformer.tokenizer.ByteLevelBpeTokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.Locale;

/**
 * Chapter 4 of the course ({@code docs/course/04-tokenization.md}): text as bytes, and byte-level BPE learned from
 * scratch on the fortunes corpus the project ships ({@code embedded:fortunes}): the first merges step by step, the
 * same merges from jgrad's {@link BpeTrainer}, and how compression grows with the vocabulary, on the training text
 * and on text the tokenizer never saw.
 */
public final class Chapter04 {

    private Chapter04() {}

    /** GPT-2's pre-tokenizer: words keep their leading space; merges never cross a piece (whitespace as JavaScript's). */
    static final Pattern PIECES;
    static {
        String ws = "\\t\\n\\x0B\\f\\r\\x20\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF";
        PIECES = Pattern.compile("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" + ws + "\\p{L}\\p{N}]+|[" + ws
                + "]+(?![^" + ws + "])|[" + ws + "]+");
    }
    static final int TRAIN_FORTUNES = 300, HELD_OUT_FORTUNES = 100, MERGES = 200;

    public static String title() {
        return "Tokenisation: bytes, and training a byte-level BPE";
    }

    public static void run(PrintStream out, Path outDir) {
        out.println("== 1. Characters, code points, bytes ==");
        String s = "naïve café 🙂";
        out.printf(Locale.ROOT, "\"%s\": %d Java chars, %d code points, %d UTF-8 bytes%n", s, s.length(), s.codePointCount(0, s.length()),
                s.getBytes(StandardCharsets.UTF_8).length);

        List<String> fortunes = fortunes();
        String train = String.join("\n", fortunes.subList(0, TRAIN_FORTUNES));
        String heldOut = String.join("\n", fortunes.subList(TRAIN_FORTUNES, TRAIN_FORTUNES + HELD_OUT_FORTUNES));
        Map<String, Integer> words = wordCounts(train);
        out.println();
        out.println("== 2. BPE from scratch on " + TRAIN_FORTUNES + " fortunes ==");
        out.printf(Locale.ROOT, "training text: %d bytes, %d pieces, %d distinct%n", train.getBytes(StandardCharsets.UTF_8).length,
                words.values().stream().mapToInt(Integer::intValue).sum(), words.size());
        List<byte[]> vocab = new ArrayList<>();
        List<int[]> merges = train(words, MERGES, vocab);
        for (int r = 0; r < 12; r++) {
            int[] m = merges.get(r);
            out.printf(Locale.ROOT, "merge %2d: %-6s + %-6s -> %-8s (%d times)%n", r + 1, show(vocab.get(m[0])), show(vocab.get(m[1])),
                    show(vocab.get(256 + r)), m[2]);
        }

        ByteLevelBpeTokenizer library = new BpeTrainer(256 + MERGES, List.of()).train(train);
        int same = 0;
        while (same < MERGES && Arrays.equals(vocab.get(256 + same), library.tokenBytes(256 + same))) same++;
        out.printf(Locale.ROOT, "our BPE and jgrad's BpeTrainer learn the same first %d merges: %s%n", MERGES, same == MERGES ? "yes" : "NO (" + same + ")");

        out.println();
        out.println("== 3. Compression: bytes per token ==");
        int trainBytes = train.getBytes(StandardCharsets.UTF_8).length, heldBytes = heldOut.getBytes(StandardCharsets.UTF_8).length;
        for (int size : new int[] {256, 356, 756, 2256}) {
            ByteLevelBpeTokenizer tok = new BpeTrainer(size, List.of()).train(train);
            out.printf(Locale.ROOT, "vocabulary %4d: training text %.2f bytes/token, held-out text %.2f bytes/token%n", size,
                    (double) trainBytes / tok.encode(train).length, (double) heldBytes / tok.encode(heldOut).length);
        }
        ByteLevelBpeTokenizer tok = new BpeTrainer(756, List.of()).train(train);
        String sentence = "The programmer's computer refused to compile it.";
        StringBuilder pieces = new StringBuilder();
        for (int id : tok.encode(sentence)) pieces.append(pieces.isEmpty() ? "" : "|").append(new String(tok.tokenBytes(id), StandardCharsets.UTF_8));
        out.println("vocabulary 756 cuts it as: " + pieces);
    }

    /**
     * Learns {@code merges} merges from word counts, naively: every round counts every adjacent pair in every
     * word (weighted by the word's count), merges the most frequent pair (ties: smallest left id, then smallest
     * right id) into a new token with the next id, and rewrites the words. {@code vocab} receives the bytes of
     * every token (ids 0..255 are the bytes). Returns {left, right, count} for each merge.
     */
    static List<int[]> train(Map<String, Integer> wordCounts, int merges, List<byte[]> vocab) {
        for (int b = 0; b < 256; b++) vocab.add(new byte[] {(byte) b});
        List<int[]> words = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        wordCounts.forEach((w, c) -> {
            byte[] bytes = w.getBytes(StandardCharsets.UTF_8);
            int[] ids = new int[bytes.length];
            for (int i = 0; i < ids.length; i++) ids[i] = bytes[i] & 0xFF;
            words.add(ids);
            counts.add(c);
        });
        List<int[]> done = new ArrayList<>();
        for (int r = 0; r < merges; r++) {
            Map<Long, Long> pairs = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                int[] ids = words.get(w);
                for (int i = 0; i + 1 < ids.length; i++) pairs.merge(((long) ids[i] << 32) | ids[i + 1], (long) counts.get(w), Long::sum);
            }
            long bestKey = -1, bestCount = 0;
            for (Map.Entry<Long, Long> e : pairs.entrySet())
                if (e.getValue() > bestCount || (e.getValue() == bestCount && e.getKey() < bestKey)) {
                    bestKey = e.getKey();
                    bestCount = e.getValue();
                }
            if (bestCount == 0) break;
            int left = (int) (bestKey >>> 32), right = (int) bestKey, id = vocab.size();
            byte[] joined = Arrays.copyOf(vocab.get(left), vocab.get(left).length + vocab.get(right).length);
            System.arraycopy(vocab.get(right), 0, joined, vocab.get(left).length, vocab.get(right).length);
            vocab.add(joined);
            words.replaceAll(ids -> merge(ids, left, right, id));
            done.add(new int[] {left, right, (int) bestCount});
        }
        return done;
    }

    /** {@code ids} with every occurrence of (left, right), scanning left to right, replaced by {@code id}. */
    static int[] merge(int[] ids, int left, int right, int id) {
        int[] out = new int[ids.length];
        int n = 0;
        for (int i = 0; i < ids.length; i++) {
            if (i + 1 < ids.length && ids[i] == left && ids[i + 1] == right) {
                out[n++] = id;
                i++;
            } else {
                out[n++] = ids[i];
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** The pre-tokenizer's pieces of {@code text} and how often each occurs (sorted, so the order is fixed). */
    static Map<String, Integer> wordCounts(String text) {
        Map<String, Integer> counts = new TreeMap<>();
        Matcher m = PIECES.matcher(text);
        while (m.find()) counts.merge(m.group(), 1, Integer::sum);
        return counts;
    }

    /** A token's bytes for display, in brackets, with space, newline and tab made visible. */
    static String show(byte[] bytes) {
        return "[" + new String(bytes, StandardCharsets.UTF_8).replace(" ", "␣").replace("\n", "⏎").replace("\t", "⇥") + "]";
    }

    /** The fortunes corpus shipped with the examples (one fortune between lines holding only "%"). */
    static List<String> fortunes() {
        try (InputStream in = new GZIPInputStream(Chapter04.class.getResourceAsStream("/dev/jgrad/examples/corpora/fortunes.txt.gz"))) {
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return Arrays.stream(all.split("\n%\n")).map(String::strip).filter(f -> !f.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the embedded fortunes corpus", e);
        }
    }
}
