package dev.jgrad.optim.search;

import dev.jgrad.core.Generator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The hyperparameters a search explores, each a {@link Dimension}: a list of choices, a uniform range, a
 * log-uniform range (for learning rates and weight decays, whose good values span decades) or an integer range.
 *
 * <p>From the command line, {@link #parse} reads {@code name=spec} with spec one of {@code 1e-3,3e-3,1e-2}
 * (choices), {@code uniform:0:0.3}, {@code loguniform:1e-4:1e-2}, {@code int:2:6}.
 */
public final class SearchSpace {

    /** One hyperparameter's possible values. */
    public sealed interface Dimension {
        /** A random value. */
        Object sample(Generator gen);

        /** The values a grid visits ({@code points} of them for continuous ranges). */
        List<Object> grid(int points);
    }

    /** One of the listed values. */
    public record Choice(List<Object> values) implements Dimension {
        public Choice {
            if (values.isEmpty()) throw new IllegalArgumentException("a choice needs at least one value");
            values = List.copyOf(values);
        }

        public Object sample(Generator gen) {
            return values.get(gen.nextInt(values.size()));
        }

        public List<Object> grid(int points) {
            return values;
        }
    }

    /** Uniform on [low, high]. */
    public record Uniform(double low, double high) implements Dimension {
        public Uniform {
            if (!(low <= high)) throw new IllegalArgumentException("uniform range needs low <= high, got " + low + ", " + high);
        }

        public Object sample(Generator gen) {
            return low + (high - low) * gen.nextDouble();
        }

        public List<Object> grid(int points) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < points; i++) out.add(points == 1 ? (low + high) / 2 : low + (high - low) * i / (points - 1));
            return out;
        }
    }

    /** Log-uniform on [low, high] (both > 0): uniform in the exponent. */
    public record LogUniform(double low, double high) implements Dimension {
        public LogUniform {
            if (!(low > 0 && low <= high))
                throw new IllegalArgumentException("log-uniform range needs 0 < low <= high, got " + low + ", " + high);
        }

        public Object sample(Generator gen) {
            return Math.exp(Math.log(low) + (Math.log(high) - Math.log(low)) * gen.nextDouble());
        }

        public List<Object> grid(int points) {
            List<Object> out = new ArrayList<>();
            double a = Math.log(low), b = Math.log(high);
            for (int i = 0; i < points; i++) {
                if (points == 1) out.add(Math.exp((a + b) / 2));
                else if (i == 0) out.add(low);               // the ends exactly, not exp(log(x))
                else if (i == points - 1) out.add(high);
                else out.add(Math.exp(a + (b - a) * i / (points - 1)));
            }
            return out;
        }
    }

    /** An integer in [low, high]. */
    public record IntRange(int low, int high) implements Dimension {
        public IntRange {
            if (low > high) throw new IllegalArgumentException("integer range needs low <= high, got " + low + ", " + high);
        }

        public Object sample(Generator gen) {
            return low + gen.nextInt(high - low + 1);
        }

        public List<Object> grid(int points) {
            List<Object> out = new ArrayList<>();
            for (int v = low; v <= high; v++) out.add(v);
            return out;
        }
    }

    private final Map<String, Dimension> dimensions = new LinkedHashMap<>();

    /** Adds a dimension (in order; the order is that of grid enumeration, last varying fastest). */
    public SearchSpace add(String name, Dimension d) {
        if (dimensions.putIfAbsent(name, d) != null) throw new IllegalArgumentException("hyperparameter " + name + " given twice");
        return this;
    }

    public Map<String, Dimension> dimensions() {
        return Collections.unmodifiableMap(dimensions);
    }

    /** Parses {@code name=spec} (see the class comment). */
    public static SearchSpace parse(List<String> specs) {
        SearchSpace space = new SearchSpace();
        for (String s : specs) {
            int eq = s.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("hyperparameter \"" + s + "\" is not name=spec");
            space.add(s.substring(0, eq).trim(), parseDimension(s.substring(eq + 1).trim(), s));
        }
        return space;
    }

    private static Dimension parseDimension(String spec, String whole) {
        String[] parts = spec.split(":");
        try {
            switch (parts[0].toLowerCase(Locale.ROOT)) {
                case "uniform" -> {
                    requireParts(parts, 3, whole);
                    return new Uniform(Double.parseDouble(parts[1]), Double.parseDouble(parts[2]));
                }
                case "loguniform", "log" -> {
                    requireParts(parts, 3, whole);
                    return new LogUniform(Double.parseDouble(parts[1]), Double.parseDouble(parts[2]));
                }
                case "int" -> {
                    requireParts(parts, 3, whole);
                    return new IntRange(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
                }
                default -> {
                    List<Object> values = new ArrayList<>();
                    for (String v : spec.split(",")) values.add(parseValue(v.trim()));
                    return new Choice(values);
                }
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("hyperparameter \"" + whole + "\": " + e.getMessage(), e);
        }
    }

    private static void requireParts(String[] parts, int n, String whole) {
        if (parts.length != n)
            throw new IllegalArgumentException("hyperparameter \"" + whole + "\": expected " + parts[0] + ":LOW:HIGH");
    }

    /** Integers stay integers, numbers become doubles, anything else stays a string. */
    static Object parseValue(String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            try {
                return Double.parseDouble(v);
            } catch (NumberFormatException e2) {
                return v;
            }
        }
    }
}
