package dev.jgrad.examples.course.exercises;

import dev.jgrad.examples.course.Value;

import java.util.List;
import java.util.function.DoubleUnaryOperator;

/** The exercises of chapter 1 (autograd). Implement them in {@link MySolution01}; check with {@code ./jgrad learn 1 --check}. */
public interface Exercises01 {

    /**
     * Exercise 1.1: the logistic sigmoid {@code 1 / (1 + e^-x)} built from {@link Value}'s operators, so that
     * its gradient ({@code σ(x)·(1 − σ(x))}) comes out of {@link Value#backward()} without a rule of its own.
     */
    Value sigmoid(Value x);

    /** Exercise 1.2: the central finite difference {@code (f(x+h) − f(x−h)) / 2h}, the oracle for every backward. */
    double centralDifference(DoubleUnaryOperator f, double x, double h);

    /** Exercise 1.3: the mean squared error {@code (1/n)·Σ (p_i − t_i)²} as a {@link Value}, differentiable in each {@code p_i}. */
    Value meanSquaredError(List<Value> predictions, double[] targets);
}
