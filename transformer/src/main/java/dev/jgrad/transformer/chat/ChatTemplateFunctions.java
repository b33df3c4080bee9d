package dev.jgrad.transformer.chat;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;

/**
 * The functions and filters Hugging Face's chat templates use that Jinja itself lacks: {@code strftime_now}
 * and a {@code tojson} that writes what Python's {@code json.dumps} writes.
 */
final class ChatTemplateFunctions {

    private ChatTemplateFunctions() {}

    /**
     * {@code strftime_now(format)}: the local date and time in a Python {@code strftime} format. Supports the
     * directives templates use: {@code %d %m %Y %y %b %B %a %A %H %I %M %S %p %j %%}.
     */
    public static String strftimeNow(String format) {
        return strftime(ZonedDateTime.now(), format);
    }

    static String strftime(ZonedDateTime t, String format) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char d = format.charAt(++i);
            switch (d) {
                case 'd' -> out.append(String.format("%02d", t.getDayOfMonth()));
                case 'm' -> out.append(String.format("%02d", t.getMonthValue()));
                case 'Y' -> out.append(t.getYear());
                case 'y' -> out.append(String.format("%02d", t.getYear() % 100));
                case 'b' -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'B' -> out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'H' -> out.append(String.format("%02d", t.getHour()));
                case 'I' -> out.append(String.format("%02d", (t.getHour() + 11) % 12 + 1));
                case 'M' -> out.append(String.format("%02d", t.getMinute()));
                case 'S' -> out.append(String.format("%02d", t.getSecond()));
                case 'p' -> out.append(t.getHour() < 12 ? "AM" : "PM");
                case 'j' -> out.append(String.format("%03d", t.getDayOfYear()));
                case '%' -> out.append('%');
                default -> throw new IllegalArgumentException("strftime_now: unsupported directive %" + d);
            }
        }
        return out.toString();
    }

    /**
     * {@code value | tojson} or {@code value | tojson(indent=N)}: JSON as Python's {@code json.dumps} writes it
     * with {@code ensure_ascii=False}: {@code ", "} and {@code ": "} between items without indent,
     * {@code ","} and a newline per item with it; keys in insertion order.
     */
    static final class ToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
            int width = indent == null ? 0 : Integer.parseInt(indent.toString());
            StringBuilder out = new StringBuilder();
            write(var, width, 0, out);
            return out.toString();
        }
    }

    static void write(Object v, int indent, int depth, StringBuilder out) {
        switch (v) {
            case null -> out.append("null");
            case String s -> out.append('"').append(JsonStringEncoder.getInstance().quoteAsString(s)).append('"');
            case Boolean b -> out.append(b);
            case Number n -> out.append(n);
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    out.append("{}");
                    return;
                }
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    separate(first, indent, depth + 1, out);
                    first = false;
                    write(String.valueOf(e.getKey()), indent, depth + 1, out);
                    out.append(": ");
                    write(e.getValue(), indent, depth + 1, out);
                }
                close(indent, depth, out);
                out.append('}');
            }
            case Collection<?> c -> {
                if (c.isEmpty()) {
                    out.append("[]");
                    return;
                }
                out.append('[');
                boolean first = true;
                for (Object x : c) {
                    separate(first, indent, depth + 1, out);
                    first = false;
                    write(x, indent, depth + 1, out);
                }
                close(indent, depth, out);
                out.append(']');
            }
            default -> write(v.toString(), indent, depth, out);
        }
    }

    private static void separate(boolean first, int indent, int depth, StringBuilder out) {
        if (indent > 0) {
            if (!first) out.append(',');
            out.append('\n').append(" ".repeat(indent * depth));
        } else if (!first) {
            out.append(", ");
        }
    }

    private static void close(int indent, int depth, StringBuilder out) {
        if (indent > 0) out.append('\n').append(" ".repeat(indent * depth));
    }
}
