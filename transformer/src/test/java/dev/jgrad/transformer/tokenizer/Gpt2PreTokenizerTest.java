package dev.jgrad.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class Gpt2PreTokenizerTest {

    private static List<String> scan(String text) {
        List<String> out = new ArrayList<>();
        Gpt2PreTokenizer.split(text, (s, e) -> out.add(text.substring(s, e)));
        return out;
    }

    private static List<String> regex(String text) {
        List<String> out = new ArrayList<>();
        Gpt2PreTokenizer.splitWithRegex(text, (s, e) -> out.add(text.substring(s, e)));
        return out;
    }

    /** Pieces worked out by hand from the expression's alternatives (first match wins, greedy, lookahead). */
    @Test
    void handWorkedExamples() {
        assertEquals(List.of("Hello", ",", " world", "!"), scan("Hello, world!"));
        assertEquals(List.of("I", "'m", " sure", " it", "'s", " they", "'re"), scan("I'm sure it's they're"));
        assertEquals(List.of("DON", "'", "T"), scan("DON'T")); // contractions are lower-case only
        assertEquals(List.of("a", " ", " b"), scan("a  b")); // the run leaves its last space to the word
        assertEquals(List.of("a", "  ", " b"), scan("a   b"));
        assertEquals(List.of("a", "\n", "b"), scan("a\nb")); // a single whitespace before a word stands alone
        assertEquals(List.of("a", "\n", "\n", "b"), scan("a\n\nb"));
        assertEquals(List.of("a", " \n", "\n", "b"), scan("a \n\nb"));
        assertEquals(List.of("x", "   "), scan("x   ")); // at the end the whole run is one piece
        assertEquals(List.of(" 123", " 45"), scan(" 123 45"));
        assertEquals(List.of("3", ".", "14"), scan("3.14"));
        assertEquals(List.of("''", "s"), scan("''s"));
        assertEquals(List.of(" '", "s"), scan(" 's"));
        assertEquals(List.of("?!", " ...", "\u00a0", "x"), scan("?! ...\u00a0x")); // NBSP is whitespace
        assertEquals(List.of("\ufeff", "x"), scan("\ufeffx")); // so is U+FEFF in JavaScript
        assertEquals(List.of("\u0085", "x"), scan("\u0085x")); // but U+0085 (a control) is not: it is "other"
    }

    @Test
    void scannerEqualsTheRegularExpression() {
        RandomText random = new RandomText(42, true);
        for (int i = 0; i < 20_000; i++) {
            String s = random.next(i % 20 == 0 ? 300 : 30);
            assertEquals(regex(s), scan(s), "string " + i + ": " + TokenizerTestSupport.escape(s));
        }
        String stress = TokenizerTestSupport.resourceText("unicode-stress.txt");
        assertEquals(regex(stress), scan(stress));
        assertEquals(regex("\ud800a\udc00 \udbff"), scan("\ud800a\udc00 \udbff")); // lone surrogates
    }
}
