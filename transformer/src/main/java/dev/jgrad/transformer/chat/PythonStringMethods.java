package dev.jgrad.transformer.chat;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * The Python string methods Hugging Face's chat templates call on message contents
 * ({@code content.startswith('<tool_response>')}, {@code content.split('</think>')[-1].lstrip('\n')}), which
 * Jinja inherits from Python and Jinjava, resolving methods on Java's {@code String}, lacks. Put in front of
 * Jinjava's own resolver: for a string and one of these names it answers; for anything else it declines and
 * Jinjava's resolver goes on.
 *
 * <p>{@code startswith}, {@code endswith}, {@code strip}/{@code lstrip}/{@code rstrip} (whitespace, or the
 * characters given), {@code split} (on whitespace runs, or on a separator, with an optional maximum of splits),
 * {@code upper}, {@code lower}, {@code title}, {@code capitalize}, {@code replace}. Whitespace is Python's:
 * Unicode space separators and the ASCII and Unicode line and paragraph separators.
 */
final class PythonStringMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || method == null) return null;
        Object[] p = params == null ? new Object[0] : params;
        Object result = switch (method.toString()) {
            case "startswith" -> p.length == 1 ? s.startsWith(str(p[0])) : null;
            case "endswith" -> p.length == 1 ? s.endsWith(str(p[0])) : null;
            case "strip" -> p.length <= 1 ? rstrip(lstrip(s, chars(p)), chars(p)) : null;
            case "lstrip" -> p.length <= 1 ? lstrip(s, chars(p)) : null;
            case "rstrip" -> p.length <= 1 ? rstrip(s, chars(p)) : null;
            case "split" -> p.length <= 2 ? split(s, p.length > 0 && p[0] != null ? str(p[0]) : null,
                    p.length > 1 ? ((Number) p[1]).intValue() : -1) : null;
            case "upper" -> p.length == 0 ? s.toUpperCase(Locale.ROOT) : null;
            case "lower" -> p.length == 0 ? s.toLowerCase(Locale.ROOT) : null;
            case "title" -> p.length == 0 ? title(s) : null;
            case "capitalize" -> p.length == 0 ? (s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT)
                    + s.substring(1).toLowerCase(Locale.ROOT)) : null;
            case "replace" -> p.length == 2 ? s.replace(str(p[0]), str(p[1])) : null;
            default -> null;
        };
        if (result != null) context.setPropertyResolved(true);
        return result;
    }

    private static String str(Object o) {
        return String.valueOf(o);
    }

    /** The characters to strip: those given, or null for whitespace. */
    private static String chars(Object[] p) {
        return p.length == 0 || p[0] == null ? null : str(p[0]);
    }

    private static boolean strips(char c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }

    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    private static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length() && strips(s.charAt(i), chars)) i++;
        return s.substring(i);
    }

    private static String rstrip(String s, String chars) {
        int i = s.length();
        while (i > 0 && strips(s.charAt(i - 1), chars)) i--;
        return s.substring(0, i);
    }

    /** Python's {@code str.split}: on whitespace runs (no empty parts) without a separator, else on each separator. */
    private static List<String> split(String s, String sep, int maxSplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            while (true) {
                while (i < s.length() && isSpace(s.charAt(i))) i++;
                if (i == s.length()) break;
                if (maxSplit >= 0 && out.size() == maxSplit) {
                    out.add(rstrip(s.substring(i), null));
                    break;
                }
                int j = i;
                while (j < s.length() && !isSpace(s.charAt(j))) j++;
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) throw new IllegalArgumentException("split: empty separator");
        int from = 0;
        for (int at = s.indexOf(sep); at >= 0 && (maxSplit < 0 || out.size() < maxSplit); at = s.indexOf(sep, from)) {
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    private static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean previousCased = false;
        for (char c : s.toCharArray()) {
            sb.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            previousCased = Character.isLetter(c);
        }
        return sb.toString();
    }

    // Property access is left to Jinjava's resolver.

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {}

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return Arrays.<FeatureDescriptor>asList().iterator();
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
