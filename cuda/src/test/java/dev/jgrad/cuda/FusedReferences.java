package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Tensor;

/**
 * CPU references for the fused kernels of {@link CudaKernels}, in float64: composites of jgrad's core ops
 * (themselves checked against PyTorch) differentiated by core autograd, or plain loops transcribing the
 * published algorithm. Inputs and outputs are host tensors; results come back as float32.
 */
final class FusedReferences {

    private FusedReferences() {}

    static Tensor f64(Tensor t) {
        return t.to(dev.jgrad.core.Device.cpu()).to(DType.F64).detach();
    }

    static Tensor f32(Tensor t) {
        return t.detach().to(DType.F32).contiguous();
    }

    /** {out, mean, rstd, dx, dWeight, dBias} of LayerNorm over the last dim, by autograd. */
    static Tensor[] layerNorm(Tensor x, Tensor weight, Tensor bias, double eps, Tensor dy) {
        Tensor xx = f64(x).requiresGrad(true), w = f64(weight).requiresGrad(true), b = f64(bias).requiresGrad(true);
        Tensor mean = xx.mean(-1, true);
        Tensor rstd = xx.var(-1, true, 0).add(eps).rsqrt();
        Tensor out = xx.sub(mean).mul(rstd).mul(w).add(b);
        out.mul(f64(dy)).sum().backward();
        int rows = x.numel() / x.size(-1);
        return new Tensor[] {f32(out), f32(mean.reshape(rows)), f32(rstd.reshape(rows)), f32(xx.grad()),
                f32(w.grad()), f32(b.grad())};
    }

    /** {out, rstd, dx, dWeight} of RMSNorm over the last dim, by autograd. */
    static Tensor[] rmsNorm(Tensor x, Tensor weight, double eps, Tensor dy) {
        Tensor xx = f64(x).requiresGrad(true), w = f64(weight).requiresGrad(true);
        Tensor rstd = xx.square().mean(-1, true).add(eps).rsqrt();
        Tensor out = xx.mul(rstd).mul(w);
        out.mul(f64(dy)).sum().backward();
        int rows = x.numel() / x.size(-1);
        return new Tensor[] {f32(out), f32(rstd.reshape(rows)), f32(xx.grad()), f32(w.grad())};
    }

    /**
     * {loss (rows), lse (rows), dLogits} of label-smoothed cross-entropy by autograd:
     * loss_r = −Σ_j q_j log softmax(x_r)_j with q = (1 − ε)·onehot(t) + ε/V, 0 for ignored rows; dLogits is the
     * gradient of Σ_r gradLoss_r · loss_r.
     */
    static Tensor[] crossEntropy(Tensor logits, long[] targets, long ignoreIndex, double smoothing, Tensor gradLoss) {
        int rows = logits.size(0), v = logits.size(1);
        double[] q = new double[rows * v];
        for (int r = 0; r < rows; r++) {
            if (targets[r] == ignoreIndex) continue;
            for (int j = 0; j < v; j++) q[r * v + j] = smoothing / v + (j == targets[r] ? 1 - smoothing : 0);
        }
        Tensor x = f64(logits).requiresGrad(true);
        Tensor loss = x.logSoftmax(-1).mul(Tensor.of(q, rows, v)).sum(-1, false).neg();
        loss.mul(f64(gradLoss)).sum().backward();
        return new Tensor[] {f32(loss), f32(f64(logits).logsumexp(-1, false)), f32(x.grad())};
    }

