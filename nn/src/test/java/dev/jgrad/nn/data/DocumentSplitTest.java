package dev.jgrad.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jgrad.nn.data.DocumentSplit.Fractions;
import dev.jgrad.nn.data.DocumentSplit.Part;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DocumentSplitTest {

    private static final Fractions EIGHTY_TEN_TEN = new Fractions(0.8, 0.1, 0.1);

    @Test
    void partsHaveTheRequestedSizesAndAreDisjoint() {
        DocumentSplit split = DocumentSplit.assign(1000, EIGHTY_TEN_TEN, 42);
        assertEquals(800, split.count(Part.TRAIN));
        assertEquals(100, split.count(Part.VALIDATION));
        assertEquals(100, split.count(Part.TEST));
        assertEquals(0, split.count(Part.UNUSED));
        Set<Integer> seen = new HashSet<>();
        for (Part p : Part.values()) for (int i : split.indices(p)) assertTrue(seen.add(i), "document " + i + " in two parts");
        assertEquals(1000, seen.size());
    }

    @Test
    void theAssignmentIsShuffledNotSequential() {
        DocumentSplit split = DocumentSplit.assign(1000, EIGHTY_TEN_TEN, 42);
        long validationInFirst800 = IntStream.range(0, 800).filter(i -> split.part(i) == Part.VALIDATION).count();
        assertTrue(validationInFirst800 > 40, "only " + validationInFirst800 + " validation documents among the first 800");
    }

    @Test
    void sameSeedSameSplitDifferentSeedDifferentSplit() {
        DocumentSplit a = DocumentSplit.assign(500, EIGHTY_TEN_TEN, 7);
        DocumentSplit b = DocumentSplit.assign(500, EIGHTY_TEN_TEN, 7);
        DocumentSplit c = DocumentSplit.assign(500, EIGHTY_TEN_TEN, 8);
        for (Part p : Part.values()) assertArrayEquals(a.indices(p), b.indices(p));
        int differ = 0;
        for (int i = 0; i < 500; i++) if (a.part(i) != c.part(i)) differ++;
        assertTrue(differ > 50, "seeds 7 and 8 differ on only " + differ + " of 500 documents");
    }

    @Test
    void noDocumentTextLeaksAcrossParts() {
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < 97; i++) docs.add(new Document("d" + i, "text of document " + i));
        DocumentSplit split = DocumentSplit.assign(docs.size(), new Fractions(0.7, 0.2, 0.1), 3);
        Set<String> train = new HashSet<>(split.select(docs, Part.TRAIN).stream().map(Document::text).toList());
        List<Document> validation = split.select(docs, Part.VALIDATION);
        List<Document> test = split.select(docs, Part.TEST);
        assertEquals(List.of(68, 19, 10), List.of(train.size(), validation.size(), test.size())); // 67.9, 87.3, 97
        for (Document d : validation) assertTrue(!train.contains(d.text()));
        for (Document d : test) assertTrue(!train.contains(d.text()) && !validation.contains(d));
    }

    @Test
    void streamSelectionMatchesListSelection() {
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < 40; i++) docs.add(new Document("d" + i, "t" + i));
        DocumentSplit split = DocumentSplit.assign(40, EIGHTY_TEN_TEN, 11);
        for (Part p : Part.values()) assertEquals(split.select(docs, p), split.select(docs.stream(), p).toList());
        List<Document> more = new ArrayList<>(docs);
        more.add(new Document("extra", "x"));
        assertThrows(IllegalStateException.class, () -> split.select(more.stream(), Part.TRAIN).toList());
        assertThrows(IllegalArgumentException.class, () -> split.select(more, Part.TRAIN));
    }

    @Test
    void fractionsBelowOneLeaveDocumentsUnused() {
        DocumentSplit split = DocumentSplit.assign(10, new Fractions(0.5, 0.1, 0.1), 0);
        assertEquals(List.of(5, 1, 1, 3), List.of(split.count(Part.TRAIN), split.count(Part.VALIDATION),
                split.count(Part.TEST), split.count(Part.UNUSED)));
    }

    @Test
    void impossibleSplitsAreRejectedClearly() {
        assertEquals("split fractions must sum to at most 1, got 1.1 (train 0.8 + validation 0.2 + test 0.1)",
                assertThrows(IllegalArgumentException.class, () -> new Fractions(0.8, 0.2, 0.1)).getMessage());
        assertEquals("validation fraction must be in [0, 1], got -0.1",
                assertThrows(IllegalArgumentException.class, () -> new Fractions(0.9, -0.1, 0)).getMessage());
        assertEquals("test fraction must be in [0, 1], got NaN",
                assertThrows(IllegalArgumentException.class, () -> new Fractions(0.9, 0, Double.NaN)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Fractions(0, 0, 0));
        // 7 documents: train ends at round(5.6) = 6, validation at round(6.3) = 6: empty.
        assertEquals("validation fraction 0.1 of 7 documents gives no document",
                assertThrows(IllegalArgumentException.class, () -> DocumentSplit.assign(7, EIGHTY_TEN_TEN, 0)).getMessage());
        assertEquals("cannot split 0 documents",
                assertThrows(IllegalArgumentException.class, () -> DocumentSplit.assign(0, EIGHTY_TEN_TEN, 0)).getMessage());
    }

    @Test
    void headTailSplitCutsTheTokenStreamLikeNanoGpt() {
        int[] tokens = IntStream.range(0, 25).toArray();
        TokenSplit split = TokenSplit.headTail(TokenSource.of(tokens), 0.9); // int(25 * 0.9) = 22
        assertEquals(22, split.train().size());
        assertEquals(3, split.validation().size());
        assertEquals(21, split.train().get(21));
        assertEquals(22, split.validation().get(0));
        assertThrows(IndexOutOfBoundsException.class, () -> split.validation().get(3));
        assertEquals("cannot split 5 tokens at fraction 0.1: a part would be empty",
                assertThrows(IllegalArgumentException.class, () -> TokenSplit.headTail(TokenSource.of(new int[5]), 0.1))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> TokenSplit.headTail(TokenSource.of(tokens), 1.0));
    }

    @Test
    void fitsSaysWhetherEveryPartGetsADocument() {
        Fractions f = new Fractions(0.9, 0.05, 0.05);
        // 0.05 of n rounds to at least one document from n = 10 (round(0.5) = 1); below that validation gets none.
        assertEquals(false, DocumentSplit.fits(0, f));
        assertEquals(false, DocumentSplit.fits(1, f));
        assertEquals(false, DocumentSplit.fits(9, f));
        // n = 10: train 9, validation round(9.5) - 9 = 1, test 10 - 10 = 0: the test part still gets none.
        assertEquals(false, DocumentSplit.fits(10, f));
        assertEquals(true, DocumentSplit.fits(30, f));
        for (int n = 1; n <= 60; n++) {
            final int count = n;
            boolean assignable;
            try {
                DocumentSplit.assign(count, f, 1);
                assignable = true;
            } catch (IllegalArgumentException e) {
                assignable = false;
            }
            assertEquals(assignable, DocumentSplit.fits(count, f), "n = " + n);
        }
        assertTrue(DocumentSplit.fits(1, new Fractions(1, 0, 0)), "one document can all train");
    }
}
