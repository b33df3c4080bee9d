package dev.jgrad.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TextCleanerTest {

    private final TextCleaner cleaner = new TextCleaner();

    @Test
    void nfcComposesDecomposedSequences() {
        // Expected code points from the Unicode Character Database's canonical compositions.
        assertEquals("Caf\u00e9", cleaner.clean("Cafe\u0301"));
        assertEquals("\u00c5ngstr\u00f6m", cleaner.clean("A\u030angstro\u0308m"));
        assertEquals("\uac00", cleaner.clean("\u1100\u1161")); // Hangul jamo L+V -> syllable GA
        assertEquals("\u1e69", cleaner.clean("s\u0323\u0307")); // s + dot below + dot above -> U+1E69
    }

    @Test
    void nfcLeavesCompatibilityCharactersAlone() {
        // U+FB01 LATIN SMALL LIGATURE FI only decomposes under NFKC, not NFC.
        assertEquals("\ufb01ne", cleaner.clean("\ufb01ne"));
    }

    @Test
    void controlCharactersAreRemovedButNewlineAndTabKept() {
        String dirty = "a\u0000b\u0007c\u001bd\u007fe\u0085f\u0008g\th\ni";
        assertEquals("abcdefg\th\ni", cleaner.clean(dirty));
    }

    @Test
    void leadingByteOrderMarkIsDroppedInnerOneKept() {
        assertEquals("x\ufeffy", cleaner.clean("\ufeffx\ufeffy"));
    }

    @Test
    void controlRemovalHappensBeforeComposition() {
        // BEL between base and combining accent: once removed, the pair must still compose.
        assertEquals("\u00e9", cleaner.clean("e\u0007\u0301"));
    }

    @Test
    void lineEndsBecomeNewlines() {
        assertEquals("a\nb\nc", cleaner.clean("a\r\nb\rc"));
    }

    @Test
    void spacesCollapseAndTrailingWhitespaceIsStripped() {
        assertEquals("a b\nc d", cleaner.clean("a    b  \t \nc d   "));
        assertEquals("a\t\tb", cleaner.clean("a\t\tb"));      // tabs inside a line are kept
        assertEquals(" indented", cleaner.clean("    indented")); // a leading run collapses to one space
    }

    @Test
    void blankLineRunsAreLimited() {
        String text = "a\n\n\n\n  \n\t\nb";                 // five blank lines, two holding whitespace
        assertEquals("a\n\nb", cleaner.clean(text));          // default: at most one
        assertEquals("a\n\n\n\nb", withMaxBlank(3).clean(text));
        assertEquals("a\nb", withMaxBlank(0).clean(text));
        assertEquals("a\n\nb", withMaxBlank(1).clean("a\n\nb"));
    }

    @Test
    void blankLinesAtTheEdgesAreRemoved() {
        assertEquals("a\n\nb", cleaner.clean("\n\n  \na\n\nb\n\n \n"));
        assertEquals("", cleaner.clean(" \n\t\n"));
    }

    @Test
    void lowercaseIsOptionalAndLocaleIndependent() {
        assertEquals("\u00c9COLE", cleaner.clean("\u00c9COLE"));
        TextCleaner lower = new TextCleaner(TextCleaner.Options.defaults().withLowercase(true));
        assertEquals("\u00e9cole", lower.clean("E\u0301COLE"));
        // U+0130 lowercases (Locale.ROOT) to i + U+0307, which has no precomposed form.
        assertEquals("i\u0307stanbul", lower.clean("\u0130STANBUL"));
    }

    @Test
    void cleaningIsIdempotent() {
        String messy = "\ufeff  Ta\u0301bla \r\n\r\n\r\n\u0007x  y\t \n\n\n\nend  ";
        String once = cleaner.clean(messy);
        assertEquals(" T\u00e1bla\n\nx y\n\nend", once);
        assertEquals(once, cleaner.clean(once));
    }

    @Test
    void stepsCanBeSwitchedOff() {
        TextCleaner none = new TextCleaner(new TextCleaner.Options(false, false, false, 1, false));
        assertEquals("e\u0301\u0007  \n\n\n", none.clean("e\u0301\u0007  \r\n\r\n\n"));
    }

    @Test
    void negativeBlankLineLimitIsRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> withMaxBlank(-1));
        assertEquals("maxConsecutiveBlankLines must be >= 0, got -1", e.getMessage());
    }

    @Test
    void documentsKeepTheirSource() {
        assertEquals(new Document("f.txt#2", "a b"), cleaner.clean(new Document("f.txt#2", "a  b ")));
    }

    private static TextCleaner withMaxBlank(int max) {
        return new TextCleaner(new TextCleaner.Options(true, true, true, max, false));
    }
}