    /**
     * {out, lse, dq, dk, dv} of scaled dot-product attention by autograd: kv heads are repeated for GQA, the
     * causal mask hides key j from query i when j > i + (Tk − Tq).
     */
    static Tensor[] attention(Tensor q, Tensor k, Tensor v, double scale, boolean causal, Tensor dOut) {
        int hq = q.size(1), hkv = k.size(1), tq = q.size(2), tk = k.size(2);
        Tensor qq = f64(q).requiresGrad(true), kk = f64(k).requiresGrad(true), vv = f64(v).requiresGrad(true);
        long[] group = new long[hq];
        for (int h = 0; h < hq; h++) group[h] = h / (hq / hkv);
        Tensor heads = Tensor.of(group);
        Tensor kr = kk.indexSelect(1, heads), vr = vv.indexSelect(1, heads);   // (B, Hq, Tk, D)
        Tensor scores = qq.matmul(kr.transpose(-1, -2)).mul(scale);             // (B, Hq, Tq, Tk)
        if (causal) {
            boolean[] hidden = new boolean[tq * tk];
            for (int i = 0; i < tq; i++) for (int j = 0; j < tk; j++) hidden[i * tk + j] = j > i + (tk - tq);
            scores = scores.maskedFill(Tensor.ofBooleans(hidden, tq, tk), Double.NEGATIVE_INFINITY);
        }
        Tensor out = scores.softmax(-1).matmul(vr);
        Tensor lse = scores.detach().logsumexp(-1, false);
        out.mul(f64(dOut)).sum().backward();
        return new Tensor[] {f32(out), f32(lse), f32(qq.grad()), f32(kk.grad()), f32(vv.grad())};
    }

    /** RoPE of a (..., T, D) tensor with the tables' angles, by the pair formulas in rope.cu. */
    static Tensor rope(Tensor x, Tensor cos, Tensor sin, int rotaryDim, boolean interleaved, boolean inverse, int offset) {
        int d = x.size(-1), t = x.size(-2), half = rotaryDim / 2;
        double[] in = x.toDoubleArray(), out = in.clone();
        float[] c = cos.toFloatArray(), s = sin.toFloatArray();
        for (int row = 0; row < in.length / d; row++) {
            int pos = row % t + offset;
            for (int i = 0; i < half; i++) {
                int ia = interleaved ? 2 * i : i, ib = interleaved ? 2 * i + 1 : i + half;
                double cc = c[pos * half + i], ss = inverse ? -s[pos * half + i] : s[pos * half + i];
                double a = in[row * d + ia], b = in[row * d + ib];
                out[row * d + ia] = a * cc - b * ss;
                out[row * d + ib] = b * cc + a * ss;
            }
        }
        return f32(Tensor.of(out, x.shape()));
    }

    /** torch.optim.Adam/AdamW, one step over flat arrays (in place), as documented by PyTorch. */
    static void adam(double[] p, double[] g, double[] m, double[] v, long step, double lr, double beta1, double beta2,
                     double eps, double wd, boolean decoupled, double gradScale) {
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        for (int i = 0; i < p.length; i++) {
            double grad = g[i] * gradScale;
            if (decoupled) p[i] *= 1 - lr * wd;
            else grad += wd * p[i];
            m[i] = beta1 * m[i] + (1 - beta1) * grad;
            v[i] = beta2 * v[i] + (1 - beta2) * grad * grad;
            p[i] -= lr / bc1 * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + eps);
        }
    }

    /** torch.optim.SGD, one step (in place). */
    static void sgd(double[] p, double[] g, double[] buf, double lr, double momentum, double dampening, double wd,
                    boolean nesterov, boolean first, double gradScale) {
        for (int i = 0; i < p.length; i++) {
            double grad = g[i] * gradScale + wd * p[i];
            if (momentum != 0) {
                buf[i] = first ? grad : momentum * buf[i] + (1 - dampening) * grad;
                grad = nesterov ? grad + momentum * buf[i] : buf[i];
            }
            p[i] -= lr * grad;
        }
    }

    /** bitsandbytes 4-bit decode: element f = codebook[nibble(f)] · absmax[f / blocksize], even f in the high nibble. */
    static float[] dequantize4bit(byte[] packed, float[] absmax, float[] codebook, int blocksize, int n) {
        float[] out = new float[n];
        for (int f = 0; f < n; f++) {
            int b = packed[f / 2] & 0xff;
            int nibble = f % 2 == 0 ? b >>> 4 : b & 0xf;
            out[f] = codebook[nibble] * absmax[f / blocksize];
        }
        return out;
    }
}
