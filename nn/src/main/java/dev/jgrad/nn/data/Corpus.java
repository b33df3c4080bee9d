package dev.jgrad.nn.data;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import java.util.zip.GZIPInputStream;

/**
 * Reads corpora as lazy streams of {@link Document}s, so a corpus larger than memory can be
 * cleaned, deduplicated and tokenised in one pass. Each stream holds at most one open file and
 * one document in memory (with {@link DocumentBoundary#wholeFile()} a document is a whole file,
 * so each file must fit); close it (try-with-resources) to release the file if you stop early.
 *
 * <p>Sources: one file ({@link #fromFile}), a directory tree ({@link #fromDirectory}), a JSONL file
 * with one record per document ({@link #fromJsonl}), or any input stream ({@link #fromStream}, e.g.
 * a classpath resource). A file whose name ends in {@code .gz} is decompressed on the fly.
 *
 * <p>Text is UTF-8, strictly: a NUL byte or a malformed sequence raises a {@link CorpusException}
 * naming the file and byte offset (offsets count decompressed bytes for {@code .gz} files). A
 * corpus that yields no non-blank document raises {@code CorpusException("empty corpus ...")}
 * when the stream reaches its end.
 */
public final class Corpus {

    /** What {@link #fromDirectory} does with a file that is not UTF-8 text. */
    public enum BinaryFiles {
        /** Skip it, reporting {@code "skipping <file>: not UTF-8 text (<why>)"} to the warning sink. */
        SKIP_WITH_WARNING,
        /** Stop with a {@link CorpusException}. */
        FAIL
    }

