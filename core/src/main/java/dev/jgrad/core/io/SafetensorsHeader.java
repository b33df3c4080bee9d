package dev.jgrad.core.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.jgrad.core.DType;
import dev.jgrad.core.io.SafetensorsFile.Entry;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses and validates the JSON header of a safetensors file.
 *
 * <p>The header maps each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}}, plus an
 * optional {@code "__metadata__"} object of string to string. Validation is complete before the caller
 * maps or allocates anything sized by the header: every dtype is known, every shape dimension is a
 * non-negative integer, the element count and byte count do not overflow a {@code long}, each tensor's byte
 * length is {@code numel × dtype size}, and the tensors, sorted by offset, tile the data buffer from 0 to
 * its end with no overlap and no hole. Duplicate keys are rejected (JSON itself allows them; a file that
 * relies on "last one wins" is ambiguous).
 */
final class SafetensorsHeader {

    static final String METADATA_KEY = "__metadata__";
    private static final Set<String> ENTRY_FIELDS = Set.of("dtype", "shape", "data_offsets");

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** Entries sorted by their position in the data buffer, and the metadata in header order. */
    record Parsed(List<Entry> entries, Map<String, String> metadata) {}

    private SafetensorsHeader() {}

    static Parsed parse(Path file, byte[] headerBytes, long dataLength) throws SafetensorsFormatException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(headerBytes)).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsFormatException(file, "header is not valid UTF-8", e);
        }
        // Streamed: only one tensor's small object is a tree at a time, so a header of a million tensors costs
        // its entries, not a million trees of nodes (gigabytes, and a minute of garbage collection).
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) {
                throw new SafetensorsFormatException(file, "header must be a JSON object, found " + switch (t) {
                    case null -> "nothing";
                    case START_ARRAY -> "ARRAY";
                    case VALUE_STRING -> "STRING";
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "NUMBER";
                    case VALUE_TRUE, VALUE_FALSE -> "BOOLEAN";
                    default -> t.asString();
                });
            }
            SafetensorsFormatException firstProblem = null;   // reported once the whole header is known to be JSON
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                JsonNode value = readNode(p);
                try {
                    if (name.equals(METADATA_KEY)) parseMetadata(file, value, metadata);
                    else entries.add(parseEntry(file, name, value, dataLength));
                } catch (SafetensorsFormatException e) {
                    if (firstProblem == null) firstProblem = e;
                }
            }
            if (p.nextToken() != null) throw new SafetensorsFormatException(file, "header is not valid JSON: content after"
                    + " the object at offset " + p.currentTokenLocation().getCharOffset());
            if (firstProblem != null) throw firstProblem;
        } catch (SafetensorsFormatException e) {
            throw e;
        } catch (JacksonException e) {
            throw new SafetensorsFormatException(file, "header is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("reading a string cannot fail", e);
        }
        checkTiling(file, entries, dataLength);
        return new Parsed(List.copyOf(entries), Collections.unmodifiableMap(metadata));
    }

    /**
     * The value at the parser's current token as a tree, built directly: one tensor's small object. (A mapper's
     * {@code readTree} per tensor costs microseconds of setup each, seconds over a million tensors.) Nesting is
     * bounded by the parser's {@code StreamReadConstraints}, so the recursion is too.
     */
    private static JsonNode readNode(JsonParser p) throws java.io.IOException {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (p.currentToken()) {
            case START_OBJECT -> {
                ObjectNode o = f.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    p.nextToken();
                    o.set(key, readNode(p));
                }
                yield o;
            }
            case START_ARRAY -> {
                ArrayNode a = f.arrayNode();
                while (p.nextToken() != JsonToken.END_ARRAY) a.add(readNode(p));
                yield a;
            }
            case VALUE_STRING -> f.textNode(p.getText());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> f.numberNode(p.getIntValue());
                case LONG -> f.numberNode(p.getLongValue());
                default -> f.numberNode(p.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> f.numberNode(p.getDoubleValue());
            case VALUE_TRUE -> f.booleanNode(true);
            case VALUE_FALSE -> f.booleanNode(false);
            default -> f.nullNode();
        };
    }

    private static void parseMetadata(Path file, JsonNode value, Map<String, String> out)
            throws SafetensorsFormatException {
        if (!value.isObject()) {
            throw new SafetensorsFormatException(file, "\"__metadata__\" must be an object of strings, found "
                    + value.getNodeType());
        }
        for (Map.Entry<String, JsonNode> m : value.properties()) {
            if (!m.getValue().isTextual()) {
                throw new SafetensorsFormatException(file, "\"__metadata__\" value for key \"" + m.getKey()
                        + "\" must be a string, found " + m.getValue().getNodeType());
            }
            out.put(m.getKey(), m.getValue().textValue());
        }
    }

    private static Entry parseEntry(Path file, String name, JsonNode value, long dataLength)
            throws SafetensorsFormatException {
        String where = "tensor \"" + name + "\"";
        if (!value.isObject()) {
            throw new SafetensorsFormatException(file, where + " must map to an object, found " + value.getNodeType());
        }
        for (Map.Entry<String, JsonNode> field : value.properties()) {
            String key = field.getKey();
            if (!ENTRY_FIELDS.contains(key)) {
                throw new SafetensorsFormatException(file, where + " has unknown field \"" + key
                        + "\" (expected dtype, shape, data_offsets)");
            }
        }
        JsonNode dtypeNode = value.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafetensorsFormatException(file, where + " needs a string \"dtype\"");
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensorsName(dtypeNode.textValue());
        } catch (IllegalArgumentException e) {
            throw new SafetensorsFormatException(file, where + ": " + e.getMessage());
        }

        JsonNode shapeNode = value.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new SafetensorsFormatException(file, where + " needs an array \"shape\"");
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegativeLong(file, where + " shape[" + i + "]", shapeNode.get(i));
        }

        JsonNode offsets = value.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new SafetensorsFormatException(file, where + " needs \"data_offsets\": [begin, end]");
        }
        long begin = nonNegativeLong(file, where + " data_offsets[0]", offsets.get(0));
        long end = nonNegativeLong(file, where + " data_offsets[1]", offsets.get(1));
        if (end < begin) {
            throw new SafetensorsFormatException(file, where + " has end offset " + end + " < begin " + begin);
        }
        if (end > dataLength) {
            throw new SafetensorsFormatException(file, where + " ends at byte " + end
                    + ", past the data buffer of " + dataLength + " bytes");
        }

        long numel = 1;
        long bytes;
        try {
            for (long d : shape) numel = Math.multiplyExact(numel, d);
            bytes = Math.multiplyExact(numel, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new SafetensorsFormatException(file, where + " element count of shape "
                    + java.util.Arrays.toString(shape) + " overflows");
        }
        if (bytes != end - begin) {
            throw new SafetensorsFormatException(file, where + " has shape " + java.util.Arrays.toString(shape)
                    + " and dtype " + dtype.safetensorsName() + " (" + bytes + " bytes) but data_offsets span "
                    + (end - begin) + " bytes");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static long nonNegativeLong(Path file, String what, JsonNode node) throws SafetensorsFormatException {
        if (node == null || !node.isIntegralNumber()) {
            throw new SafetensorsFormatException(file, what + " must be a non-negative integer, found "
                    + (node == null ? "nothing" : node.toString()));
        }
        if (!node.canConvertToLong() || node.longValue() < 0) {
            throw new SafetensorsFormatException(file, what + " must be a non-negative integer that fits in 64 bits, found "
                    + node);
        }
        return node.longValue();
    }

    /** Sorted by offset, the tensors must cover [0, dataLength) exactly once. */
    private static void checkTiling(Path file, List<Entry> entries, long dataLength) throws SafetensorsFormatException {
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long cursor = 0;
        String previous = null;
        for (Entry e : entries) {
            if (e.begin() < cursor) {
                throw new SafetensorsFormatException(file, "tensor \"" + e.name() + "\" [" + e.begin() + ", "
                        + e.end() + ") overlaps tensor \"" + previous + "\" which ends at " + cursor);
            }
            if (e.begin() > cursor) {
                throw new SafetensorsFormatException(file, "data bytes [" + cursor + ", " + e.begin()
                        + ") belong to no tensor (a hole before \"" + e.name() + "\")");
            }
            cursor = e.end();
            previous = e.name();
        }
        if (cursor != dataLength) {
            throw new SafetensorsFormatException(file, "data bytes [" + cursor + ", " + dataLength
                    + ") at the end of the file belong to no tensor");
        }
    }
}
