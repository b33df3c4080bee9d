package dev.jgrad.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CharTokenizerTest {

    /**
     * nanoGPT's data/shakespeare_char/prepare.py prints "all the unique characters:" followed by this string and
     * "vocab size: 65"; Karpathy's "Let's build GPT" shows encode("hii there") = [46, 47, 47, 1, 58, 46, 43, 56, 43].
     */
    @Test
    void matchesNanoGptShakespeareChar() throws IOException {
        String text = Files.readString(TokenizerTestSupport.sharedFile("tinyshakespeare.txt"));
        CharTokenizer t = CharTokenizer.fromText(text);
        assertEquals(65, t.vocabSize());
        StringBuilder chars = new StringBuilder();
        for (int cp : t.codePoints()) chars.appendCodePoint(cp);
        assertEquals("\n !$&',-.3:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", chars.toString());
        assertArrayEquals(new int[] {46, 47, 47, 1, 58, 46, 43, 56, 43}, t.encode("hii there"));
        assertEquals("hii there", t.decode(t.encode("hii there")));
        assertEquals(Tokenizer.NO_ID, t.bosId());
        assertEquals(Tokenizer.NO_ID, t.eosId());
    }

    @Test
    void codePointsNotCharsAndSortedByCodePoint() {
        CharTokenizer t = CharTokenizer.fromText("b\ud83d\ude00a\uffff");
        assertArrayEquals(new int[] {'a', 'b', 0xFFFF, 0x1F600}, t.codePoints()); // U+FFFF sorts before U+1F600
        assertArrayEquals(new int[] {3, 0, 1}, t.encode("\ud83d\ude00ab"));
        assertEquals("\ud83d\ude00", t.piece(3));
    }

    @Test
    void unknownCharacterIsAClearError() {
        CharTokenizer t = CharTokenizer.fromText("abc");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.encode("abXc"));
        assertTrue(e.getMessage().contains("'X' (U+0058) at index 2 is not in the vocabulary of 3 characters"), e.getMessage());
        IllegalArgumentException tab = assertThrows(IllegalArgumentException.class, () -> t.encode("a\tb"));
        assertTrue(tab.getMessage().contains("(U+0009) at index 1"), tab.getMessage());
    }

    @Test
    void saveAndLoad(@TempDir Path dir) throws IOException {
        CharTokenizer t = CharTokenizer.fromText("hello, \u4e16\u754c \ud83d\ude00\n\u0000");
        Path file = dir.resolve("chars.json");
        t.save(file);
        Tokenizer loaded = Tokenizer.load(file);
        assertTrue(loaded instanceof CharTokenizer);
        assertArrayEquals(t.codePoints(), ((CharTokenizer) loaded).codePoints());
        assertArrayEquals(t.encode("hello \ud83d\ude00"), loaded.encode("hello \ud83d\ude00"));
        assertTrue(Files.readString(file).contains("\"type\" : \"jgrad.CharTokenizer\""));
    }

    @Test
    void rejectsUnsortedOrInvalidVocabularies(@TempDir Path dir) throws IOException {
        assertThrows(IllegalArgumentException.class, () -> new CharTokenizer(new int[] {'b', 'a'}));
        assertThrows(IllegalArgumentException.class, () -> new CharTokenizer(new int[] {'a', 'a'}));
        assertThrows(IllegalArgumentException.class, () -> new CharTokenizer(new int[] {0x110000}));
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"type\": \"jgrad.CharTokenizer\", \"version\": 1, \"code_points\": [98, 97]}");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizer.load(bad));
        assertTrue(e.getMessage().contains("bad.json") && e.getMessage().contains("strictly increasing"), e.getMessage());
    }
}
