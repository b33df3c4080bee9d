package dev.jgrad.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Assumptions;

/** Shared data, fixtures and id-sequence comparisons for the tokenizer tests. */
final class TokenizerTestSupport {

    static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerTestSupport() {}

    /**
     * The shared data folder ({@code -Djgrad.shared=...}, set by surefire to {@code <repo>/../shared}). The test
     * is skipped, with a message, only when that folder does not exist; a missing file inside it fails.
     */
    static Path sharedData() {
        String shared = System.getProperty("jgrad.shared");
        Assumptions.assumeTrue(shared != null, "system property jgrad.shared is not set: skipping (needs shared data)");
        Path data = Path.of(shared, "data");
        Assumptions.assumeTrue(Files.isDirectory(data), "shared data folder " + data + " is absent: skipping");
        return data;
    }

    static Path sharedFile(String relative) {
        Path p = sharedData().resolve(relative);
        if (!Files.isRegularFile(p)) fail("shared data folder exists but " + p + " is missing");
        return p;
    }

    static byte[] resourceBytes(String name) {
        try (InputStream in = TokenizerTestSupport.class.getResourceAsStream("/tokenizer/" + name)) {
            if (in == null) throw new IllegalStateException("missing test resource /tokenizer/" + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String resourceText(String name) {
        return new String(resourceBytes(name), StandardCharsets.UTF_8);
    }

    static Path resourcePath(String name, Path tempDir) throws IOException {
        Path p = tempDir.resolve(name);
        Files.write(p, resourceBytes(name));
        return p;
    }

    static JsonNode fixture(String name) {
        try {
            return JSON.readTree(resourceBytes(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).intValue();
        return out;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-256 of ids[from, to) written as little-endian int32, as the fixture scripts compute it. */
    static String idsSha256(int[] ids, int from, int to) {
        ByteBuffer buf = ByteBuffer.allocate(4 * (to - from)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = from; i < to; i++) buf.putInt(ids[i]);
        return sha256(buf.array());
    }

    /** Exact comparison that names the first differing position and shows the ids around it. */
    static void assertIdsEqual(int[] expected, int[] actual, String what) {
        if (Arrays.equals(expected, actual)) return;
        int i = 0;
        while (i < Math.min(expected.length, actual.length) && expected[i] == actual[i]) i++;
        int from = Math.max(0, i - 3);
        fail(what + ": first difference at index " + i + " (expected " + expected.length + " ids, got "
                + actual.length + "); expected " + window(expected, from) + " actual " + window(actual, from));
    }

    private static String window(int[] ids, int from) {
        return Arrays.toString(Arrays.copyOfRange(ids, Math.min(from, ids.length), Math.min(ids.length, from + 10)));
    }

    /** Compares ids with a fixture summary (count, per-chunk SHA-256, whole SHA-256, first ids). */
    static void assertMatchesSummary(JsonNode summary, int[] ids, String what) {
        int[] head = ints(summary.get("head"));
        assertIdsEqual(head, Arrays.copyOf(ids, Math.min(ids.length, head.length)), what + " (first ids)");
        int chunk = summary.get("chunk").intValue();
        JsonNode chunks = summary.get("chunk_sha256");
        for (int c = 0; c < chunks.size(); c++) {
            int from = c * chunk;
            if (from >= ids.length) break;
            String got = idsSha256(ids, from, Math.min(ids.length, from + chunk));
            if (!got.equals(chunks.get(c).textValue())) {
                fail(what + ": ids [" + from + ", " + (from + chunk) + ") differ from the reference (chunk " + c + ")");
            }
        }
        assertEquals(summary.get("count").intValue(), ids.length, what + ": number of ids");
        assertEquals(summary.get("sha256").textValue(), idsSha256(ids, 0, ids.length), what + ": SHA-256 of all ids");
    }

    /** Decodes {@code ids} one at a time through a stream decoder. */
    static String streamDecode(Tokenizer tokenizer, int[] ids) {
        Tokenizer.StreamDecoder decoder = tokenizer.streamDecoder();
        StringBuilder out = new StringBuilder();
        for (int id : ids) out.append(decoder.next(id));
        return out.append(decoder.finish()).toString();
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F) out.appendCodePoint(cp);
            else out.append(String.format("\\u{%X}", cp));
        });
        return out.toString();
    }
}
