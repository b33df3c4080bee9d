package dev.jgrad.core.ops;

import dev.jgrad.core.DType;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.Autograd;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.core.backend.BinaryOp;
import dev.jgrad.core.backend.UnaryOp;

/**
 * Element-wise ops, each forward written beside its backward.
 *
 * <p>Binary ops broadcast: the output has the broadcast shape, and in backward each input's gradient is
 * summed over the dimensions it was broadcast along ({@link #sumToShape}).
 */
public final class Elementwise {

    private Elementwise() {}

    // ---- binary arithmetic ------------------------------------------------------------------------

    /** a + b.  d/da = 1, d/db = 1. */
    public static Tensor add(Tensor a, Tensor b) {
        Tensor out = binary("add", BinaryOp.ADD, a, b);
        return Autograd.record("add", out, new Tensor[] {a, b}, new Tensor[0],
                g -> new Tensor[] {sumToShape(g, a.shape()), sumToShape(g, b.shape())});
    }

    /** a − b.  d/da = 1, d/db = −1. */
    public static Tensor sub(Tensor a, Tensor b) {
        Tensor out = binary("sub", BinaryOp.SUB, a, b);
        return Autograd.record("sub", out, new Tensor[] {a, b}, new Tensor[0],
                g -> new Tensor[] {sumToShape(g, a.shape()), b.requiresGrad() ? sumToShape(g.neg(), b.shape()) : null});
    }

    /** a · b.  d/da = b, d/db = a. */
    public static Tensor mul(Tensor a, Tensor b) {
        Tensor out = binary("mul", BinaryOp.MUL, a, b);
        return Autograd.record("mul", out, new Tensor[] {a, b}, new Tensor[] {a, b},
                g -> new Tensor[] {
                        a.requiresGrad() ? sumToShape(g.mul(b), a.shape()) : null,
                        b.requiresGrad() ? sumToShape(g.mul(a), b.shape()) : null});
    }

    /** a / b.  d/da = 1/b, d/db = −a/b². */
    public static Tensor div(Tensor a, Tensor b) {
        Tensor out = binary("div", BinaryOp.DIV, a, b);
        return Autograd.record("div", out, new Tensor[] {a, b}, new Tensor[] {a, b},
                g -> new Tensor[] {
                        a.requiresGrad() ? sumToShape(g.div(b), a.shape()) : null,
                        b.requiresGrad() ? sumToShape(g.mul(a).div(b.square()).neg(), b.shape()) : null});
    }

    /** a^b.  d/da = b·a^(b−1), d/db = a^b · ln a. */
    public static Tensor pow(Tensor a, Tensor b) {
        Tensor out = binary("pow", BinaryOp.POW, a, b);
        return Autograd.record("pow", out, new Tensor[] {a, b}, new Tensor[] {a, b, out},
                g -> new Tensor[] {
                        a.requiresGrad() ? sumToShape(g.mul(b).mul(a.pow(b.sub(1.0))), a.shape()) : null,
                        b.requiresGrad() ? sumToShape(g.mul(out).mul(a.log()), b.shape()) : null});
    }

    /** max(a, b); the gradient goes to the larger input (split evenly on ties, as PyTorch does). */
    public static Tensor maximum(Tensor a, Tensor b) {
        return extremum("maximum", BinaryOp.MAXIMUM, BinaryOp.GT, a, b);
    }

    /** min(a, b); the gradient goes to the smaller input (split evenly on ties). */
    public static Tensor minimum(Tensor a, Tensor b) {
        return extremum("minimum", BinaryOp.MINIMUM, BinaryOp.LT, a, b);
    }

    private static Tensor extremum(String name, BinaryOp op, BinaryOp wins, Tensor a, Tensor b) {
        Tensor out = binary(name, op, a, b);
        return Autograd.record(name, out, new Tensor[] {a, b}, new Tensor[] {a, b}, g -> {
            // weight of a: 1 where a wins, 1/2 on ties, 0 where b wins
            Tensor aWins = compareRaw(wins, a, b).to(g.dtype());
            Tensor tie = compareRaw(BinaryOp.EQ, a, b).to(g.dtype());
            Tensor wa = aWins.add(tie.mul(0.5));
            return new Tensor[] {
                    a.requiresGrad() ? sumToShape(g.mul(wa), a.shape()) : null,
                    b.requiresGrad() ? sumToShape(g.mul(wa.neg().add(1.0)), b.shape()) : null};
        });
    }

