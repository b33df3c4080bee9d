package dev.jgrad.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {

    private static String[][] merges(ByteLevelBpeTokenizer t) {
        String[][] out = new String[t.mergeCount()][];
        for (int r = 0; r < out.length; r++) out[r] = t.merge(r);
        return out;
    }

    /**
     * Wikipedia's byte-pair-encoding example "aaabdaaabac", worked by hand. Pairs: aa 4, ab 2, bd da ba ac 1.
     * 1) merge (a, a); "aaab" becomes "aa a b" (left to right), so the word is aa a b d aa a b a c.
     * 2) (aa, a) and (a, b) both occur twice: the tie goes to the smaller left id, 'a' (97) before aa (256).
     * 3) the word is aa ab d aa ab a c: (aa, ab) occurs twice.
     * 4) all remaining pairs occur once — (aaab, d), (d, aaab), (aaab, a), (a, c): smallest left id is a (97).
     * These are Wikipedia's Z=aa, Y=ab, X=ZY, then "ac".
     */
    @Test
    void wikipediaExampleByHand() {
        ByteLevelBpeTokenizer t = new BpeTrainer(256 + 4 + 1).train("aaabdaaabac");
        assertArrayEquals(new String[][] {{"a", "a"}, {"a", "b"}, {"aa", "ab"}, {"a", "c"}}, merges(t));
        assertEquals(261, t.vocabSize());
        assertEquals("aa", t.piece(256));
        assertEquals("aaab", t.piece(258));
        assertEquals("<|endoftext|>", t.piece(260));
        assertEquals(260, t.eosId());
        assertArrayEquals(new int[] {258, 'd', 258, 259}, t.encode("aaabdaaabac"));
    }

    /**
     * GPT-2 pre-tokenization keeps the space with the word: "to be or not to be" is the pieces to, Ġbe,
     * Ġor, Ġnot, Ġto, Ġbe. Pair counts: (Ġ,b) 2, (b,e) 2, (t,o) 2 (from "to" and "Ġto"), all others 1.
     * 1) ties at 2 go to the smallest left id: Ġ (byte 0x20 = 32) beats b (98) and t (116): merge (Ġ, b).
     * 2) now (Ġb, e) 2 and (t, o) 2: t (116) beats Ġb (256): merge (t, o).
     * 3) merge (Ġb, e).
     */
    @Test
    void pretokenizedWordsByHand() {
        ByteLevelBpeTokenizer t = new BpeTrainer(256 + 3, List.of()).train("to be or not to be");
        assertArrayEquals(new String[][] {{"\u0120", "b"}, {"t", "o"}, {"\u0120b", "e"}}, merges(t));
        assertEquals(259, t.vocabSize());
        assertEquals(Tokenizer.NO_ID, t.eosId());
        assertArrayEquals(new int[] {257, 258}, t.encode("to be"));
    }

    @Test
    void vocabularySizeIsHonouredAndSpecialTokensComeLast() throws IOException {
        String text = Files.readString(TokenizerTestSupport.sharedFile("tinyshakespeare.txt"));
        ByteLevelBpeTokenizer t = new BpeTrainer(1000, List.of("<|endoftext|>", "<|pad|>")).train(text);
        assertEquals(1000, t.vocabSize());
        assertEquals(998, t.specialTokens().get("<|endoftext|>"));
        assertEquals(999, t.specialTokens().get("<|pad|>"));
        assertTrue(t.mergeCount() >= 1000 - 256 - 2);
        assertEquals(text, t.decode(t.encode(text)));
        assertTrue(t.encode(text).length < text.length() / 2, "1000 tokens should compress Shakespeare 2x");
    }

    /** A corpus with fewer distinct pairs than the requested vocabulary stops when the pairs run out. */
    @Test
    void smallCorpusStopsEarly() {
        ByteLevelBpeTokenizer t = new BpeTrainer(1000).train("abab");
        // (a,b) 2, (b,a) 1 -> ab; then (ab,ab) 1 -> abab; nothing left
        assertArrayEquals(new String[][] {{"a", "b"}, {"ab", "ab"}}, merges(t));
        assertEquals(256 + 2 + 1, t.vocabSize());
    }

    @Test
    void deterministicAndSaveLoadGivesSameIds(@TempDir Path dir) throws IOException {
        String text = Files.readString(TokenizerTestSupport.sharedFile("tinyshakespeare.txt"));
        List<String> documents = List.of(text.substring(0, 400_000), text.substring(400_000));
        Path first = dir.resolve("first.json");
        Path second = dir.resolve("second.json");
        ByteLevelBpeTokenizer trained = new BpeTrainer(2000).train(documents);
        trained.saveHuggingFaceJson(first);
        new BpeTrainer(2000).train(documents).saveHuggingFaceJson(second);
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second), "same corpus, same tokenizer.json bytes");

        Tokenizer loaded = Tokenizer.load(first);
        assertTrue(loaded instanceof ByteLevelBpeTokenizer);
        assertEquals(2000, loaded.vocabSize());
        String stress = TokenizerTestSupport.resourceText("unicode-stress.txt");
        assertArrayEquals(trained.encode(text), loaded.encode(text));
        assertArrayEquals(trained.encode(stress), loaded.encode(stress));
        assertEquals(stress, loaded.decode(loaded.encode(stress)));
    }

    @Test
    void invalidConfiguration() {
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class, () -> new BpeTrainer(100));
        assertTrue(small.getMessage().contains("below 256"), small.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BpeTrainer(300, List.of("<x>", "<x>")));
    }

    /**
     * The trainer's incremental pair counts against the algorithm read literally: recount every pair of every word
     * before each merge. Words of few letters repeat letters ("aaaa"), so merges overlap and touch each other.
     */
    @Test
    void incrementalCountsMatchRecountingEveryPair() {
        java.util.Random random = new java.util.Random(11);
        for (int trial = 0; trial < 20; trial++) {
            StringBuilder text = new StringBuilder();
            for (int w = 0; w < 300; w++) {
                text.append(' ');
                int len = 1 + random.nextInt(8);
                for (int i = 0; i < len; i++) text.append("aab".charAt(random.nextInt(3)));
            }
            ByteLevelBpeTokenizer t = new BpeTrainer(256 + 30 + 1).train(text.toString());
            assertArrayEquals(recountingMerges(text.toString(), 30), merges(t), "trial " + trial);
        }
    }

    /** Up to {@code n} merges, each chosen by counting all pairs anew; ties to the smaller left, then right id. */
    private static String[][] recountingMerges(String text, int n) {
        java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
        Gpt2PreTokenizer.split(text, (s, e) -> counts.merge(text.substring(s, e), 1, Integer::sum));
        List<String> pieces = new java.util.ArrayList<>();
        for (int b = 0; b < 256; b++) pieces.add(String.valueOf(ByteLevel.charOf(b)));
        List<int[]> words = new java.util.ArrayList<>();
        List<Integer> weights = new java.util.ArrayList<>();
        counts.forEach((word, c) -> {
            byte[] bytes = word.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int[] ids = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) ids[i] = bytes[i] & 0xFF;
            words.add(ids);
            weights.add(c);
        });
        List<String[]> out = new java.util.ArrayList<>();
        while (out.size() < n) {
            java.util.Map<Long, Long> pairs = new java.util.HashMap<>();
            for (int w = 0; w < words.size(); w++)
                for (int i = 0; i + 1 < words.get(w).length; i++)
                    pairs.merge((long) words.get(w)[i] << 32 | words.get(w)[i + 1], (long) weights.get(w), Long::sum);
            if (pairs.isEmpty()) break;
            long best = -1, bestCount = 0;
            for (var e : pairs.entrySet())
                if (e.getValue() > bestCount || (e.getValue() == bestCount && e.getKey() < best)) {
                    best = e.getKey();
                    bestCount = e.getValue();
                }
            int left = (int) (best >>> 32), right = (int) best;
            String spelling = pieces.get(left) + pieces.get(right);
            int merged = pieces.indexOf(spelling);
            if (merged < 0) {
                merged = pieces.size();
                pieces.add(spelling);
            }
            out.add(new String[] {pieces.get(left), pieces.get(right)});
            for (int w = 0; w < words.size(); w++) {
                int[] word = words.get(w);
                int[] next = new int[word.length];
                int o = 0;
                for (int i = 0; i < word.length; i++) {
                    if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
                        next[o++] = merged;
                        i++;
                    } else {
                        next[o++] = word[i];
                    }
                }
                words.set(w, java.util.Arrays.copyOf(next, o));
            }
        }
        return out.toArray(new String[0][]);
    }

    /** A word longer than MAX_WORD_CHARS (a corpus that is one line without spaces) is learned from in pieces. */
    @Test
    void aVeryLongWordIsCountedInPieces() {
        String word = "ab".repeat(5_000);                         // one pre-token of 10,000 characters
        ByteLevelBpeTokenizer t = new BpeTrainer(256 + 40 + 1).train(word);
        int longest = 0;
        for (int id = 0; id < t.vocabSize(); id++) longest = Math.max(longest, t.piece(id).length());
        assertEquals(BpeTrainer.MAX_WORD_CHARS, longest, "the longest token is one whole piece of the word");
        assertEquals(word, t.decode(t.encode(word)));
    }
}
