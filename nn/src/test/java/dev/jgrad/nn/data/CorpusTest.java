package dev.jgrad.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusTest {

    @TempDir
    Path dir;

    @Test
    void wholeFileIsOneDocument() throws IOException {
        Path f = write("a.txt", "line one\n\nline two\n");
        assertEquals(List.of(new Document(f.toString(), "line one\n\nline two\n")), read(Corpus.fromFile(f)));
    }

    @Test
    void blankLinesSeparateDocuments() throws IOException {
        Path f = write("a.txt", "\n\na\nb\n\n  \n\t\n c \n\n\nd");
        assertEquals(List.of(new Document(f + "#0", "a\nb"), new Document(f + "#1", " c "), new Document(f + "#2", "d")),
                read(Corpus.fromFile(f, DocumentBoundary.blankLines())));
    }

    @Test
    void separatorLinesSeparateDocumentsAndInnerBlankLinesStay() throws IOException {
        Path f = write("cookies", "one\n\ntwo\n%\nthree\n%\n%\n  \n%\nfour\n%\n");
        assertEquals(List.of("one\n\ntwo", "three", "four"), texts(Corpus.fromFile(f, DocumentBoundary.separatorLine("%"))));
        Path crlf = write("crlf", "a\r\n%\r\nb\r\n");
        assertEquals(List.of("a\r", "b\r"), texts(Corpus.fromFile(crlf, DocumentBoundary.separatorLine("%"))));
    }

    @Test
    void separatorMustBeOneNonEmptyLine() {
        assertThrows(IllegalArgumentException.class, () -> DocumentBoundary.separatorLine(""));
        var e = assertThrows(IllegalArgumentException.class, () -> DocumentBoundary.separatorLine("a\nb"));
        assertEquals("a separator line must be non-empty and hold no newline, got \"a\\nb\"", e.getMessage());
    }

    @Test
    void directoryIsReadRecursivelyInSortedOrderSkippingHiddenAndBinaryFiles() throws IOException {
        write("b.txt", "B");
        write("a/z.txt", "AZ");
        write("a/b.txt", "AB");
        write("a/c/d.txt", "ACD");
        write(".git/config", "hidden");
        write("a/.hidden.txt", "hidden");
        Files.write(dir.resolve("a/image.png"), new byte[] {(byte) 0x89, 'P', 'N', 0, 1, 2});
        List<String> warnings = new ArrayList<>();
        List<Document> docs = read(Corpus.fromDirectory(dir, DocumentBoundary.wholeFile(),
                Corpus.BinaryFiles.SKIP_WITH_WARNING, warnings::add));
        assertEquals(List.of(new Document("a/b.txt", "AB"), new Document("a/c/d.txt", "ACD"),
                new Document("a/z.txt", "AZ"), new Document("b.txt", "B")), docs);
        assertEquals(List.of("skipping " + dir.resolve("a/image.png") + ": not UTF-8 text (NUL byte at byte offset 3)"), warnings);
    }

    @Test
    void directoryCanRejectBinaryFiles() throws IOException {
        write("a.txt", "fine");
        Files.write(dir.resolve("b.dat"), new byte[] {'o', 'k', (byte) 0xff, 'x'});
        var e = assertThrows(CorpusException.class, () -> read(Corpus.fromDirectory(dir, DocumentBoundary.wholeFile(),
                Corpus.BinaryFiles.FAIL, w -> {})));
        assertEquals(dir.resolve("b.dat") + " is not UTF-8 text: invalid UTF-8 at byte offset 2", e.getMessage());
    }

    @Test
    void invalidUtf8IsReportedWithItsByteOffset() throws IOException {
        Path bad = dir.resolve("bad.txt");
        Files.write(bad, new byte[] {'o', 'k', '\n', (byte) 0xc3, '(', '\n'}); // C3 needs a continuation byte
        var whole = assertThrows(CorpusException.class, () -> read(Corpus.fromFile(bad)));
        assertEquals(bad + " is not UTF-8 text: invalid UTF-8 at byte offset 3", whole.getMessage());
        var lines = assertThrows(CorpusException.class, () -> read(Corpus.fromFile(bad, DocumentBoundary.blankLines())));
        assertEquals(bad + " is not UTF-8 text: invalid UTF-8 at byte offset 3", lines.getMessage());
        Path cut = dir.resolve("cut.txt");
        Files.write(cut, new byte[] {'a', 'b', 'c', (byte) 0xe2, (byte) 0x82}); // euro sign cut short
        var truncated = assertThrows(CorpusException.class, () -> read(Corpus.fromFile(cut)));
        assertEquals(cut + " is not UTF-8 text: invalid UTF-8 at byte offset 3", truncated.getMessage());
    }

    @Test
    void nulBytePastTheSniffWindowStillFails() throws IOException {
        byte[] bytes = ("x".repeat(10_000) + "\n").getBytes(StandardCharsets.US_ASCII);
        bytes[9_000] = 0;
        Files.write(dir.resolve("late.txt"), bytes);
        var e = assertThrows(CorpusException.class, () -> read(Corpus.fromDirectory(dir, DocumentBoundary.blankLines(),
                Corpus.BinaryFiles.SKIP_WITH_WARNING, w -> {})));
        assertEquals(dir.resolve("late.txt") + " is not UTF-8 text: NUL byte at byte offset 9000", e.getMessage());
    }

    @Test
    void emptyCorporaAreRejected() throws IOException {
        Path empty = write("empty.txt", "");
        var e1 = assertThrows(CorpusException.class, () -> read(Corpus.fromFile(empty)));
        assertEquals("empty corpus: " + empty + " holds no non-blank document", e1.getMessage());
        Path blank = write("blank.txt", "\n \n\t\n");
        assertThrows(CorpusException.class, () -> read(Corpus.fromFile(blank, DocumentBoundary.blankLines())));
        Path onlyBinary = dir.resolve("bin");
        Files.createDirectories(onlyBinary);
        Files.write(onlyBinary.resolve("x.bin"), new byte[] {0, 0, 0});
        var e2 = assertThrows(CorpusException.class, () -> read(Corpus.fromDirectory(onlyBinary,
                DocumentBoundary.wholeFile(), Corpus.BinaryFiles.SKIP_WITH_WARNING, w -> {})));
        assertEquals("empty corpus: directory " + onlyBinary + " holds no non-blank document", e2.getMessage());
    }

    @Test
    void missingInputsAreNamed() {
        Path missing = dir.resolve("nope.txt");
        var e = assertThrows(CorpusException.class, () -> Corpus.fromFile(missing));
        assertEquals("corpus file " + missing + " does not exist", e.getMessage());
        assertThrows(CorpusException.class, () -> Corpus.fromDirectory(missing, DocumentBoundary.wholeFile(),
                Corpus.BinaryFiles.FAIL));
    }

    @Test
    void jsonlRecordsAreDocuments() throws IOException {
        Path f = write("c.jsonl", "{\"text\": \"hello\", \"id\": 1}\n\n{\"id\": 2, \"text\": \"w\\u00f6rld\"}\n");
        assertEquals(List.of(new Document(f + ":1", "hello"), new Document(f + ":3", "w\u00f6rld")),
                read(Corpus.fromJsonl(f, "text")));
        Path nested = write("n.jsonl", "{\"meta\": {\"body\": \"deep\"}}\n");
        assertEquals(List.of("deep"), texts(Corpus.fromJsonl(nested, "/meta/body")));
    }

    @Test
    void malformedJsonlLinesAreNamed() throws IOException {
        Path missing = write("m.jsonl", "{\"text\": \"a\"}\n{\"body\": \"b\"}\n");
        assertEquals(missing + ":2: no text field \"text\"",
                assertThrows(CorpusException.class, () -> read(Corpus.fromJsonl(missing, "text"))).getMessage());
        Path number = write("n.jsonl", "{\"text\": 7}\n");
        assertEquals(number + ":1: field \"text\" is NUMBER, not a string",
                assertThrows(CorpusException.class, () -> read(Corpus.fromJsonl(number, "text"))).getMessage());
        Path array = write("a.jsonl", "[1, 2]\n");
        assertEquals(array + ":1: not a JSON object",
                assertThrows(CorpusException.class, () -> read(Corpus.fromJsonl(array, "text"))).getMessage());
        Path broken = write("b.jsonl", "{\"text\": \"a\"\n");
        assertTrue(assertThrows(CorpusException.class, () -> read(Corpus.fromJsonl(broken, "text")))
                .getMessage().startsWith(broken + ":1: invalid JSON: "));
    }

    @Test
    void gzipFilesAreDecompressed() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write("first\n%\nsecond\n".getBytes(StandardCharsets.UTF_8));
        }
        Path f = dir.resolve("x.txt.gz");
        Files.write(f, bytes.toByteArray());
        assertEquals(List.of("first", "second"), texts(Corpus.fromFile(f, DocumentBoundary.separatorLine("%"))));
    }

    @Test
    void documentsAreProducedLazily() {
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 50_000; i++) big.append("document ").append(i).append("\n\n");
        byte[] bytes = big.toString().getBytes(StandardCharsets.US_ASCII); // about 840 KB
        CountingStream in = new CountingStream(bytes);
        try (Stream<Document> docs = Corpus.fromStream("big", in, DocumentBoundary.blankLines())) {
            Iterator<Document> it = docs.iterator();
            assertEquals("document 0", it.next().text());
            assertEquals("document 1", it.next().text());
            assertTrue(in.read <= 1 << 16, "read " + in.read + " bytes of " + bytes.length + " for two documents");
        }
        assertTrue(in.closed, "closing the stream closes the input");
    }

    private static final class CountingStream extends ByteArrayInputStream {
        long read;
        boolean closed;

        CountingStream(byte[] bytes) {
            super(bytes);
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            int n = super.read(b, off, len);
            if (n > 0) read += n;
            return n;
        }

        @Override
        public void close() throws IOException {
            closed = true;
            super.close();
        }
    }

    private Path write(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content, StandardCharsets.UTF_8);
        return f;
    }

    static List<Document> read(Stream<Document> documents) {
        try (documents) {
            return documents.toList();
        }
    }

    static List<String> texts(Stream<Document> documents) {
        return read(documents).stream().map(Document::text).toList();
    }
}
