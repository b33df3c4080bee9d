package dev.jgrad.examples.course;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A scalar that remembers how it was computed, so that {@link #backward()} can push gradients back through the
 * expression: the whole of reverse-mode autograd in one small class (chapter 1 of the course; after micrograd).
 *
 * <p>Each operator builds its result and, right beside it, the rule that sends the result's gradient to its
 * inputs (the chain rule: {@code dL/dx += dL/dout · dout/dx}). Gradients accumulate ({@code +=}) because a value
 * used twice receives a share from each use.
 */
public final class Value {

    private double data;
    private double grad;
    private final Value[] children;
    private Runnable backwardStep = () -> {};

    public Value(double data) {
        this(data, new Value[0]);
    }

    private Value(double data, Value[] children) {
        this.data = data;
        this.children = children;
    }

    public double data() { return data; }
    public double grad() { return grad; }

    /** Sets the value of a leaf (what an optimiser step does) and leaves its gradient as it is. */
    public void setData(double data) { this.data = data; }

    /** Forgets this value's gradient (before the next backward pass). */
    public void zeroGrad() { this.grad = 0; }

    public Value add(Value o) {
        Value out = new Value(data + o.data, new Value[] {this, o});
        out.backwardStep = () -> {                       // d(a+b)/da = 1, d(a+b)/db = 1
            this.grad += out.grad;
            o.grad += out.grad;
        };
        return out;
    }

    public Value mul(Value o) {
        Value out = new Value(data * o.data, new Value[] {this, o});
        out.backwardStep = () -> {                       // d(ab)/da = b, d(ab)/db = a
            this.grad += o.data * out.grad;
            o.grad += this.data * out.grad;
        };
        return out;
    }

    /** {@code this^k} for a constant exponent. */
    public Value pow(double k) {
        Value out = new Value(Math.pow(data, k), new Value[] {this});
        out.backwardStep = () -> this.grad += k * Math.pow(data, k - 1) * out.grad;   // d(x^k)/dx = k·x^(k-1)
        return out;
    }

    public Value exp() {
        Value out = new Value(Math.exp(data), new Value[] {this});
        out.backwardStep = () -> this.grad += out.data * out.grad;                     // d(e^x)/dx = e^x
        return out;
    }

    public Value tanh() {
        Value out = new Value(Math.tanh(data), new Value[] {this});
        out.backwardStep = () -> this.grad += (1 - out.data * out.data) * out.grad;   // d tanh/dx = 1 - tanh²
        return out;
    }

    public Value relu() {
        Value out = new Value(Math.max(0, data), new Value[] {this});
        out.backwardStep = () -> this.grad += (out.data > 0 ? 1 : 0) * out.grad;
        return out;
    }

    // Everything else is built from the primitives above, so it needs no backward rule of its own.
    public Value add(double c) { return add(new Value(c)); }
    public Value mul(double c) { return mul(new Value(c)); }
    public Value neg() { return mul(-1); }
    public Value sub(Value o) { return add(o.neg()); }
    public Value sub(double c) { return add(-c); }
    public Value div(Value o) { return mul(o.pow(-1)); }
    public Value div(double c) { return mul(1 / c); }

    /**
     * Sets this value's gradient to 1 and applies every node's backward step in reverse topological order, so
     * that a node passes its gradient on only after everything that uses it has added its share.
     */
    public void backward() {
        List<Value> order = new ArrayList<>();
        topologicalSort(this, new HashSet<>(), order);
        grad = 1;
        for (int i = order.size() - 1; i >= 0; i--) order.get(i).backwardStep.run();
    }

    private static void topologicalSort(Value v, Set<Value> seen, List<Value> order) {
        if (!seen.add(v)) return;
        for (Value c : v.children) topologicalSort(c, seen, order);
        order.add(v);                                     // after all of its inputs
    }

    @Override
    public String toString() {
        return String.format("Value(data=%.4f, grad=%.4f)", data, grad);
    }
}
