package dev.jgrad.nn;

import java.math.BigDecimal;

/** Formatting helpers so that {@code extraRepr} strings read exactly like PyTorch's. */
final class Repr {

    private Repr() {}

    /** Python's repr of a float: shortest round-trip digits, scientific below 1e-4 ("1e-05", "0.1", "1.0"). */
    static String pyFloat(double v) {
        if (Double.isNaN(v)) return "nan";
        if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        if (v == 0) return (1 / v < 0) ? "-0.0" : "0.0";
        BigDecimal d = new BigDecimal(Double.toString(v)).stripTrailingZeros();
        int exponent = d.precision() - d.scale() - 1; // position of the leading digit
        if (exponent >= -4 && exponent < 16) {
            String plain = d.toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        String digits = d.unscaledValue().abs().toString();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String exp = String.format("%02d", Math.abs(exponent));
        return (v < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+") + exp;
    }

    /** Python's repr of a bool. */
    static String pyBool(boolean b) {
        return b ? "True" : "False";
    }
}