    /** Clamp into [min, max].  The gradient passes where min ≤ x ≤ max. */
    public static Tensor clamp(Tensor x, double min, double max) {
        if (min > max) throw new IllegalArgumentException("clamp: min " + min + " > max " + max);
        Tensor out;
        try (NoGrad ignored = NoGrad.enter()) {
            out = x.maximum(x.scalarLike(min)).minimum(x.scalarLike(max));
        }
        return Autograd.record("clamp", out, x, new Tensor[] {x}, g -> {
            Tensor inside = compareRaw(BinaryOp.GE, x, x.scalarLike(min)).to(g.dtype())
                    .mul(compareRaw(BinaryOp.LE, x, x.scalarLike(max)).to(g.dtype()));
            return new Tensor[] {g.mul(inside)};
        });
    }

    // ---- unary functions ----------------------------------------------------------------------

    /** −x.  d/dx = −1. */
    public static Tensor neg(Tensor x) {
        Tensor y = unary(UnaryOp.NEG, x);
        return Autograd.record("neg", y, x, new Tensor[0], g -> new Tensor[] {g.neg()});
    }

    /** eˣ.  d/dx = eˣ = y. */
    public static Tensor exp(Tensor x) {
        Tensor y = unary(UnaryOp.EXP, x);
        return Autograd.record("exp", y, x, new Tensor[] {y}, g -> new Tensor[] {g.mul(y)});
    }

    /** ln x.  d/dx = 1/x. */
    public static Tensor log(Tensor x) {
        Tensor y = unary(UnaryOp.LOG, x);
        return Autograd.record("log", y, x, new Tensor[] {x}, g -> new Tensor[] {g.div(x)});
    }

    /** √x.  d/dx = 1/(2√x) = 1/(2y). */
    public static Tensor sqrt(Tensor x) {
        Tensor y = unary(UnaryOp.SQRT, x);
        return Autograd.record("sqrt", y, x, new Tensor[] {y}, g -> new Tensor[] {g.div(y.mul(2.0))});
    }

    /** 1/√x.  d/dx = −½ x^(−3/2) = −½ y³. */
    public static Tensor rsqrt(Tensor x) {
        Tensor y = unary(UnaryOp.RSQRT, x);
        return Autograd.record("rsqrt", y, x, new Tensor[] {y}, g -> new Tensor[] {g.mul(y.square().mul(y)).mul(-0.5)});
    }

    /** |x|.  d/dx = sign(x) (0 at 0, as PyTorch). */
    public static Tensor abs(Tensor x) {
        Tensor y = unary(UnaryOp.ABS, x);
        return Autograd.record("abs", y, x, new Tensor[] {x}, g -> new Tensor[] {g.mul(unary(UnaryOp.SIGN, x))});
    }

    /** x².  d/dx = 2x. */
    public static Tensor square(Tensor x) {
        Tensor y = unary(UnaryOp.SQUARE, x);
        return Autograd.record("square", y, x, new Tensor[] {x}, g -> new Tensor[] {g.mul(x).mul(2.0)});
    }

    /** sin x.  d/dx = cos x. */
    public static Tensor sin(Tensor x) {
        Tensor y = unary(UnaryOp.SIN, x);
        return Autograd.record("sin", y, x, new Tensor[] {x}, g -> new Tensor[] {g.mul(unary(UnaryOp.COS, x))});
    }

    /** cos x.  d/dx = −sin x. */
    public static Tensor cos(Tensor x) {
        Tensor y = unary(UnaryOp.COS, x);
        return Autograd.record("cos", y, x, new Tensor[] {x}, g -> new Tensor[] {g.mul(unary(UnaryOp.SIN, x)).neg()});
    }

