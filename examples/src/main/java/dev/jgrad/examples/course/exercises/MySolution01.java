package dev.jgrad.examples.course.exercises;

import dev.jgrad.examples.course.Value;

import java.util.List;
import java.util.function.DoubleUnaryOperator;

/** Your solutions to chapter 1's exercises: replace each {@code throw} with your code, then run {@code ./jgrad learn 1 --check}. */
public final class MySolution01 implements Exercises01 {

    @Override
    public Value sigmoid(Value x) {
        throw new UnsupportedOperationException("exercise 1.1: build 1/(1+exp(-x)) from Value's neg, exp, add and pow");
    }

    @Override
    public double centralDifference(DoubleUnaryOperator f, double x, double h) {
        throw new UnsupportedOperationException("exercise 1.2: return (f(x+h) - f(x-h)) / (2h)");
    }

    @Override
    public Value meanSquaredError(List<Value> predictions, double[] targets) {
        throw new UnsupportedOperationException("exercise 1.3: sum (p_i - t_i)^2 over i as Values, then divide by n");
    }
}
