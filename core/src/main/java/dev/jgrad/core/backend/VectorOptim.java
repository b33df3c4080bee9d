package dev.jgrad.core.backend;

import dev.jgrad.core.parallel.Parallel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 optimizer updates on the Vector API: one pass over the parameter, its gradient and the
 * optimizer's state buffers, each element read and written once (Adam moves 28 bytes per parameter:
 * param, grad, m, v read; param, m, v written). The scalar factors (bias corrections, step size) are
 * computed once in double precision.
 */
final class VectorOptim {

    private static final VectorSpecies<Float> S = VectorMath.S;
    private static final int L = S.length();

    private VectorOptim() {}

    /** See {@link Backend#sgdUpdate}. Arrays hold {@code n} elements from their offsets; buf may be null. */
    static void sgd(float[] p, int po, float[] g, int go, float[] buf, int bo, int n, SgdConfig c, boolean first) {
        float lr = (float) c.lr(), wd = (float) c.weightDecay(), mu = (float) c.momentum();
        float keep = (float) (1 - c.dampening());
        boolean nesterov = c.nesterov(), momentum = c.momentum() != 0;
        Parallel.forRange(n, VectorBackend.GRAIN, (from, to) -> {
            int i = from;
            for (; i <= to - L; i += L) {
                FloatVector vp = FloatVector.fromArray(S, p, po + i), vg = FloatVector.fromArray(S, g, go + i);
                if (wd != 0f) vg = vp.mul(wd).add(vg);
                if (momentum) {
                    FloatVector vb = first ? vg : FloatVector.fromArray(S, buf, bo + i).mul(mu).add(vg.mul(keep));
                    vb.intoArray(buf, bo + i);
                    vg = nesterov ? vb.mul(mu).add(vg) : vb;
                }
                vp.sub(vg.mul(lr)).intoArray(p, po + i);
            }
            for (; i < to; i++) {
                float gi = g[go + i], pi = p[po + i];
                if (wd != 0f) gi = gi + wd * pi;
                if (momentum) {
                    float b = first ? gi : buf[bo + i] * mu + keep * gi;
                    buf[bo + i] = b;
                    gi = nesterov ? gi + mu * b : b;
                }
                p[po + i] = pi - lr * gi;
            }
        });
    }

    /** See {@link Backend#adamUpdate}. Arrays hold {@code n} elements from their offsets; vmax may be null. */
    static void adam(float[] p, int po, float[] g, int go, float[] m, int mo, float[] v, int vo, float[] vmax, int xo,
                     int n, AdamConfig c, long step) {
        double bc1 = 1 - Math.pow(c.beta1(), step), bc2 = 1 - Math.pow(c.beta2(), step);
        float stepSize = (float) (c.lr() / bc1), invBc2Sqrt = (float) (1 / Math.sqrt(bc2));
        float b1 = (float) c.beta1(), b2 = (float) c.beta2(), ob1 = (float) (1 - c.beta1()), ob2 = (float) (1 - c.beta2());
        float eps = (float) c.eps();
        float decay = c.decoupled() ? (float) (1 - c.lr() * c.weightDecay()) : 1f;
        float l2 = c.decoupled() ? 0f : (float) c.weightDecay();
        boolean amsgrad = c.amsgrad();
        Parallel.forRange(n, VectorBackend.GRAIN, (from, to) -> {
            int i = from;
            for (; i <= to - L; i += L) {
                FloatVector vp = FloatVector.fromArray(S, p, po + i), vg = FloatVector.fromArray(S, g, go + i);
                if (l2 != 0f) vg = vp.mul(l2).add(vg);
                if (decay != 1f) vp = vp.mul(decay);
                FloatVector vm = FloatVector.fromArray(S, m, mo + i).mul(b1).add(vg.mul(ob1));
                FloatVector vv = FloatVector.fromArray(S, v, vo + i).mul(b2).add(vg.mul(vg).mul(ob2));
                vm.intoArray(m, mo + i);
                vv.intoArray(v, vo + i);
                if (amsgrad) {
                    vv = vv.max(FloatVector.fromArray(S, vmax, xo + i));
                    vv.intoArray(vmax, xo + i);
                }
                FloatVector denom = vv.lanewise(VectorOperators.SQRT).mul(invBc2Sqrt).add(eps);
                vp.sub(vm.mul(stepSize).div(denom)).intoArray(p, po + i);
            }
            for (; i < to; i++) {
                float pi = p[po + i], gi = g[go + i];
                if (l2 != 0f) gi = gi + l2 * pi;
                pi *= decay;
                float mi = m[mo + i] * b1 + ob1 * gi, vi = v[vo + i] * b2 + ob2 * gi * gi;
                m[mo + i] = mi;
                v[vo + i] = vi;
                if (amsgrad) {
                    vi = Math.max(vmax[xo + i], vi);
                    vmax[xo + i] = vi;
                }
                float denom = (float) Math.sqrt(vi) * invBc2Sqrt + eps;
                p[po + i] = pi - stepSize * mi / denom;
            }
        });
    }
}