    /** tanh x.  d/dx = 1 − y² (fused). */
    public static Tensor tanh(Tensor x) {
        Tensor y = unary(UnaryOp.TANH, x);
        return Autograd.record("tanh", y, x, new Tensor[] {y}, g -> new Tensor[] {fusedBackward(BinaryOp.TANH_BACKWARD, y, g)});
    }

    /** σ(x) = 1/(1+e⁻ˣ).  d/dx = y(1 − y) (fused). */
    public static Tensor sigmoid(Tensor x) {
        Tensor y = unary(UnaryOp.SIGMOID, x);
        return Autograd.record("sigmoid", y, x, new Tensor[] {y}, g -> new Tensor[] {fusedBackward(BinaryOp.SIGMOID_BACKWARD, y, g)});
    }

    /** max(x, 0).  d/dx = [x > 0]. */
    public static Tensor relu(Tensor x) {
        Tensor y = unary(UnaryOp.RELU, x);
        return Autograd.record("relu", y, x, new Tensor[] {x}, g -> new Tensor[] {fusedBackward(BinaryOp.RELU_BACKWARD, x, g)});
    }

    /** x·Φ(x).  d/dx = Φ(x) + x·φ(x). */
    public static Tensor gelu(Tensor x) {
        Tensor y = unary(UnaryOp.GELU, x);
        return Autograd.record("gelu", y, x, new Tensor[] {x}, g -> new Tensor[] {fusedBackward(BinaryOp.GELU_BACKWARD, x, g)});
    }

    /** GELU, tanh approximation (GPT-2). */
    public static Tensor geluTanh(Tensor x) {
        Tensor y = unary(UnaryOp.GELU_TANH, x);
        return Autograd.record("gelu_tanh", y, x, new Tensor[] {x}, g -> new Tensor[] {fusedBackward(BinaryOp.GELU_TANH_BACKWARD, x, g)});
    }

    /** x·σ(x).  d/dx = σ(x)(1 + x(1 − σ(x))). */
    public static Tensor silu(Tensor x) {
        Tensor y = unary(UnaryOp.SILU, x);
        return Autograd.record("silu", y, x, new Tensor[] {x}, g -> new Tensor[] {fusedBackward(BinaryOp.SILU_BACKWARD, x, g)});
    }

    /** Converts dtype; between floating types the gradient is converted back. */
    public static Tensor cast(Tensor x, DType dtype) {
        Tensor out = Tensor.empty(dtype, x.device(), x.shape());
        x.backend().copy(x, out);
        if (!dtype.isFloatingPoint() || !x.dtype().isFloatingPoint()) return out;
        DType from = x.dtype();
        return Autograd.record("to_" + dtype, out, x, new Tensor[0], g -> new Tensor[] {g.to(from)});
    }

    // ---- comparisons (no gradient) ------------------------------------------------------------

    /** Element-wise comparison producing a BOOL mask. */
    public static Tensor compare(BinaryOp op, Tensor a, Tensor b) {
        return compareRaw(op, a, b);
    }

    private static Tensor compareRaw(BinaryOp op, Tensor a, Tensor b) {
        String name = op.name().toLowerCase(java.util.Locale.ROOT);
        Views.checkSameDevice(name, a, b);
        if (a.dtype() != b.dtype() && b.rank() != 0)
            throw new IllegalArgumentException(name + ": dtypes " + a.dtype() + " and " + b.dtype() + " differ");
        int[] shape = Shape.broadcast(name, a.shape(), b.shape());
        Tensor out = Tensor.empty(DType.BOOL, a.device(), shape);
        Tensor bb = b.dtype() == a.dtype() ? b : b.to(a.dtype());
        a.backend().binary(op, Views.expandView(a, shape), Views.expandView(bb, shape), out);
        return out;
    }

    // ---- in-place -----------------------------------------------------------------------------

