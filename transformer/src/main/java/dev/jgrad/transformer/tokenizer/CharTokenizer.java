package dev.jgrad.transformer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One id per character (Unicode code point), as nanoGPT's {@code shakespeare_char}: the vocabulary is the
 * sorted set of code points of a text ({@code sorted(set(text))} in Python, which sorts by code point), and
 * id {@code i} is the {@code i}-th of them. No BOS/EOS. A character outside the vocabulary is an error.
 *
 * <p>Saved as JSON {@code {"type": "jgrad.CharTokenizer", "version": 1, "code_points": [10, 32, ...]}}; code
 * points as numbers, so that any string (even one with control characters or lone surrogates) survives.
 */
public final class CharTokenizer implements Tokenizer {

    static final String TYPE = "jgrad.CharTokenizer";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final int[] codePoints;
    private final int[] asciiId = new int[128];

    /** A tokenizer over {@code codePoints}, which must be strictly increasing. */
    public CharTokenizer(int[] codePoints) {
        for (int i = 0; i < codePoints.length; i++) {
            if (codePoints[i] < 0 || codePoints[i] > Character.MAX_CODE_POINT) {
                throw new IllegalArgumentException("code point " + codePoints[i] + " at index " + i + " is not valid");
            }
            if (i > 0 && codePoints[i] <= codePoints[i - 1]) {
                throw new IllegalArgumentException("code points must be strictly increasing; index " + i + " is not");
            }
        }
        this.codePoints = codePoints.clone();
        Arrays.fill(asciiId, NO_ID);
        for (int i = 0; i < codePoints.length && codePoints[i] < 128; i++) asciiId[codePoints[i]] = i;
    }

    /** The vocabulary of {@code text}: its distinct code points, sorted. */
    public static CharTokenizer fromText(String text) {
        return new CharTokenizer(text.codePoints().sorted().distinct().toArray());
    }

    /** The vocabulary's code points in id order. */
    public int[] codePoints() {
        return codePoints.clone();
    }

    @Override
    public int[] encode(String text) {
        int[] out = new int[text.codePointCount(0, text.length())];
        int o = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int id = cp < 128 ? asciiId[cp] : Arrays.binarySearch(codePoints, cp);
            if (id < 0) {
                throw new IllegalArgumentException("character " + describe(cp) + " at index " + i
                        + " is not in the vocabulary of " + codePoints.length + " characters");
            }
            out[o++] = id;
            i += Character.charCount(cp);
        }
        return out;
    }

    @Override
    public String decode(int[] ids) {
        StringBuilder out = new StringBuilder(ids.length);
        for (int i = 0; i < ids.length; i++) {
            checkId(ids[i], i);
            out.appendCodePoint(codePoints[ids[i]]);
        }
        return out.toString();
    }

    @Override
    public int vocabSize() {
        return codePoints.length;
    }

    @Override
    public int bosId() {
        return NO_ID;
    }

    @Override
    public int eosId() {
        return NO_ID;
    }

    @Override
    public String piece(int id) {
        checkId(id, 0);
        return Character.toString(codePoints[id]);
    }

    /** Every id is a whole character, so nothing is ever held back. */
    @Override
    public StreamDecoder streamDecoder() {
        return new StreamDecoder() {
            @Override
            public String next(int id) {
                return piece(id);
            }

            @Override
            public String finish() {
                return "";
            }
        };
    }

    /** Writes the vocabulary as JSON (see the class comment). */
    public void save(Path path) throws IOException {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("type", TYPE);
        root.put("version", 1);
        ArrayNode array = root.putArray("code_points");
        for (int cp : codePoints) array.add(cp);
        Files.writeString(path, MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }

    /** Reads a file written by {@link #save}. */
    public static CharTokenizer load(Path path) throws IOException {
        return fromJson(ByteLevelBpeFiles.readTree(path), path.toString());
    }

    static CharTokenizer fromJson(JsonNode root, String source) throws TokenizerFormatException {
        if (!TYPE.equals(root.path("type").asText())) {
            throw new TokenizerFormatException(source + ": \"type\" is not \"" + TYPE + "\"");
        }
        if (!root.path("version").isIntegralNumber() || root.path("version").asInt(-1) != 1) {
            throw new TokenizerFormatException(source + ": unsupported version " + root.path("version"));
        }
        JsonNode array = root.path("code_points");
        if (!array.isArray()) throw new TokenizerFormatException(source + ": \"code_points\" is not an array");
        int[] cps = new int[array.size()];
        for (int i = 0; i < cps.length; i++) {
            if (!array.get(i).isIntegralNumber() || !array.get(i).canConvertToInt()) {
                throw new TokenizerFormatException(source + ": code_points[" + i + "] is " + array.get(i)
                        + ", not an integer");
            }
            cps[i] = array.get(i).intValue();
        }
        try {
            return new CharTokenizer(cps);
        } catch (IllegalArgumentException e) {
            throw new TokenizerFormatException(source + ": " + e.getMessage());
        }
    }

    private void checkId(int id, int position) {
        if (id < 0 || id >= codePoints.length) {
            throw new IllegalArgumentException("token id " + id + " at position " + position
                    + " is outside the vocabulary [0, " + codePoints.length + ")");
        }
    }

    private static String describe(int cp) {
        String shown = Character.isISOControl(cp) || Character.isWhitespace(cp) || Character.getType(cp) == Character.SURROGATE
                ? "" : "'" + Character.toString(cp) + "' ";
        return shown + String.format("(U+%04X)", cp);
    }
}
