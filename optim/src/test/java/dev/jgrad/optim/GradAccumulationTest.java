package dev.jgrad.optim;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.Tanh;
import dev.jgrad.nn.functional.F;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The accumulation pattern of {@link Optimizer}'s Javadoc: k micro-batches, each backward of loss/k, then
 * one step, equal one step on the whole batch (the mean of equal-sized micro-batch means is the batch
 * mean), for the gradients and for the parameters after several optimizer steps.
 */
class GradAccumulationTest {

    static Sequential model(DType dtype) {
        Generator g = new Generator(17);
        Sequential m = new Sequential(new Linear(3, 8, true, g), new Tanh(), new Linear(8, 4, true, g));
        m.to(dtype);
        return m;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F64", "F32"})
    void kMicroBatchesOfLossOverKEqualOneBigBatch(DType dtype) {
        // float64: only summation order differs (~1e-16); float32: ~1e-7 per operation
        double tol = dtype == DType.F64 ? 1e-13 : 1e-6;
        int batch = 12, k = 3, micro = batch / k;
        Generator data = new Generator(5);
        Sequential big = model(dtype), acc = model(dtype);
        AdamW optBig = new AdamW(big.parameters(), AdamW.defaults(0.02));
        AdamW optAcc = new AdamW(acc.parameters(), AdamW.defaults(0.02));
        for (int step = 0; step < 4; step++) {
            Tensor x = Tensor.randn(data, batch, 3).to(dtype);
            long[] y = new long[batch];
            for (int i = 0; i < batch; i++) y[i] = data.nextInt(4);
            Tensor ys = Tensor.of(y);

            optBig.zeroGrad();
            F.crossEntropy(big.forward(x), ys).backward();

            optAcc.zeroGrad();
            for (int i = 0; i < k; i++)
                F.crossEntropy(acc.forward(x.narrow(0, i * micro, micro)), ys.narrow(0, i * micro, micro)).div(k).backward();

            List<Tensor> pb = big.parameters(), pa = acc.parameters();
            for (int i = 0; i < pb.size(); i++) assertClose(pb.get(i).grad(), pa.get(i).grad(), tol, "gradient " + i + " step " + step);
            optBig.step();
            optAcc.step();
            for (int i = 0; i < pb.size(); i++) assertClose(pb.get(i), pa.get(i), tol, "parameter " + i + " step " + step);
        }
    }

    static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++)
            assertTrue(Math.abs(e[i] - a[i]) <= tol * (1 + Math.abs(e[i])), what + " [" + i + "]: " + e[i] + " vs " + a[i]);
    }
}
