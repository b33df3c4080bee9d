package dev.jgrad.examples.course.solutions;

import dev.jgrad.examples.course.Value;
import dev.jgrad.examples.course.exercises.Exercises01;

import java.util.List;
import java.util.function.DoubleUnaryOperator;

/** Reference solutions to chapter 1's exercises. */
public final class Solution01 implements Exercises01 {

    @Override
    public Value sigmoid(Value x) {
        return x.neg().exp().add(1).pow(-1);
    }

    @Override
    public double centralDifference(DoubleUnaryOperator f, double x, double h) {
        return (f.applyAsDouble(x + h) - f.applyAsDouble(x - h)) / (2 * h);
    }

    @Override
    public Value meanSquaredError(List<Value> predictions, double[] targets) {
        Value sum = new Value(0);
        for (int i = 0; i < targets.length; i++) sum = sum.add(predictions.get(i).sub(targets[i]).pow(2));
        return sum.div(targets.length);
    }
}