    private static final System.Logger LOG = System.getLogger(Corpus.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private Corpus() {}

    /** The whole file as one document. */
    public static Stream<Document> fromFile(Path file) {
        return fromFile(file, DocumentBoundary.wholeFile());
    }

    /** The documents of one text file, split by {@code boundary}. */
    public static Stream<Document> fromFile(Path file, DocumentBoundary boundary) {
        Objects.requireNonNull(boundary, "boundary");
        requireRegularFile(file);
        InputStream in = open(file);
        return stream(nonEmpty(documents(in, file.toString(), file.toString(), boundary), file.toString()), in);
    }

    /** The documents of a stream (closed with the returned stream), split by {@code boundary}. */
    public static Stream<Document> fromStream(String name, InputStream in, DocumentBoundary boundary) {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(boundary, "boundary");
        return stream(nonEmpty(documents(in, name, name, boundary), name), in);
    }

    /**
     * All text files under {@code root}, recursively, in the order of their relative paths (with
     * {@code /} separators, compared as strings), so every machine reads them in the same order.
     * Files and directories whose names start with {@code .} are ignored. Binary files are
     * detected from their first 8 KiB (NUL byte or invalid UTF-8) and skipped with a warning to
     * the {@link System.Logger}, or rejected, per {@code binaryFiles}; a file that turns out not
     * to be text further in always raises a {@link CorpusException}.
     */
    public static Stream<Document> fromDirectory(Path root, DocumentBoundary boundary, BinaryFiles binaryFiles) {
        return fromDirectory(root, boundary, binaryFiles,
                message -> LOG.log(System.Logger.Level.WARNING, message));
    }

    /** As {@link #fromDirectory(Path, DocumentBoundary, BinaryFiles)}, warnings going to {@code warnings}. */
    public static Stream<Document> fromDirectory(Path root, DocumentBoundary boundary, BinaryFiles binaryFiles,
                                                 Consumer<String> warnings) {
        Objects.requireNonNull(boundary, "boundary");
        Objects.requireNonNull(binaryFiles, "binaryFiles");
        Objects.requireNonNull(warnings, "warnings");
        if (!Files.isDirectory(root)) throw new CorpusException("corpus directory " + root + " does not exist");
        DirectoryDocuments documents = new DirectoryDocuments(root, listFiles(root), boundary, binaryFiles, warnings);
        return StreamSupport.stream(spliterator(nonEmpty(documents, "directory " + root)), false)
                .onClose(documents::closeCurrent);
    }

    /**
     * One document per non-blank line of a JSONL file, its text taken from {@code textField}: a
     * property name ({@code "text"}) or, when it starts with {@code /}, a JSON Pointer
     * ({@code "/meta/body"}). Documents are named {@code file:line}. A line that is not a JSON
     * object, lacks the field, or holds a non-string there raises a {@link CorpusException}
     * naming the file and line.
     */
    public static Stream<Document> fromJsonl(Path file, String textField) {
        Objects.requireNonNull(textField, "textField");
        if (textField.isEmpty()) throw new IllegalArgumentException("textField must not be empty");
        requireRegularFile(file);
        InputStream in = open(file);
        Utf8Text.Lines lines = new Utf8Text.Lines(in, file.toString());
        Iterator<Document> records = new LookaheadIterator<>() {
            @Override
            Document advance() {
                String line;
                while ((line = lines.next()) != null) {
                    if (line.isBlank()) continue;
                    String where = file + ":" + lines.lineNumber();
                    return new Document(where, jsonText(line, textField, where));
                }
                return null;
            }
        };
        return stream(nonEmpty(records, file.toString()), in);
    }

    private static String jsonText(String line, String textField, String where) {
        JsonNode record;
        try {
            record = JSON.readTree(line);
        } catch (JacksonException e) {
            throw new CorpusException(where + ": invalid JSON: " + e.getOriginalMessage(), e);
        }
        if (record == null || !record.isObject()) throw new CorpusException(where + ": not a JSON object");
        JsonNode text = textField.startsWith("/") ? record.at(textField) : record.get(textField);
        if (text == null || text.isMissingNode())
            throw new CorpusException(where + ": no text field \"" + textField + "\"");
        if (!text.isTextual())
            throw new CorpusException(where + ": field \"" + textField + "\" is " + text.getNodeType() + ", not a string");
        return text.textValue();
    }

    // ---- documents of one stream ----------------------------------------------------------------

    /**
     * The documents of one stream, split by {@code boundary}; blank documents are dropped.
     * Documents are named after {@code source}; errors name {@code file}.
     */
    static Iterator<Document> documents(InputStream in, String source, String file, DocumentBoundary boundary) {
        if (boundary.kind() == DocumentBoundary.Kind.WHOLE_FILE) {
            return new LookaheadIterator<>() {
                boolean done;

                @Override
                Document advance() {
                    if (done) return null;
                    done = true;
                    byte[] bytes = readAll(in, file);
                    String text = Utf8Text.decode(bytes, bytes.length, file, 0);
                    return text.isBlank() ? null : new Document(source, text);
                }
            };
        }
        Utf8Text.Lines lines = new Utf8Text.Lines(in, file);
        boolean blankLines = boundary.kind() == DocumentBoundary.Kind.BLANK_LINES;
        return new LookaheadIterator<>() {
            int index;

            @Override
            Document advance() {
                StringBuilder text = new StringBuilder();
                boolean hasContent = false;
                String line;
                while ((line = lines.next()) != null) {
                    boolean boundaryLine = blankLines
                            ? line.isBlank()
                            : stripCarriageReturn(line).equals(boundary.separator());
                    if (boundaryLine) {
                        if (hasContent) break;
                        text.setLength(0); // only blank lines so far: not a document
                        continue;
                    }
                    if (!text.isEmpty()) text.append('\n');
                    text.append(line);
                    hasContent |= !line.isBlank();
                }
                if (!hasContent) return null;
                return new Document(source + "#" + index++, text.toString());
            }
        };
    }

    private static String stripCarriageReturn(String line) {
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    // ---- directories -----------------------------------------------------------------------------

    private static List<Path> listFiles(Path root) {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(Files::isRegularFile)
                    .filter(p -> !isHidden(root.relativize(p)))
                    .forEach(files::add);
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + root, e);
        }
        files.sort((a, b) -> relativeName(root, a).compareTo(relativeName(root, b)));
        return files;
    }

