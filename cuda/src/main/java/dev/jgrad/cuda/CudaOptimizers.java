package dev.jgrad.cuda;

import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.backend.AdamConfig;
import dev.jgrad.core.backend.SgdConfig;

import java.util.Arrays;

/**
 * The fused optimizer updates of {@link CudaBackend} (optim.cu): one pass over a parameter, its gradient and its
 * state buffers, in place, with the reference backend's (PyTorch's) algorithms. Buffers may be strided and of any
 * float dtype (F32, F64, BF16, F16): the kernels load and store every dtype as the reference does, computing in
 * double; a strided buffer is updated through a contiguous copy on the device ({@link DenseOperands}) that is
 * written back.
 */
final class CudaOptimizers {

    private final CudaBackend backend;
    private final CudaContext ctx;

    CudaOptimizers(CudaBackend backend, CudaContext ctx) {
        this.backend = backend;
        this.ctx = ctx;
    }

    void sgdUpdate(Tensor param, Tensor grad, Tensor momentumBuffer, SgdConfig c, boolean firstStep) {
        sameShape("sgdUpdate", param, grad, "grad");
        boolean momentum = c.momentum() != 0;
        if (momentum) {
            if (momentumBuffer == null)
                throw new IllegalArgumentException("sgdUpdate: momentum " + c.momentum() + " needs a momentum buffer");
            sameShape("sgdUpdate", param, momentumBuffer, "momentumBuffer");
        }
        int n = param.numel();
        try (DenseOperands ops = DenseOperands.keepingDtype(backend, "sgdUpdate", param.dtype())) {
            Tensor p = ops.inOut(param), g = ops.in(grad), b = momentum ? ops.inOut(momentumBuffer) : null;
            if (n == 0) return;
            ctx.launch(Kernels.SGD_UPDATE, LaunchConfig.elementwise(n, ctx.multiprocessors), CudaDTypes.code(ops.dtype()),
                    p, g, b, n, c.lr(), c.momentum(), c.dampening(), c.weightDecay(), c.nesterov() ? 1 : 0,
                    firstStep ? 1 : 0);
        }
    }

    void adamUpdate(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor maxExpAvgSq, AdamConfig c,
                    long step) {
        if (step < 1) throw new IllegalArgumentException("adamUpdate: step counts from 1, got " + step);
        sameShape("adamUpdate", param, grad, "grad");
        sameShape("adamUpdate", param, expAvg, "expAvg");
        sameShape("adamUpdate", param, expAvgSq, "expAvgSq");
        if (c.amsgrad()) {
            if (maxExpAvgSq == null) throw new IllegalArgumentException("adamUpdate: AMSGrad needs maxExpAvgSq");
            sameShape("adamUpdate", param, maxExpAvgSq, "maxExpAvgSq");
        }
        int n = param.numel();
        double[] scalars = adamScalars(c, step);
        try (DenseOperands ops = DenseOperands.keepingDtype(backend, "adamUpdate", param.dtype())) {
            Tensor p = ops.inOut(param), g = ops.in(grad), m = ops.inOut(expAvg), v = ops.inOut(expAvgSq);
            Tensor vmax = c.amsgrad() ? ops.inOut(maxExpAvgSq) : null;
            if (n == 0) return;
            ctx.launch(Kernels.ADAM_UPDATE, LaunchConfig.elementwise(n, ctx.multiprocessors), CudaDTypes.code(ops.dtype()),
                    p, g, m, v, vmax, n, c.lr(), c.beta1(), c.beta2(), c.eps(), c.weightDecay(), c.decoupled() ? 1 : 0,
                    scalars[0], scalars[1]);
        }
    }

    /**
     * The bias corrections folded into two scalars as PyTorch (and the reference backend) does:
     * {@code {γ/(1 − β₁ᵗ), √(1 − β₂ᵗ)}}.
     */
    static double[] adamScalars(AdamConfig c, long step) {
        double biasCorrection1 = 1 - Math.pow(c.beta1(), step), biasCorrection2 = 1 - Math.pow(c.beta2(), step);
        return new double[] {c.lr() / biasCorrection1, Math.sqrt(biasCorrection2)};
    }

    private static void sameShape(String op, Tensor param, Tensor t, String name) {
        if (t == null) throw new IllegalArgumentException(op + ": " + name + " is required");
        if (!Arrays.equals(param.shape(), t.shape()))
            throw new IllegalArgumentException(op + ": " + name + " has shape " + Shape.str(t.shape())
                    + ", the parameter " + Shape.str(param.shape()));
    }
}
