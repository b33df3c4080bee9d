package dev.jgrad.core.backend;

/**
 * Element-wise functions of one argument. Each constant carries its exact definition in double precision;
 * the reference backend evaluates exactly this, fast backends approximate it in float32.
 */
public enum UnaryOp {
    NEG {
        public double apply(double x) { return -x; }
    },
    EXP {
        public double apply(double x) { return Math.exp(x); }
    },
    LOG {
        public double apply(double x) { return Math.log(x); }
    },
    SQRT {
        public double apply(double x) { return Math.sqrt(x); }
    },
    RSQRT {
        public double apply(double x) { return 1.0 / Math.sqrt(x); }
    },
    ABS {
        public double apply(double x) { return Math.abs(x); }
    },
    SIGN {
        public double apply(double x) { return Math.signum(x); }
    },
    RECIPROCAL {
        public double apply(double x) { return 1.0 / x; }
    },
    SQUARE {
        public double apply(double x) { return x * x; }
    },
    SIN {
        public double apply(double x) { return Math.sin(x); }
    },
    COS {
        public double apply(double x) { return Math.cos(x); }
    },
    TANH {
        public double apply(double x) { return Math.tanh(x); }
    },
    /** 1 / (1 + e^-x). */
    SIGMOID {
        public double apply(double x) { return 1.0 / (1.0 + Math.exp(-x)); }
    },
    /** max(x, 0). */
    RELU {
        public double apply(double x) { return x > 0 ? x : 0.0; }
    },
    /** x · Φ(x) = x/2 · (1 + erf(x/√2)), the exact GELU. */
    GELU {
        public double apply(double x) { return 0.5 * x * (1.0 + MathFunctions.erf(x * MathFunctions.SQRT1_2)); }
    },
    /** x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³))), GPT-2's approximation. */
    GELU_TANH {
        public double apply(double x) {
            return 0.5 * x * (1.0 + Math.tanh(MathFunctions.SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
        }
    },
    /** x · sigmoid(x) (also called swish). */
    SILU {
        public double apply(double x) { return x / (1.0 + Math.exp(-x)); }
    };

    /** The function, in double precision. */
    public abstract double apply(double x);
}