    private static boolean isHidden(Path relative) {
        for (Path part : relative) if (part.toString().startsWith(".")) return true;
        return false;
    }

    private static String relativeName(Path root, Path file) {
        return root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }

    /** Walks the listed files one at a time: sniff, then stream its documents. */
    private static final class DirectoryDocuments extends LookaheadIterator<Document> {
        private final Path root;
        private final ArrayDeque<Path> pending;
        private final DocumentBoundary boundary;
        private final BinaryFiles binaryFiles;
        private final Consumer<String> warnings;
        private InputStream current;
        private Iterator<Document> currentDocuments;

        DirectoryDocuments(Path root, List<Path> files, DocumentBoundary boundary, BinaryFiles binaryFiles,
                           Consumer<String> warnings) {
            this.root = root;
            this.pending = new ArrayDeque<>(files);
            this.boundary = boundary;
            this.binaryFiles = binaryFiles;
            this.warnings = warnings;
        }

        @Override
        Document advance() {
            while (true) {
                if (currentDocuments != null && currentDocuments.hasNext()) return currentDocuments.next();
                closeCurrent();
                if (pending.isEmpty()) return null;
                Path file = pending.removeFirst();
                String name = relativeName(root, file);
                InputStream in = new BufferedInputStream(open(file), Utf8Text.SNIFF_BYTES * 2);
                try {
                    in.mark(Utf8Text.SNIFF_BYTES + 1);
                    var notText = Utf8Text.sniff(in);
                    in.reset();
                    if (notText.isPresent()) {
                        in.close();
                        if (binaryFiles == BinaryFiles.FAIL) throw Utf8Text.notText(file.toString(), notText.get());
                        warnings.accept("skipping " + file + ": not UTF-8 text (" + notText.get() + ")");
                        continue;
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("reading " + file, e);
                }
                current = in;
                currentDocuments = documents(in, name, file.toString(), boundary);
            }
        }

        void closeCurrent() {
            if (current == null) return;
            try {
                current.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                current = null;
                currentDocuments = null;
            }
        }
    }

    // ---- plumbing --------------------------------------------------------------------------------

    private static void requireRegularFile(Path file) {
        if (!Files.isRegularFile(file)) throw new CorpusException("corpus file " + file + " does not exist");
    }

    private static InputStream open(Path file) {
        try {
            InputStream in = Files.newInputStream(file);
            return file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in;
        } catch (IOException e) {
            throw new UncheckedIOException("opening " + file, e);
        }
    }

    private static byte[] readAll(InputStream in, String source) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + source, e);
        }
    }

    /** Fails at the end of the stream when it produced no document at all. */
    private static Iterator<Document> nonEmpty(Iterator<Document> documents, String what) {
        return new LookaheadIterator<>() {
            long produced;

            @Override
            Document advance() {
                if (documents.hasNext()) {
                    produced++;
                    return documents.next();
                }
                if (produced == 0) throw new CorpusException("empty corpus: " + what + " holds no non-blank document");
                return null;
            }
        };
    }

    private static Stream<Document> stream(Iterator<Document> documents, InputStream toClose) {
        return StreamSupport.stream(spliterator(documents), false).onClose(() -> {
            try {
                toClose.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static Spliterator<Document> spliterator(Iterator<Document> documents) {
        return Spliterators.spliteratorUnknownSize(documents, Spliterator.ORDERED | Spliterator.NONNULL);
    }

    /** An iterator defined by one method that returns the next element or {@code null} at the end. */
    abstract static class LookaheadIterator<T> implements Iterator<T> {
        private T next;
        private boolean finished;

        abstract T advance();

        @Override
        public boolean hasNext() {
            if (next == null && !finished) {
                next = advance();
                finished = next == null;
            }
            return next != null;
        }

        @Override
        public T next() {
            if (!hasNext()) throw new NoSuchElementException();
            T result = next;
            next = null;
            return result;
        }
    }
}
