package dev.jgrad.nn.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A tokenised corpus on disk, memory-mapped for reading (like nanoGPT's {@code train.bin}), so
 * the second run skips tokenisation and a corpus larger than memory trains from the page cache.
 *
 * <p>File layout, all little-endian:
 * <pre>
 *   offset size
 *     0     8  magic "JGRADTOK"
 *     8     4  format version (1)
 *    12     4  bytes per token: 2 (uint16, when vocabSize &lt;= 65536) or 4 (int32)
 *    16     4  vocabSize
 *    20     4  reserved, 0
 *    24     8  token count N
 *    32     8  document count D
 *    40    32  fingerprint: SHA-256 of the source text and tokenizer (see {@link #fingerprint})
 *    72     8  CRC32C of everything after the header (tokens then document starts)
 *    80     4  CRC32C of bytes [0, 80)
 *    84    44  zero
 *   128   N·w  tokens
 *     .   D·8  int64 offset of each document's first token
 * </pre>
 *
 * Documents are packed as in {@link PackedTokens}: an optional separator token between
 * consecutive documents. Opening checks the magic, version, header checksum, the exact file
 * length (a truncated file is caught without reading it) and the payload checksum (one pass over
 * the file); any mismatch is a {@link CorpusException} naming the file and the problem.
 * {@link #openOrBuild} rebuilds such a file, and also one whose fingerprint differs from the
 * current corpus and tokenizer.
 */
public final class TokenCache implements TokenSource, AutoCloseable {

    static final int HEADER_BYTES = 128;
    static final int VERSION = 1;
    private static final byte[] MAGIC = "JGRADTOK".getBytes(StandardCharsets.US_ASCII);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Tokenised with the key's tokenizer and folded into the fingerprint: a changed tokenizer changes it. */
    static final String PROBE = "The quick brown fox, 1611 A.D.\n\tjumps over the lazy dog. Æsop naïve 你好 🙂 <|endoftext|>";

    /** What identifies the tokenisation. */
    public record Key(String tokenizerId, int vocabSize, OptionalInt separator) {
        public Key {
            Objects.requireNonNull(tokenizerId, "tokenizerId");
            Objects.requireNonNull(separator, "separator");
            if (vocabSize <= 0) throw new IllegalArgumentException("vocabSize must be positive, got " + vocabSize);
            if (separator.isPresent() && (separator.getAsInt() < 0 || separator.getAsInt() >= vocabSize))
                throw new IllegalArgumentException("separator " + separator.getAsInt() + " is outside vocabSize " + vocabSize);
        }

        /** 2 bytes per token when every id fits in uint16, else 4. */
        public int bytesPerToken() {
            return vocabSize <= 65536 ? 2 : 4;
        }
    }

    /** How {@link #openOrBuild} came by this cache. */
    public enum Status { LOADED, BUILT, REBUILT_STALE, REBUILT_CORRUPT }

    private final Path file;
    private final Arena arena;
    private final MemorySegment segment;
    private final int bytesPerToken;
    private final int vocabSize;
    private final long tokenCount;
    private final long documentCount;
    private final byte[] fingerprint;
    private final Status status;

    private TokenCache(Path file, Arena arena, MemorySegment segment, Status status) {
        this.file = file;
        this.arena = arena;
        this.segment = segment;
        this.bytesPerToken = segment.get(I32, 12);
        this.vocabSize = segment.get(I32, 16);
        this.tokenCount = segment.get(I64, 24);
        this.documentCount = segment.get(I64, 32);
        this.fingerprint = segment.asSlice(40, 32).toArray(ValueLayout.JAVA_BYTE);
        this.status = status;
    }

    // ---- open or build ---------------------------------------------------------------------------

    /**
     * Opens {@code file} if it holds this corpus tokenised by this tokenizer; otherwise (missing,
     * stale or corrupt) tokenises {@code corpus} into it and opens the result.
     *
     * @param corpus    supplies the documents afresh on each call: once to fingerprint, once more
     *                  to tokenise if a build is needed
     * @param tokenizer maps a document's text to ids in {@code [0, key.vocabSize())}
     */
    public static TokenCache openOrBuild(Path file, Supplier<Stream<Document>> corpus,
                                         Function<String, int[]> tokenizer, Key key) {
        byte[] expected = fingerprint(corpus, tokenizer, key);
        Status status = Status.BUILT;
        if (Files.exists(file)) {
            try {
                TokenCache existing = open(file, Status.LOADED);
                if (Arrays.equals(existing.fingerprint, expected) && existing.vocabSize == key.vocabSize()) return existing;
                existing.close();
                status = Status.REBUILT_STALE;
            } catch (CorpusException corrupt) {
                System.getLogger(TokenCache.class.getName()).log(System.Logger.Level.WARNING,
                        "rebuilding token cache: " + corrupt.getMessage());
                status = Status.REBUILT_CORRUPT;
            }
        }
        try (Stream<Document> documents = corpus.get()) {
            write(file, documents, tokenizer, key, expected);
        }
        return open(file, status);
    }

    /** Opens and verifies an existing cache. */
    public static TokenCache open(Path file) {
        return open(file, Status.LOADED);
    }

    private static TokenCache open(Path file, Status status) {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long length = channel.size();
            if (length < HEADER_BYTES)
                throw corrupt(file, "file is " + length + " bytes, shorter than the " + HEADER_BYTES + "-byte header (truncated?)");
            MemorySegment segment = channel.map(FileChannel.MapMode.READ_ONLY, 0, length, arena);
            verify(file, segment, length);
            return new TokenCache(file, arena, segment, status);
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("opening token cache " + file, e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static void verify(Path file, MemorySegment s, long length) {
        if (!Arrays.equals(s.asSlice(0, 8).toArray(ValueLayout.JAVA_BYTE), MAGIC))
            throw corrupt(file, "bad magic, not a jgrad token cache");
        int version = s.get(I32, 8);
        if (version != VERSION) throw corrupt(file, "format version " + version + ", this build reads " + VERSION);
        if (crc(s, 0, 80) != Integer.toUnsignedLong(s.get(I32, 80))) throw corrupt(file, "header checksum mismatch");
        int width = s.get(I32, 12);
        int vocab = s.get(I32, 16);
        long tokens = s.get(I64, 24);
        long documents = s.get(I64, 32);
        if (!(width == 2 || width == 4) || vocab <= 0 || tokens < 0 || documents < 0 || (width == 2) != (vocab <= 65536))
            throw corrupt(file, "inconsistent header: " + width + " bytes per token, vocabSize " + vocab
                    + ", " + tokens + " tokens, " + documents + " documents");
        long expectedLength = HEADER_BYTES + tokens * width + documents * 8;
        if (length != expectedLength)
            throw corrupt(file, "expected " + expectedLength + " bytes for " + tokens + " tokens and " + documents
                    + " documents, found " + length + (length < expectedLength ? " (truncated)" : ""));
        if (crc(s, HEADER_BYTES, length - HEADER_BYTES) != s.get(I64, 72))
            throw corrupt(file, "payload checksum mismatch (the token data is damaged)");
    }

    private static CorpusException corrupt(Path file, String why) {
        return new CorpusException("token cache " + file + " is unusable: " + why);
    }

    private static long crc(MemorySegment s, long offset, long length) {
        CRC32C crc = new CRC32C();
        for (long done = 0; done < length; ) {
            long chunk = Math.min(length - done, 1L << 30);
            crc.update(s.asSlice(offset + done, chunk).asByteBuffer());
            done += chunk;
        }
        return crc.getValue();
    }

    // ---- fingerprint and write -------------------------------------------------------------------

    /**
     * SHA-256 over: the format version, the key (tokenizer id, vocabulary size, separator), the
     * tokenizer's ids for a fixed probe text, and every document's UTF-8 text with its length.
     * Reading the source is needed, tokenising it is not.
     */
    public static byte[] fingerprint(Supplier<Stream<Document>> corpus, Function<String, int[]> tokenizer, Key key) {
        MessageDigest sha = sha256();
        ByteBuffer scalars = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        sha.update(("jgrad-token-cache/" + VERSION + "\0" + key.tokenizerId() + "\0").getBytes(StandardCharsets.UTF_8));
        sha.update(scalars.clear().putInt(key.vocabSize()).putInt(key.separator().orElse(-1)).array());
        for (int id : probe(tokenizer)) sha.update(scalars.clear().putInt(id).putInt(0).array());
        try (Stream<Document> documents = corpus.get()) {
            Iterator<Document> it = documents.iterator();
            while (it.hasNext()) {
                byte[] text = it.next().text().getBytes(StandardCharsets.UTF_8);
                sha.update(scalars.clear().putLong(text.length).array());
                sha.update(text);
            }
        }
        return sha.digest();
    }

    /**
     * The tokenizer's ids for the probe text. A tokenizer with a closed alphabet (characters) may reject parts of
     * it: then each code point is encoded alone, and a rejected one contributes the marker -2.
     */
    static int[] probe(Function<String, int[]> tokenizer) {
        try {
            return tokenizer.apply(PROBE);
        } catch (RuntimeException rejected) {
            java.util.List<Integer> ids = new java.util.ArrayList<>();
            PROBE.codePoints().forEach(cp -> {
                try {
                    for (int id : tokenizer.apply(Character.toString(cp))) ids.add(id);
                } catch (RuntimeException e) {
                    ids.add(-2);
                }
            });
            return ids.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /** Tokenises {@code documents} into {@code file} (written to a temporary file, then moved into place). */
    static void write(Path file, Stream<Document> documents, Function<String, int[]> tokenizer, Key key,
                      byte[] fingerprint) {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        int width = key.bytesPerToken();
        CRC32C payloadCrc = new CRC32C();
        long tokens = 0;
        long[] starts = new long[1024];
        int documentCount = 0;
        try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            out.position(HEADER_BYTES);
            final ByteBuffer buffer = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            Iterator<Document> it = documents.iterator();
            while (it.hasNext()) {
                Document document = it.next();
                int[] ids = tokenizer.apply(document.text());
                if (documentCount > 0 && key.separator().isPresent()) {
                    put(out, buffer, payloadCrc, key.separator().getAsInt(), width);
                    tokens++;
                }
                if (documentCount == starts.length) starts = Arrays.copyOf(starts, 2 * documentCount);
                starts[documentCount++] = tokens;
                for (int p = 0; p < ids.length; p++) {
                    if (ids[p] < 0 || ids[p] >= key.vocabSize())
                        throw new IllegalArgumentException("tokenizer gave id " + ids[p] + " at position " + p + " of "
                                + document.source() + ", outside vocabSize " + key.vocabSize());
                    put(out, buffer, payloadCrc, ids[p], width);
                }
                tokens += ids.length;
            }
            if (tokens == 0) throw new CorpusException("empty corpus: " + documentCount + " documents tokenised to 0 tokens");
            for (int d = 0; d < documentCount; d++) {
                if (buffer.remaining() < 8) drain(out, buffer, payloadCrc);
                buffer.putLong(starts[d]);
            }
            drain(out, buffer, payloadCrc);
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            header.put(MAGIC).putInt(VERSION).putInt(width).putInt(key.vocabSize()).putInt(0)
                    .putLong(tokens).putLong(documentCount).put(fingerprint).putLong(payloadCrc.getValue());
            CRC32C headerCrc = new CRC32C();
            headerCrc.update(header.array(), 0, 80);
            header.putInt((int) headerCrc.getValue());
            out.write(header.clear(), 0);
            out.force(true);
        } catch (IOException e) {
            deleteQuietly(temporary);
            throw new UncheckedIOException("writing token cache " + temporary, e);
        } catch (RuntimeException e) {
            deleteQuietly(temporary);
            throw e;
        }
        try {
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("moving " + temporary + " to " + file, e);
        }
    }

    private static void put(FileChannel out, ByteBuffer buffer, CRC32C crc, int id, int width) throws IOException {
        if (buffer.remaining() < width) drain(out, buffer, crc);
        if (width == 2) buffer.putShort((short) id);
        else buffer.putInt(id);
    }

    private static void drain(FileChannel out, ByteBuffer buffer, CRC32C crc) throws IOException {
        buffer.flip();
        crc.update(buffer.array(), 0, buffer.limit());
        while (buffer.hasRemaining()) out.write(buffer);
        buffer.clear();
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // the original error matters more than a leftover temporary file
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides SHA-256", e);
        }
    }

    // ---- reading ---------------------------------------------------------------------------------

    @Override
    public long size() {
        return tokenCount;
    }

    @Override
    public int get(long index) {
        long at = HEADER_BYTES + Objects.checkIndex(index, tokenCount) * bytesPerToken;
        return bytesPerToken == 2 ? Short.toUnsignedInt(segment.get(U16, at)) : segment.get(I32, at);
    }

    @Override
    public void copy(long from, int[] destination, int offset, int length) {
        Objects.checkFromIndexSize(from, length, tokenCount);
        Objects.checkFromIndexSize(offset, length, destination.length);
        long at = HEADER_BYTES + from * bytesPerToken;
        if (bytesPerToken == 4) {
            MemorySegment.copy(segment, I32, at, destination, offset, length);
        } else {
            for (int i = 0; i < length; i++) destination[offset + i] = Short.toUnsignedInt(segment.get(U16, at + 2L * i));
        }
    }

    /** The offset of document {@code d}'s first token. */
    public long documentStart(long d) {
        return segment.get(I64, HEADER_BYTES + tokenCount * bytesPerToken + Objects.checkIndex(d, documentCount) * 8);
    }

    public long documentCount() {
        return documentCount;
    }

    public int vocabSize() {
        return vocabSize;
    }

    /** 2 (uint16) or 4 (int32). */
    public int bytesPerToken() {
        return bytesPerToken;
    }

    public byte[] fingerprint() {
        return fingerprint.clone();
    }

    public Status status() {
        return status;
    }

    public Path file() {
        return file;
    }

    /** Unmaps the file; the cache must not be read afterwards. */
    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return "TokenCache[" + file + ", " + tokenCount + " tokens, " + documentCount + " documents, "
                + (bytesPerToken == 2 ? "uint16" : "int32") + ", " + status + ", fingerprint "
                + HexFormat.of().formatHex(fingerprint, 0, 8) + "]";
    }
}
