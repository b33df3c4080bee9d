package dev.jgrad.examples.course;

import dev.jgrad.core.DType;
import dev.jgrad.core.Tensor;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Chapter 1 of the course ({@code docs/course/01-autograd.md}): the scalar autograd of {@link Value} runs an
 * expression and its backward pass; jgrad's {@link Tensor} runs the same expression in float64 and must find the
 * same gradients. Then a single tanh neuron, and a few steps of gradient descent written by hand.
 */
public final class Chapter01 {

    private Chapter01() {}

    public static String title() {
        return "Autograd: a scalar engine in ~100 lines, and the same gradients from jgrad's Tensor";
    }

    public static void run(PrintStream out, Path outDir) {
        out.println("== 1. An expression through Value (the scalar engine) ==");
        Value a = new Value(-4), b = new Value(2);
        Value g = expression(a, b);
        g.backward();
        out.printf(Locale.ROOT, "g = %.4f   dg/da = %.4f   dg/db = %.4f%n", g.data(), a.grad(), b.grad());

        out.println();
        out.println("== 2. The same expression through jgrad's Tensor (float64) ==");
        Tensor ta = Tensor.scalar(-4, DType.F64).requiresGrad(true), tb = Tensor.scalar(2, DType.F64).requiresGrad(true);
        Tensor tg = expression(ta, tb);
        tg.backward();
        out.printf(Locale.ROOT, "g = %.4f   dg/da = %.4f   dg/db = %.4f%n", tg.item(), ta.grad().item(), tb.grad().item());
        double diff = Math.max(Math.abs(a.grad() - ta.grad().item()), Math.abs(b.grad() - tb.grad().item()));
        out.printf(Locale.ROOT, "Value and Tensor gradients agree to 1e-9: %s%n", diff < 1e-9 ? "yes" : "NO");

        out.println();
        out.println("== 3. One neuron: o = tanh(x1*w1 + x2*w2 + b) ==");
        Value x1 = new Value(2), x2 = new Value(0), w1 = new Value(-3), w2 = new Value(1), bias = new Value(6.8813735870195432);
        Value o = x1.mul(w1).add(x2.mul(w2)).add(bias).tanh();
        o.backward();
        out.printf(Locale.ROOT, "o = %.4f%n", o.data());
        out.printf(Locale.ROOT, "do/dx1 = %.4f   do/dw1 = %.4f   do/dx2 = %.4f   do/dw2 = %.4f   do/db = %.4f%n",
                x1.grad(), w1.grad(), x2.grad(), w2.grad(), bias.grad());
        Tensor tx = Tensor.of(new double[] {2, 0}).requiresGrad(true), tw = Tensor.of(new double[] {-3, 1}).requiresGrad(true);
        Tensor tbias = Tensor.scalar(6.8813735870195432, DType.F64).requiresGrad(true);
        Tensor to = tx.mul(tw).sum().add(tbias).tanh();
        to.backward();
        out.printf(Locale.ROOT, "Tensor: o = %.4f   do/dx = [%.4f, %.4f]   do/dw = [%.4f, %.4f]   do/db = %.4f%n", to.item(),
                tx.grad().get(0), tx.grad().get(1), tw.grad().get(0), tw.grad().get(1), tbias.grad().item());

        out.println();
        out.println("== 4. Gradient descent on the neuron: fit o(x) = y on four points ==");
        double[][] xs = {{2, 3}, {3, -1}, {0.5, 1}, {1, 1}};
        double[] ys = {1, -1, -1, 1};
        Value[] params = {new Value(0.1), new Value(-0.2), new Value(0.05)};   // w1, w2, b
        for (int step = 0; step <= 30; step++) {
            Value loss = new Value(0);
            for (int i = 0; i < xs.length; i++) {
                Value pred = params[0].mul(xs[i][0]).add(params[1].mul(xs[i][1])).add(params[2]).tanh();
                loss = loss.add(pred.sub(ys[i]).pow(2));
            }
            for (Value p : params) p.zeroGrad();
            loss.backward();
            if (step % 10 == 0) out.printf(Locale.ROOT, "step %2d   loss %.4f%n", step, loss.data());
            for (Value p : params) p.setData(p.data() - 0.1 * p.grad());
        }
    }

    /** The expression of micrograd's own test, on {@link Value}s. */
    static Value expression(Value a, Value b) {
        Value c = a.add(b);
        Value d = a.mul(b).add(b.pow(3));
        c = c.add(c.add(1));
        c = c.add(c.add(1).add(a.neg()));
        d = d.add(d.mul(2).add(b.add(a).relu()));
        d = d.add(d.mul(3).add(b.sub(a).relu()));
        Value e = c.sub(d);
        Value f = e.pow(2);
        Value g = f.div(2);
        return g.add(f.pow(-1).mul(10));
    }

    /** The same expression, line for line, on jgrad tensors. */
    static Tensor expression(Tensor a, Tensor b) {
        Tensor c = a.add(b);
        Tensor d = a.mul(b).add(b.pow(3));
        c = c.add(c.add(1));
        c = c.add(c.add(1).add(a.neg()));
        d = d.add(d.mul(2).add(b.add(a).relu()));
        d = d.add(d.mul(3).add(b.sub(a).relu()));
        Tensor e = c.sub(d);
        Tensor f = e.pow(2);
        Tensor g = f.div(2);
        return g.add(f.pow(-1).mul(10));
    }
}
