package dev.jgrad.optim;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.util.List;
import java.util.Map;

/** The JSON mapper for checkpoint metadata, and conversions of parsed JSON values. */
final class JsonState {

    /** Doubles are written in shortest round-trip form, so they read back bit for bit. */
    static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private JsonState() {}

    /*
     * Conversions of values parsed from a checkpoint's training.json. The file may have been edited or damaged, so
     * each one checks the JSON type it expects and otherwise throws an IllegalArgumentException that names the
     * value ({@code what}, e.g. "optimizer.groups[0].params") and what was found there.
     */

    /** A JSON number (or the strings Jackson writes for ±Infinity and NaN) as a double. */
    static double asDouble(Object o, String what) {
        if (o instanceof Number n) return n.doubleValue();
        if (o instanceof String s && (s.equals("NaN") || s.equals("Infinity") || s.equals("-Infinity")))
            return Double.parseDouble(s);
        throw new IllegalArgumentException(what + " must be a number, got " + describe(o));
    }

    /** A counter of a saved state: a JSON whole number in [0, 2^31); anything else fails naming {@code field}. */
    static int asCount(Object o, String field) {
        if (!(o instanceof Integer i) || i < 0)
            throw new IllegalArgumentException("\"" + field + "\" must be a whole number in [0, " + Integer.MAX_VALUE
                    + "], got " + (o instanceof String str ? "the string \"" + str + "\"" : o));
        return i;
    }

    /** A JSON integer that fits in an int. */
    static int asInt(Object o, String what) {
        long v = asLong(o, what);
        if (v != (int) v) throw new IllegalArgumentException(what + " must fit in 32 bits, got " + v);
        return (int) v;
    }

    /** A JSON integer that fits in a long. */
    static long asLong(Object o, String what) {
        if (o instanceof Integer || o instanceof Long || o instanceof Short || o instanceof Byte)
            return ((Number) o).longValue();
        if (o instanceof java.math.BigInteger b && b.bitLength() < 64) return b.longValue();
        throw new IllegalArgumentException(what + " must be an integer that fits in 64 bits, got " + describe(o));
    }

    static double[] asDoubles(Object o, String what) {
        List<?> list = asList(o, what);
        double[] out = new double[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = asDouble(list.get(i), what + "[" + i + "]");
        return out;
    }

    static long[] asLongs(Object o, String what) {
        List<?> list = asList(o, what);
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = asLong(list.get(i), what + "[" + i + "]");
        return out;
    }

    /** A JSON array. */
    static List<?> asList(Object o, String what) {
        if (o instanceof List<?> list) return list;
        throw new IllegalArgumentException(what + " must be a JSON array, got " + describe(o));
    }

    /** A JSON object. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> asMap(Object o, String what) {
        if (o instanceof Map<?, ?> map) return (Map<String, Object>) map;
        throw new IllegalArgumentException(what + " must be a JSON object, got " + describe(o));
    }

    /** A JSON object, or null where the key is absent or null. */
    static Map<String, Object> asMapOrNull(Object o, String what) {
        return o == null ? null : asMap(o, what);
    }

    private static String describe(Object o) {
        if (o == null) return "nothing (missing or null)";
        String text = o instanceof String s ? "\"" + s + "\"" : String.valueOf(o);
        return text.length() > 60 ? text.substring(0, 60) + "..." : text;
    }
}
