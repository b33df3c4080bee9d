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

    /** A JSON number (or the strings Jackson writes for ±Infinity and NaN) as a double. */
    static double asDouble(Object o) {
        if (o instanceof Number n) return n.doubleValue();
        if (o instanceof String s) return Double.parseDouble(s);
        throw new IllegalArgumentException("expected a number, got " + o);
    }

    /** A counter of a saved state: a JSON whole number in [0, 2^31); anything else fails naming {@code field}. */
    static int asCount(Object o, String field) {
        if (!(o instanceof Integer i) || i < 0)
            throw new IllegalArgumentException("\"" + field + "\" must be a whole number in [0, " + Integer.MAX_VALUE
                    + "], got " + (o instanceof String str ? "the string \"" + str + "\"" : o));
        return i;
    }

    static double[] asDoubles(Object o) {
        List<?> list = (List<?>) o;
        double[] out = new double[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = asDouble(list.get(i));
        return out;
    }

    static long[] asLongs(Object o) {
        List<?> list = (List<?>) o;
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = ((Number) list.get(i)).longValue();
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> asMap(Object o) {
        return (Map<String, Object>) o;
    }
}
