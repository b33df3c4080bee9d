package dev.jgrad.core.backend;

import dev.jgrad.core.parallel.Parallel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 LayerNorm and RMSNorm, forward and backward, on the Vector API. Each row (one token's features,
 * a few KiB) is read from memory once and then revisited in cache: a statistics pass, then an output pass.
 *
 * <p>The weight and bias gradients sum over rows. Rows are cut into {@link #BLOCKS} (or fewer) blocks whose
 * bounds depend only on the row count; each block sums into its own partial row, and the partials are
 * added in block order, so the result is the same on any number of threads.
 */
final class VectorNorms {

    private static final VectorSpecies<Float> S = VectorMath.S;
    private static final int L = S.length();
    /** Maximum number of row blocks for the parameter-gradient partial sums. */
    static final int BLOCKS = 64;

    private VectorNorms() {}

    /** Arrays and offsets of one norm call; weight and bias arrays are null when absent. */
    record Args(float[] x, int xo, float[] w, int wo, float[] b, int bo, int rows, int n) {}

    // ---- LayerNorm ------------------------------------------------------------------------------

    static void layerNorm(Args a, float eps, float[] y, int yo, float[] mean, int mo, float[] rstd, int ro) {
        int n = a.n();
        Parallel.forRange(a.rows(), rowsPerTask(n), (from, to) -> {
            for (int r = from; r < to; r++) {
                int xr = a.xo() + r * n, yr = yo + r * n;
                float mu = sum(a.x(), xr, n) / n;
                float var = sumSquaredDeviation(a.x(), xr, n, mu) / n;
                float rs = (float) (1.0 / Math.sqrt(var + eps));
                mean[mo + r] = mu;
                rstd[ro + r] = rs;
                FloatVector vmu = FloatVector.broadcast(S, mu), vrs = FloatVector.broadcast(S, rs);
                int j = 0;
                for (; j < S.loopBound(n); j += L) {
                    FloatVector v = FloatVector.fromArray(S, a.x(), xr + j).sub(vmu).mul(vrs);
                    if (a.w() != null) v = v.mul(FloatVector.fromArray(S, a.w(), a.wo() + j));
                    if (a.b() != null) v = v.add(FloatVector.fromArray(S, a.b(), a.bo() + j));
                    v.intoArray(y, yr + j);
                }
                for (; j < n; j++) {
                    float v = (a.x()[xr + j] - mu) * rs;
                    if (a.w() != null) v *= a.w()[a.wo() + j];
                    if (a.b() != null) v += a.b()[a.bo() + j];
                    y[yr + j] = v;
                }
            }
        });
    }

    /**
     * dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), dweight = Σ gy·x̂, dbias = Σ gy (dx, dw, db may be null).
     */
    static void layerNormBackward(Args a, float[] gy, int go, float[] mean, int mo, float[] rstd, int ro,
                                  float[] dx, int dxo, float[] dw, int dwo, float[] db, int dbo) {
        int n = a.n(), rows = a.rows();
        int blocks = Math.max(1, Math.min(rows, BLOCKS));
        float[][] pw = dw == null ? null : new float[blocks][n], pb = db == null ? null : new float[blocks][n];
        Parallel.forChunks(blocks, (bFrom, bTo) -> {
            for (int blk = bFrom; blk < bTo; blk++) {
                int from = (int) ((long) rows * blk / blocks), to = (int) ((long) rows * (blk + 1) / blocks);
                float[] accW = pw == null ? null : pw[blk], accB = pb == null ? null : pb[blk];
                for (int r = from; r < to; r++) {
                    layerNormBackwardRow(a, gy, go + r * n, a.xo() + r * n, mean[mo + r], rstd[ro + r],
                            dx, dxo + r * n, accW, accB);
                }
            }
        });
        sumBlocks(pw, dw, dwo, n);
        sumBlocks(pb, db, dbo, n);
    }

    private static void layerNormBackwardRow(Args a, float[] gy, int gr, int xr, float mu, float rs,
                                             float[] dx, int dxr, float[] accW, float[] accB) {
        int n = a.n();
        float[] x = a.x(), w = a.w();
        FloatVector vmu = FloatVector.broadcast(S, mu), vrs = FloatVector.broadcast(S, rs);
        FloatVector sg = FloatVector.zero(S), sgx = FloatVector.zero(S);
        int j = 0;
        for (; j < S.loopBound(n); j += L) {
            FloatVector g = FloatVector.fromArray(S, gy, gr + j);
            FloatVector xhat = FloatVector.fromArray(S, x, xr + j).sub(vmu).mul(vrs);
            FloatVector ghat = w == null ? g : g.mul(FloatVector.fromArray(S, w, a.wo() + j));
            sg = sg.add(ghat);
            sgx = ghat.fma(xhat, sgx);
            if (accW != null) g.fma(xhat, FloatVector.fromArray(S, accW, j)).intoArray(accW, j);
            if (accB != null) g.add(FloatVector.fromArray(S, accB, j)).intoArray(accB, j);
        }
        float sumG = VectorMath.sumLanes(sg), sumGX = VectorMath.sumLanes(sgx);
        for (; j < n; j++) {
            float g = gy[gr + j], xhat = (x[xr + j] - mu) * rs, ghat = w == null ? g : g * w[a.wo() + j];
            sumG += ghat;
            sumGX += ghat * xhat;
            if (accW != null) accW[j] += g * xhat;
            if (accB != null) accB[j] += g;
        }
        if (dx == null) return;
        float meanG = sumG / n, meanGX = sumGX / n;
        FloatVector vmg = FloatVector.broadcast(S, meanG), vmgx = FloatVector.broadcast(S, meanGX);
        for (j = 0; j < S.loopBound(n); j += L) {
            FloatVector g = FloatVector.fromArray(S, gy, gr + j);
            FloatVector xhat = FloatVector.fromArray(S, x, xr + j).sub(vmu).mul(vrs);
            FloatVector ghat = w == null ? g : g.mul(FloatVector.fromArray(S, w, a.wo() + j));
            ghat.sub(vmg).sub(xhat.mul(vmgx)).mul(vrs).intoArray(dx, dxr + j);
        }
        for (; j < n; j++) {
            float g = gy[gr + j], xhat = (x[xr + j] - mu) * rs, ghat = w == null ? g : g * w[a.wo() + j];
            dx[dxr + j] = rs * (ghat - meanG - xhat * meanGX);
        }
    }

    // ---- RMSNorm --------------------------------------------------------------------------------

    static void rmsNorm(Args a, float eps, float[] y, int yo, float[] rstd, int ro) {
        int n = a.n();
        Parallel.forRange(a.rows(), rowsPerTask(n), (from, to) -> {
            for (int r = from; r < to; r++) {
                int xr = a.xo() + r * n, yr = yo + r * n;
                float rs = (float) (1.0 / Math.sqrt(sumSquares(a.x(), xr, n) / n + eps));
                rstd[ro + r] = rs;
                FloatVector vrs = FloatVector.broadcast(S, rs);
                int j = 0;
                for (; j < S.loopBound(n); j += L) {
                    FloatVector v = FloatVector.fromArray(S, a.x(), xr + j).mul(vrs);
                    if (a.w() != null) v = v.mul(FloatVector.fromArray(S, a.w(), a.wo() + j));
                    v.intoArray(y, yr + j);
                }
                for (; j < n; j++) y[yr + j] = a.x()[xr + j] * rs * (a.w() == null ? 1f : a.w()[a.wo() + j]);
            }
        });
    }

    /** dx = rstd·(ĝ − x̂·mean(ĝ·x̂)), dweight = Σ gy·x̂ (dx, dw may be null). */
    static void rmsNormBackward(Args a, float[] gy, int go, float[] rstd, int ro, float[] dx, int dxo, float[] dw, int dwo) {
        int n = a.n(), rows = a.rows();
        int blocks = Math.max(1, Math.min(rows, BLOCKS));
        float[][] pw = dw == null ? null : new float[blocks][n];
        float[] x = a.x(), w = a.w();
        Parallel.forChunks(blocks, (bFrom, bTo) -> {
            for (int blk = bFrom; blk < bTo; blk++) {
                int from = (int) ((long) rows * blk / blocks), to = (int) ((long) rows * (blk + 1) / blocks);
                float[] accW = pw == null ? null : pw[blk];
                for (int r = from; r < to; r++) {
                    int gr = go + r * n, xr = a.xo() + r * n, dxr = dxo + r * n;
                    float rs = rstd[ro + r];
                    FloatVector vrs = FloatVector.broadcast(S, rs), sgx = FloatVector.zero(S);
                    int j = 0;
                    for (; j < S.loopBound(n); j += L) {
                        FloatVector g = FloatVector.fromArray(S, gy, gr + j);
                        FloatVector xhat = FloatVector.fromArray(S, x, xr + j).mul(vrs);
                        FloatVector ghat = w == null ? g : g.mul(FloatVector.fromArray(S, w, a.wo() + j));
                        sgx = ghat.fma(xhat, sgx);
                        if (accW != null) g.fma(xhat, FloatVector.fromArray(S, accW, j)).intoArray(accW, j);
                    }
                    float sumGX = VectorMath.sumLanes(sgx);
                    for (; j < n; j++) {
                        float g = gy[gr + j], xhat = x[xr + j] * rs;
                        sumGX += (w == null ? g : g * w[a.wo() + j]) * xhat;
                        if (accW != null) accW[j] += g * xhat;
                    }
                    if (dx == null) continue;
                    float meanGX = sumGX / n;
                    FloatVector vmgx = FloatVector.broadcast(S, meanGX);
                    for (j = 0; j < S.loopBound(n); j += L) {
                        FloatVector g = FloatVector.fromArray(S, gy, gr + j);
                        FloatVector xhat = FloatVector.fromArray(S, x, xr + j).mul(vrs);
                        FloatVector ghat = w == null ? g : g.mul(FloatVector.fromArray(S, w, a.wo() + j));
                        ghat.sub(xhat.mul(vmgx)).mul(vrs).intoArray(dx, dxr + j);
                    }
                    for (; j < n; j++) {
                        float g = gy[gr + j], xhat = x[xr + j] * rs, ghat = w == null ? g : g * w[a.wo() + j];
                        dx[dxr + j] = rs * (ghat - xhat * meanGX);
                    }
                }
            }
        });
        sumBlocks(pw, dw, dwo, n);
    }

    // ---- helpers --------------------------------------------------------------------------------

    static int rowsPerTask(int n) {
        return Math.max(1, VectorBackend.GRAIN / Math.max(n, 1));
    }

    /** out[j] = Σ_b partial[b][j], blocks added in order. */
    private static void sumBlocks(float[][] partial, float[] out, int oo, int n) {
        if (partial == null) return;
        java.util.Arrays.fill(out, oo, oo + n, 0f);
        for (float[] p : partial) VectorElementwise.accumulate(out, oo, p, 0, n);
    }

    static float sum(float[] x, int o, int n) {
        return VectorElementwise.sum(x, o, n);
    }

    /** Σ (x − mu)². */
    static float sumSquaredDeviation(float[] x, int o, int n, float mu) {
        FloatVector vmu = FloatVector.broadcast(S, mu), acc = FloatVector.zero(S);
        int j = 0;
        for (; j < S.loopBound(n); j += L) {
            FloatVector d = FloatVector.fromArray(S, x, o + j).sub(vmu);
            acc = d.fma(d, acc);
        }
        float s = VectorMath.sumLanes(acc);
        for (; j < n; j++) s += (x[o + j] - mu) * (x[o + j] - mu);
        return s;
    }

    /** Σ x². */
    static float sumSquares(float[] x, int o, int n) {
        FloatVector acc = FloatVector.zero(S);
        int j = 0;
        for (; j < S.loopBound(n); j += L) {
            FloatVector v = FloatVector.fromArray(S, x, o + j);
            acc = v.fma(v, acc);
        }
        float s = VectorMath.sumLanes(acc);
        for (; j < n; j++) s += x[o + j] * x[o + j];
        return s;
    }
}
