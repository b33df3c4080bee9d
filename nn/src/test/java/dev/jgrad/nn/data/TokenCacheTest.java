package dev.jgrad.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenCacheTest {

    @TempDir
    Path dir;

    /** Byte-level tokenizer: UTF-8 bytes as ids 0..255, counting its calls. */
    private static final class Bytes implements Function<String, int[]> {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public int[] apply(String text) {
            calls.incrementAndGet();
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            int[] ids = new int[b.length];
            for (int i = 0; i < b.length; i++) ids[i] = b[i] & 0xff;
            return ids;
        }
    }

    private static final TokenCache.Key KEY = new TokenCache.Key("bytes-v1", 257, OptionalInt.of(256));

    private static Supplier<Stream<Document>> corpus(String... texts) {
        return () -> Stream.of(texts).map(t -> new Document("doc", t));
    }

    private static int[] all(TokenSource source) {
        int[] out = new int[(int) source.size()];
        source.copy(0, out, 0, out.length);
        return out;
    }

    @Test
    void buildsThenLoadsWithoutTokenising() {
        Path file = dir.resolve("c.bin");
        Bytes tokenizer = new Bytes();
        try (TokenCache built = TokenCache.openOrBuild(file, corpus("ab", "c", "d\u00e9"), tokenizer, KEY)) {
            assertEquals(TokenCache.Status.BUILT, built.status());
            // 'a' 'b' EOS 'c' EOS 'd' then é as UTF-8 C3 A9
            assertArrayEquals(new int[] {97, 98, 256, 99, 256, 100, 0xc3, 0xa9}, all(built));
            assertEquals(3, built.documentCount());
            assertEquals(List.of(0L, 3L, 5L), List.of(built.documentStart(0), built.documentStart(1), built.documentStart(2)));
            assertEquals(2, built.bytesPerToken());
            assertEquals(256, built.get(4));
        }
        assertEquals(4, tokenizer.calls.get()); // the fingerprint probe plus three documents
        tokenizer.calls.set(0);
        try (TokenCache loaded = TokenCache.openOrBuild(file, corpus("ab", "c", "d\u00e9"), tokenizer, KEY)) {
            assertEquals(TokenCache.Status.LOADED, loaded.status());
            assertArrayEquals(new int[] {97, 98, 256, 99, 256, 100, 0xc3, 0xa9}, all(loaded));
        }
        assertEquals(1, tokenizer.calls.get()); // only the probe: no document was tokenised
        assertFalse(Files.exists(dir.resolve("c.bin.tmp")));
    }

    @Test
    void theFileFollowsTheDocumentedLayout() throws IOException {
        Path file = dir.resolve("layout.bin");
        TokenCache.openOrBuild(file, corpus("hi", "yo"), new Bytes(), KEY).close();
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(128 + 5 * 2 + 2 * 8, b.capacity());
        byte[] magic = new byte[8];
        b.get(0, magic);
        assertEquals("JGRADTOK", new String(magic, StandardCharsets.US_ASCII));
        assertEquals(1, b.getInt(8));
        assertEquals(2, b.getInt(12));
        assertEquals(257, b.getInt(16));
        assertEquals(5, b.getLong(24));
        assertEquals(2, b.getLong(32));
        assertEquals('h', b.getShort(128));
        assertEquals(256, b.getShort(128 + 4));
        assertEquals(3, b.getLong(128 + 10 + 8)); // second document starts after "hi" and the separator
    }

    @Test
    void largeVocabulariesUseInt32() {
        Path file = dir.resolve("wide.bin");
        TokenCache.Key wide = new TokenCache.Key("wide", 200_000, OptionalInt.empty());
        Function<String, int[]> codePoints = s -> s.codePoints().toArray();
        try (TokenCache cache = TokenCache.openOrBuild(file, corpus("a\uD83D\uDE42", "\u4f60"), codePoints, wide)) {
            assertEquals(4, cache.bytesPerToken());
            assertArrayEquals(new int[] {97, 0x1F642, 0x4f60}, all(cache)); // 0x1F642 > 65535 survives
            assertEquals(0x1F642, cache.get(1));
        }
    }

    @Test
    void aChangedCorpusOrTokenizerRebuilds() {
        Path file = dir.resolve("c.bin");
        TokenCache.openOrBuild(file, corpus("abc"), new Bytes(), KEY).close();
        try (TokenCache c = TokenCache.openOrBuild(file, corpus("abd"), new Bytes(), KEY)) {
            assertEquals(TokenCache.Status.REBUILT_STALE, c.status());
            assertArrayEquals(new int[] {97, 98, 100}, all(c));
        }
        // Same id, different behaviour: the probe text catches it.
        Function<String, int[]> shifted = s -> s.chars().map(ch -> (ch + 1) % 256).toArray();
        try (TokenCache c = TokenCache.openOrBuild(file, corpus("abd"), shifted, KEY)) {
            assertEquals(TokenCache.Status.REBUILT_STALE, c.status());
            assertArrayEquals(new int[] {98, 99, 101}, all(c));
        }
        TokenCache.Key noSeparator = new TokenCache.Key("bytes-v1", 257, OptionalInt.empty());
        try (TokenCache c = TokenCache.openOrBuild(file, corpus("abd"), shifted, noSeparator)) {
            assertEquals(TokenCache.Status.REBUILT_STALE, c.status());
        }
        try (TokenCache c = TokenCache.openOrBuild(file, corpus("abd"), shifted, noSeparator)) {
            assertEquals(TokenCache.Status.LOADED, c.status());
        }
    }

    @Test
    void documentBoundariesAreFingerprinted() {
        Bytes t = new Bytes();
        TokenCache.Key none = new TokenCache.Key("bytes-v1", 256, OptionalInt.empty());
        assertFalse(java.util.Arrays.equals(TokenCache.fingerprint(corpus("ab", "c"), t, none),
                TokenCache.fingerprint(corpus("a", "bc"), t, none)));
    }

    @Test
    void damagedPayloadIsDetectedAndRebuilt() throws IOException {
        Path file = dir.resolve("c.bin");
        TokenCache.openOrBuild(file, corpus("hello", "world"), new Bytes(), KEY).close();
        byte[] bytes = Files.readAllBytes(file);
        bytes[128 + 2] ^= 0x01; // flip one bit of the second token
        Files.write(file, bytes);
        assertEquals("token cache " + file + " is unusable: payload checksum mismatch (the token data is damaged)",
                assertThrows(CorpusException.class, () -> TokenCache.open(file)).getMessage());
        try (TokenCache c = TokenCache.openOrBuild(file, corpus("hello", "world"), new Bytes(), KEY)) {
            assertEquals(TokenCache.Status.REBUILT_CORRUPT, c.status());
            assertEquals('e', c.get(1));
        }
    }

    @Test
    void truncatedAndMalformedFilesAreRejectedClearly() throws IOException {
        Path file = dir.resolve("c.bin");
        TokenCache.openOrBuild(file, corpus("hello"), new Bytes(), KEY).close();
        byte[] good = Files.readAllBytes(file);

        Files.write(file, java.util.Arrays.copyOf(good, good.length - 3));
        assertEquals("token cache " + file + " is unusable: expected 146 bytes for 5 tokens and 1 documents, found 143 (truncated)",
                assertThrows(CorpusException.class, () -> TokenCache.open(file)).getMessage());

        Files.write(file, java.util.Arrays.copyOf(good, 10));
        assertEquals("token cache " + file + " is unusable: file is 10 bytes, shorter than the 128-byte header (truncated?)",
                assertThrows(CorpusException.class, () -> TokenCache.open(file)).getMessage());

        byte[] count = good.clone();
        count[24] = 4; // claims 4 tokens
        Files.write(file, count);
        assertEquals("token cache " + file + " is unusable: header checksum mismatch",
                assertThrows(CorpusException.class, () -> TokenCache.open(file)).getMessage());

        byte[] magic = good.clone();
        magic[0] = 'X';
        Files.write(file, magic);
        assertEquals("token cache " + file + " is unusable: bad magic, not a jgrad token cache",
                assertThrows(CorpusException.class, () -> TokenCache.open(file)).getMessage());

        try (TokenCache c = TokenCache.openOrBuild(file, corpus("hello"), new Bytes(), KEY)) {
            assertEquals(TokenCache.Status.REBUILT_CORRUPT, c.status());
            assertEquals(5, c.size());
        }
    }

    @Test
    void outOfRangeTokensAndEmptyResultsAreRejected() {
        Path file = dir.resolve("c.bin");
        TokenCache.Key small = new TokenCache.Key("bytes", 100, OptionalInt.empty());
        var e = assertThrows(IllegalArgumentException.class,
                () -> TokenCache.openOrBuild(file, corpus("ab", "xyz"), new Bytes(), small));
        assertEquals("tokenizer gave id 120 at position 0 of doc, outside vocabSize 100", e.getMessage());
        assertFalse(Files.exists(file));
        assertFalse(Files.exists(dir.resolve("c.bin.tmp")));
        var empty = assertThrows(CorpusException.class,
                () -> TokenCache.openOrBuild(file, corpus("a"), s -> new int[0], small));
        assertEquals("empty corpus: 1 documents tokenised to 0 tokens", empty.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TokenCache.Key("k", 10, OptionalInt.of(10)));
    }

    @Test
    void cachesFeedWindows() {
        Path file = dir.resolve("c.bin");
        try (TokenCache c = TokenCache.openOrBuild(file, corpus("abcdefgh"), new Bytes(), KEY)) {
            Windows w = new Windows(c, 3, 2);
            assertEquals(3, w.count()); // (8 - 4) / 2 + 1
            int[] x = new int[3];
            w.copyInput(2, x, 0);
            assertArrayEquals(new int[] {'e', 'f', 'g'}, x);
            assertTrue(c.toString().contains("8 tokens"));
        }
    }

    @Test
    void aTokenizerWithAClosedAlphabetStillGetsAFingerprint(@TempDir Path dir) {
        // a character vocabulary without most of the probe's characters: the fingerprint must not throw
        java.util.function.Function<String, int[]> abc = text -> text.chars().map(c -> {
            if (c < 'a' || c > 'c') throw new IllegalArgumentException("unknown character " + (char) c);
            return c - 'a';
        }).toArray();
        TokenCache.Key key = new TokenCache.Key("abc", 3, java.util.OptionalInt.empty());
        java.util.function.Supplier<java.util.stream.Stream<Document>> corpus = () -> java.util.stream.Stream.of(new Document("d", "abcab"));
        try (TokenCache c = TokenCache.openOrBuild(dir.resolve("abc.bin"), corpus, abc, key)) {
            assertEquals(5, c.size());
        }
        byte[] f1 = TokenCache.fingerprint(corpus, abc, key);
        java.util.function.Function<String, int[]> shifted = text -> java.util.Arrays.stream(abc.apply(text)).map(i -> (i + 1) % 3).toArray();
        org.junit.jupiter.api.Assertions.assertFalse(java.util.Arrays.equals(f1, TokenCache.fingerprint(corpus, shifted, key)),
                "a tokenizer that maps the probe differently changes the fingerprint");
    }
}