    /** {@code target = op(target, other)} in place, {@code other} broadcast to target's shape. */
    public static Tensor inPlace(String name, BinaryOp op, Tensor target, Tensor other) {
        checkInPlaceAllowed(name, target);
        checkFloat(name, target, other);
        int[] shape = Shape.broadcast(name, target.shape(), other.shape());
        if (!java.util.Arrays.equals(shape, target.shape()))
            throw new IllegalArgumentException(name + ": cannot broadcast " + Shape.str(other.shape())
                    + " into the in-place target of shape " + Shape.str(target.shape()));
        target.backend().binary(op, target, Views.expandView(other, shape), target);
        target.storage().bumpVersion();
        return target;
    }

    /** In-place ops are not differentiable: refuse them on tensors that take part in a recorded graph. */
    public static void checkInPlaceAllowed(String name, Tensor target) {
        if (NoGrad.isGradEnabled() && target.requiresGrad())
            throw new IllegalStateException(name + ": in-place modification of a tensor that requires grad"
                    + (target.isLeaf() ? " (a leaf such as a parameter: update it inside a NoGrad scope)"
                    : " (use the out-of-place op instead)"));
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** Sums {@code g} over the dimensions along which a tensor of {@code shape} was broadcast. */
    public static Tensor sumToShape(Tensor g, int[] shape) {
        int[] gs = g.shape();
        if (java.util.Arrays.equals(gs, shape)) return g;
        int lead = gs.length - shape.length;
        int count = 0;
        int[] dims = new int[gs.length];
        for (int i = 0; i < gs.length; i++) {
            if (i < lead || (shape[i - lead] == 1 && gs[i] != 1)) dims[count++] = i;
        }
        Tensor summed = Reductions.sumRaw(g, java.util.Arrays.copyOf(dims, count), true);
        return Views.reshapeRaw(summed, shape);
    }

    static Tensor binary(String name, BinaryOp op, Tensor a, Tensor b) {
        checkFloat(name, a, b);
        int[] shape = Shape.broadcast(name, a.shape(), b.shape());
        Tensor out = Tensor.empty(a.dtype(), a.device(), shape);
        a.backend().binary(op, Views.expandView(a, shape), Views.expandView(b, shape), out);
        return out;
    }

    static Tensor unary(UnaryOp op, Tensor x) {
        if (!x.dtype().isFloatingPoint() || x.dtype() == DType.BF16 || x.dtype() == DType.F16)
            throw new IllegalArgumentException(op.name().toLowerCase(java.util.Locale.ROOT)
                    + ": needs a float32 or float64 tensor, got " + x.dtype()
                    + (x.dtype().isFloatingPoint() ? " (convert with .to(DType.F32))" : ""));
        Tensor out = Tensor.empty(x.dtype(), x.device(), x.shape());
        x.backend().unary(op, x, out);
        return out;
    }

    /** One pass computing a derivative rule {@code op(saved, g)} (shapes equal). */
    static Tensor fusedBackward(BinaryOp op, Tensor saved, Tensor g) {
        Tensor out = Tensor.empty(g.dtype(), g.device(), g.shape());
        g.backend().binary(op, saved, g, out);
        return out;
    }

    static void checkFloatOrSame(String name, Tensor a, Tensor b) {
        Views.checkSameDevice(name, a, b);
        if (a.dtype() != b.dtype())
            throw new IllegalArgumentException(name + ": dtypes " + a.dtype() + " and " + b.dtype() + " differ");
    }

    static void checkFloat(String name, Tensor a, Tensor b) {
        Views.checkSameDevice(name, a, b);
        if (a.dtype() != b.dtype())
            throw new IllegalArgumentException(name + ": dtypes " + a.dtype() + " and " + b.dtype()
                    + " differ (shapes " + Shape.str(a.shape()) + " and " + Shape.str(b.shape())
                    + "); convert one with .to(...)");
        if (a.dtype() != DType.F32 && a.dtype() != DType.F64)
            throw new IllegalArgumentException(name + ": needs float32 or float64 tensors, got " + a.dtype()
                    + (a.dtype().isFloatingPoint() ? " (convert with .to(DType.F32))" : ""));
    }
}
