package dev.jgrad.core.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Every malformed file is a {@link SafetensorsFormatException} naming the file and the problem. */
class SafetensorsHostileTest {

    @TempDir
    Path dir;

    /** A file: length field, header bytes as given, then {@code dataBytes} zero bytes. */
    private Path file(long lengthField, byte[] header, int dataBytes) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(lengthField).put(header);
        Path p = Files.createTempFile(dir, "hostile", ".safetensors");
        Files.write(p, b.array());
        return p;
    }

    private Path file(String json, int dataBytes) throws Exception {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        return file(h.length, h, dataBytes);
    }

    private void rejects(Path p, String... fragments) {
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> SafetensorsFile.open(p).close());
        assertEquals(p, e.file());
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "expected \"" + f + "\" in: " + e.getMessage());
    }

    @Test
    void shorterThanEightBytes() throws Exception {
        Path p = dir.resolve("tiny.safetensors");
        Files.write(p, new byte[] {1, 2, 3, 4, 5});
        rejects(p, "5 bytes", "shorter than the 8-byte header length");
    }

    @Test
    void headerLengthPastEndOfFile() throws Exception {
        rejects(file(1000, "{}".getBytes(StandardCharsets.UTF_8), 0), "header length 1000", "larger than the 2 bytes");
        rejects(file(-1L, new byte[0], 0), "header length 18446744073709551615");
    }

    @Test
    void headerOver100MegabytesIsRefusedBeforeAllocating() throws Exception {
        Path p = dir.resolve("huge.safetensors");
        long headerLength = SafetensorsFile.MAX_HEADER_BYTES + 8;
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(8 + headerLength + 64); // sparse: nothing is written
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).array());
        }
        rejects(p, "exceeds the limit of 104857600 bytes");
    }

    @Test
    void invalidUtf8() throws Exception {
        byte[] h = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        rejects(file(h.length, h, 0), "not valid UTF-8");
    }

    @Test
    void invalidJson() throws Exception {
        rejects(file("{\"a\": ", 0), "not valid JSON");
        rejects(file("{\"a\": {}} trailing", 0), "not valid JSON");
    }

    @Test
    void wrongJsonStructure() throws Exception {
        rejects(file("[1, 2]   ", 0), "must be a JSON object");
        rejects(file("{\"t\": [1]}", 0), "tensor \"t\" must map to an object");
        rejects(file("{\"t\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", 4), "tensor \"t\" needs a string \"dtype\"");
        rejects(file("{\"t\": {\"dtype\": \"F32\", \"shape\": 1, \"data_offsets\": [0, 4]}}", 4), "needs an array \"shape\"");
        rejects(file("{\"t\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", 4), "needs \"data_offsets\"");
        rejects(file("{\"t\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4], \"x\": 1}}", 4), "unknown field \"x\"");
        rejects(file("{\"__metadata__\": [1]}", 0), "\"__metadata__\" must be an object");
        rejects(file("{\"__metadata__\": {\"k\": 3}}", 0), "value for key \"k\" must be a string");
    }

    @Test
    void unknownDtype() throws Exception {
        rejects(file("{\"t\": {\"dtype\": \"Q4\", \"shape\": [1], \"data_offsets\": [0, 1]}}", 1), "tensor \"t\"", "unknown safetensors dtype \"Q4\"");
    }

    @Test
    void negativeOrNonIntegerShape() throws Exception {
        rejects(file("{\"t\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 0]}}", 0), "shape[0]", "non-negative integer");
        rejects(file("{\"t\": {\"dtype\": \"F32\", \"shape\": [2.5], \"data_offsets\": [0, 10]}}", 10), "shape[0]", "2.5");
        rejects(file("{\"t\": {\"dtype\": \"F32\", \"shape\": [\"2\"], \"data_offsets\": [0, 8]}}", 8), "shape[0]");
        rejects(file("{\"t\": {\"dtype\": \"F32\", \"shape\": [99999999999999999999], \"data_offsets\": [0, 8]}}", 8), "fits in 64 bits");
    }

    @Test
    void badOffsets() throws Exception {
        rejects(file("{\"t\": {\"dtype\": \"U8\", \"shape\": [0], \"data_offsets\": [4, 2]}}", 4), "end offset 2 < begin 4");
        rejects(file("{\"t\": {\"dtype\": \"U8\", \"shape\": [8], \"data_offsets\": [0, 8]}}", 4), "ends at byte 8", "4 bytes");
        rejects(file("{\"t\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [-1, 0]}}", 1), "data_offsets[0]");
        rejects(file("{\"a\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [0, 4]},"
                + " \"b\": {\"dtype\": \"U8\", \"shape\": [4], \"data_offsets\": [2, 6]}}", 6), "\"b\"", "overlaps tensor \"a\"");
        rejects(file("{\"a\": {\"dtype\": \"U8\", \"shape\": [2], \"data_offsets\": [0, 2]},"
                + " \"b\": {\"dtype\": \"U8\", \"shape\": [2], \"data_offsets\": [4, 6]}}", 6), "[2, 4) belong to no tensor");
        rejects(file("{\"a\": {\"dtype\": \"U8\", \"shape\": [2], \"data_offsets\": [0, 2]}}", 5), "[2, 5) at the end");
        rejects(file("{}", 3), "[0, 3) at the end");
    }

    @Test
    void byteLengthMustMatchShapeAndDtype() throws Exception {
        rejects(file("{\"t\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 20]}}", 20),
                "shape [2, 3]", "24 bytes", "span 20 bytes");
    }

    @Test
    void elementCountOverflow() throws Exception {
        rejects(file("{\"t\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904, 4], \"data_offsets\": [0, 0]}}", 0),
                "overflows");
        rejects(file("{\"t\": {\"dtype\": \"F64\", \"shape\": [2305843009213693952], \"data_offsets\": [0, 0]}}", 0),
                "overflows");
    }

    /**
     * A header of many zero-length tensors (users sent 1.4 million: 94 s and 5.5 GB when the header was read as one
     * tree) is streamed, one small object at a time: 300,000 tensors open in seconds, every entry intact.
     */
    @Test
    void aHeaderOfManyEmptyTensorsIsStreamed() throws Exception {
        int n = 300_000;
        StringBuilder json = new StringBuilder("{");
        for (int i = 0; i < n; i++)
            json.append(i == 0 ? "" : ",").append("\"t").append(i).append("\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}");
        json.append(",\"last\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}");
        Path p = file(json.toString(), 2);
        try (SafetensorsFile f = assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> SafetensorsFile.open(p))) {
            assertEquals(n + 1, f.entries().size());
            assertArrayEquals(new long[] {0}, f.entry("t123456").shape());
            assertEquals(2, f.entry("last").byteLength());
        }
        // A problem in one entry is reported only once the whole header is known to be JSON, and names the entry.
        rejects(file("{\"a\": {\"dtype\": \"F99\", \"shape\": [], \"data_offsets\": [0, 0]}, \"b\": [", 0), "not valid JSON");
        rejects(file("{\"a\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 0]}}", 0),
                "tensor \"a\" shape[0] must be a non-negative integer, found 1.5");
        rejects(file("{\"a\": {\"dtype\": \"F32\", \"shape\": [18446744073709551616], \"data_offsets\": [0, 0]}}", 0),
                "tensor \"a\" shape[0] must be a non-negative integer that fits in 64 bits, found 18446744073709551616");
        rejects(file("\"text\"", 0), "must be a JSON object, found STRING");
        rejects(file("", 0), "must be a JSON object, found nothing");
    }

    @Test
    void duplicateKeys() throws Exception {
        rejects(file("{\"t\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [0, 1]},"
                + " \"t\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [0, 1]}}", 1), "Duplicate field 't'");
    }

    @Test
    void largeSparseFileOpensLazily() throws Exception {
        // A 3 GiB U8 tensor in a sparse file: open maps without reading; one byte is read on demand.
        long n = 3L << 30;
        String json = "{\"big\": {\"dtype\": \"U8\", \"shape\": [" + n + "], \"data_offsets\": [0, " + n + "]}}";
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        Path p = dir.resolve("sparse.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(8 + h.length + n);
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            raf.write(h);
            raf.seek(8 + h.length + n - 1);
            raf.write(42);
        }
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            MemorySegment s = f.segment("big");
            assertEquals(n, s.byteSize());
            assertEquals(42, s.get(ValueLayout.JAVA_BYTE, n - 1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.readBytes("big"));
            assertTrue(e.getMessage().contains("more than a Java array holds"), e.getMessage());
        }
    }
}
