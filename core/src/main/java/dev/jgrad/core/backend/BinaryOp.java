package dev.jgrad.core.backend;

/**
 * Element-wise functions of two arguments {@code f(a, b)}. Comparisons produce 1 or 0 (stored in a BOOL
 * output). The {@code *_BACKWARD} ops are derivative rules fused into one pass: {@code a} is the forward
 * input (or output, where stated) and {@code b} the incoming gradient.
 */
public enum BinaryOp {
    ADD {
        public double apply(double a, double b) { return a + b; }
    },
    SUB {
        public double apply(double a, double b) { return a - b; }
    },
    MUL {
        public double apply(double a, double b) { return a * b; }
    },
    DIV {
        public double apply(double a, double b) { return a / b; }
    },
    POW {
        public double apply(double a, double b) { return Math.pow(a, b); }
    },
    MAXIMUM {
        public double apply(double a, double b) { return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b); }
    },
    MINIMUM {
        public double apply(double a, double b) { return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.min(a, b); }
    },
    EQ(true) {
        public double apply(double a, double b) { return a == b ? 1 : 0; }
    },
    NE(true) {
        public double apply(double a, double b) { return a != b ? 1 : 0; }
    },
    LT(true) {
        public double apply(double a, double b) { return a < b ? 1 : 0; }
    },
    LE(true) {
        public double apply(double a, double b) { return a <= b ? 1 : 0; }
    },
    GT(true) {
        public double apply(double a, double b) { return a > b ? 1 : 0; }
    },
    GE(true) {
        public double apply(double a, double b) { return a >= b ? 1 : 0; }
    },
    /** a = x, b = dy: dy · [x > 0]. */
    RELU_BACKWARD {
        public double apply(double x, double g) { return x > 0 ? g : 0.0; }
    },
    /** a = x, b = dy: dy · (Φ(x) + x·φ(x)). */
    GELU_BACKWARD {
        public double apply(double x, double g) {
            double cdf = 0.5 * (1.0 + MathFunctions.erf(x * MathFunctions.SQRT1_2));
            double pdf = Math.exp(-0.5 * x * x) * MathFunctions.INV_SQRT_2PI;
            return g * (cdf + x * pdf);
        }
    },
    /** a = x, b = dy: derivative of the tanh approximation of GELU. */
    GELU_TANH_BACKWARD {
        public double apply(double x, double g) {
            double k = MathFunctions.SQRT_2_OVER_PI;
            double inner = k * (x + 0.044715 * x * x * x);
            double t = Math.tanh(inner);
            double dInner = k * (1.0 + 3 * 0.044715 * x * x);
            return g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * dInner);
        }
    },
    /** a = x, b = dy: dy · s(x)·(1 + x·(1 − s(x))) with s the sigmoid. */
    SILU_BACKWARD {
        public double apply(double x, double g) {
            double s = 1.0 / (1.0 + Math.exp(-x));
            return g * s * (1.0 + x * (1.0 - s));
        }
    },
    /** a = y = sigmoid(x), b = dy: dy · y(1 − y). */
    SIGMOID_BACKWARD {
        public double apply(double y, double g) { return g * y * (1.0 - y); }
    },
    /** a = y = tanh(x), b = dy: dy · (1 − y²). */
    TANH_BACKWARD {
        public double apply(double y, double g) { return g * (1.0 - y * y); }
    };

    private final boolean comparison;

    BinaryOp() {
        this(false);
    }

    BinaryOp(boolean comparison) {
        this.comparison = comparison;
    }

    /** True for EQ, NE, LT, LE, GT, GE: the result is a BOOL mask. */
    public boolean isComparison() {
        return comparison;
    }

    /** The function, in double precision. */
    public abstract double apply(double a, double b);
}
