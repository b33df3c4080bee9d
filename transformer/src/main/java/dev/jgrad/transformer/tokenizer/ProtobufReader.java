package dev.jgrad.transformer.tokenizer;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/**
 * A reader for the protocol buffers binary wire format, just enough to parse SentencePiece's
 * {@code ModelProto} without a protobuf library.
 *
 * <p>A message is a sequence of fields. Each field starts with a varint key {@code (field_number << 3) |
 * wire_type}; the wire type says how the value is stored:
 * <ul>
 *   <li>0 VARINT: base-128 varint, least significant group first, high bit = "more bytes follow" (at most
 *       10 bytes for 64 bits; negative int32 values are sign-extended to 10 bytes);</li>
 *   <li>1 I64: 8 bytes little-endian;</li>
 *   <li>2 LEN: a varint length, then that many bytes (strings, bytes, nested messages, packed arrays);</li>
 *   <li>5 I32: 4 bytes little-endian (float, fixed32);</li>
 *   <li>3 and 4 (SGROUP/EGROUP) are deprecated and rejected here, as are 6 and 7 (undefined).</li>
 * </ul>
 * Every read checks the bounds first and fails with a {@link TokenizerFormatException} that names the file
 * and the byte offset, so a truncated or corrupt file never causes a large allocation or garbage.
 */
final class ProtobufReader {

    static final int VARINT = 0;
    static final int I64 = 1;
    static final int LEN = 2;
    static final int I32 = 5;

    private final byte[] data;
    private final String source;
    private int position;
    private final int limit;

    /** A reader over {@code data[from, to)}; {@code source} names the file in error messages. */
    ProtobufReader(byte[] data, int from, int to, String source) {
        this.data = data;
        this.position = from;
        this.limit = to;
        this.source = source;
    }

    /** True while there are bytes left in this message. */
    boolean hasMore() {
        return position < limit;
    }

    /** The current byte offset in the underlying array. */
    int position() {
        return position;
    }

    /** Reads a field key and returns it; use {@link #fieldNumber} and {@link #wireType} to split it. */
    int readKey() throws TokenizerFormatException {
        int at = position;
        long key = readVarint();
        int wireType = (int) (key & 7);
        long field = key >>> 3;
        if (field == 0 || field > 0x1FFFFFFF) throw error(at, "invalid field number " + field);
        if (wireType != VARINT && wireType != I64 && wireType != LEN && wireType != I32) {
            throw error(at, "unsupported wire type " + wireType + " for field " + field);
        }
        return (int) key;
    }

    static int fieldNumber(int key) {
        return key >>> 3;
    }

    static int wireType(int key) {
        return key & 7;
    }

    /** Reads a base-128 varint of at most 10 bytes. */
    long readVarint() throws TokenizerFormatException {
        int at = position;
        long result = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (position >= limit) throw error(at, "truncated varint");
            int b = data[position++] & 0xFF;
            result |= (long) (b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw error(at, "varint longer than 10 bytes");
    }

    /** Reads a 4-byte little-endian value (wire type I32). */
    int readFixed32() throws TokenizerFormatException {
        require(4, "fixed32");
        int v = (data[position] & 0xFF) | (data[position + 1] & 0xFF) << 8
                | (data[position + 2] & 0xFF) << 16 | (data[position + 3] & 0xFF) << 24;
        position += 4;
        return v;
    }

    /** Reads the length of a LEN field and returns the offset where its payload ends, checked against the limit. */
    int readLengthDelimitedEnd() throws TokenizerFormatException {
        int at = position;
        long length = readVarint();
        if (length < 0 || length > limit - position) {
            throw error(at, "length-delimited field claims " + Long.toUnsignedString(length)
                    + " bytes but only " + (limit - position) + " remain");
        }
        return position + (int) length;
    }

    /** A reader over the payload of the LEN field that starts here, advancing this reader past it. */
    ProtobufReader readMessage() throws TokenizerFormatException {
        int end = readLengthDelimitedEnd();
        ProtobufReader nested = new ProtobufReader(data, position, end, source);
        position = end;
        return nested;
    }

    /** Reads a LEN field as a UTF-8 string (proto3 and proto2 {@code string} fields must be valid UTF-8). */
    String readString() throws TokenizerFormatException {
        int at = position;
        int end = readLengthDelimitedEnd();
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data, position, end - position)).toString();
            position = end;
            return s;
        } catch (CharacterCodingException e) {
            throw error(at, "string field is not valid UTF-8");
        }
    }

    /** Reads a LEN field's raw bytes. */
    byte[] readBytes() throws TokenizerFormatException {
        int end = readLengthDelimitedEnd();
        byte[] out = java.util.Arrays.copyOfRange(data, position, end);
        position = end;
        return out;
    }

    /** Skips the value of a field whose key (already read) is {@code key}. */
    void skip(int key) throws TokenizerFormatException {
        switch (wireType(key)) {
            case VARINT -> readVarint();
            case I64 -> {
                require(8, "fixed64");
                position += 8;
            }
            case LEN -> position = readLengthDelimitedEnd();
            case I32 -> {
                require(4, "fixed32");
                position += 4;
            }
            default -> throw error(position, "unsupported wire type " + wireType(key));
        }
    }

    /** Fails unless field {@code key} has wire type {@code expected}. */
    void expectWireType(int key, int expected, String fieldName) throws TokenizerFormatException {
        if (wireType(key) != expected) {
            throw error(position, "field " + fieldName + " (#" + fieldNumber(key) + ") has wire type "
                    + wireType(key) + ", expected " + expected);
        }
    }

    TokenizerFormatException error(int offset, String message) {
        return new TokenizerFormatException(source + ": " + message + " at byte offset " + offset);
    }

    private void require(int n, String what) throws TokenizerFormatException {
        if (limit - position < n) {
            throw error(position, "truncated " + what + " (needs " + n + " bytes, " + (limit - position) + " remain)");
        }
    }
}
