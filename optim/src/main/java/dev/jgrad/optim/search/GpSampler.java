package dev.jgrad.optim.search;

import dev.jgrad.core.Generator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bayesian optimisation with a Gaussian process and expected improvement.
 *
 * <p>Each configuration becomes a point of the unit cube: a range is normalised to [0, 1] (log-uniform ones in
 * log space, integers by their cell in [low - 0.5, high + 0.5]); a categorical parameter becomes one coordinate
 * per choice (one-hot). The losses are standardised (zero mean, unit variance) and modelled by a GP with unit
 * signal variance and a Matérn-5/2 kernel with one length scale per coordinate (ARD):
 * <pre>
 *   k(x, x') = (1 + √5 r + 5r²/3) · exp(-√5 r),   r² = Σ_d ((x_d - x'_d) / ℓ_d)²
 * </pre>
 * plus a noise variance on the diagonal. The hyperparameters maximise the log marginal likelihood
 * {@code -½ yᵀK⁻¹y - ½ log|K| - (n/2) log 2π}: first one shared length scale and the noise over a grid, then one
 * sweep that tunes each coordinate's length scale on the grid in turn.
 *
 * <p>The next point maximises expected improvement over the best standardised loss y*, with the posterior
 * mean μ and deviation σ: {@code EI = (y* - μ) Φ(z) + σ φ(z)}, {@code z = (y* - μ) / σ}. EI is evaluated at
 * random points of the cube and around the best observations, and the five best are refined by a local random
 * search with shrinking steps. The first {@code startupTrials} trials are random. A pruned trial counts at the
 * loss it last reported (worse than it would have ended, which is what the pruner judged); failed trials are
 * left out.
 */
public final class GpSampler implements Sampler {

    static final double[] LENGTH_SCALES = {0.04, 0.08, 0.15, 0.25, 0.4, 0.6, 1.0, 2.0};
    static final double[] NOISES = {1e-6, 1e-4, 1e-2, 1e-1};
    static final int RANDOM_CANDIDATES = 1000, LOCAL_CANDIDATES = 200, REFINED = 5, REFINE_STEPS = 30;

    private final long seed;
    private final int startupTrials;

    public GpSampler(long seed, int startupTrials) {
        if (startupTrials < 0) throw new IllegalArgumentException("startupTrials must be >= 0, got " + startupTrials);
        this.seed = seed;
        this.startupTrials = startupTrials;
    }

    @Override
    public Map<String, Object> sample(SearchSpace space, List<Trial> history, int number) {
        Generator gen = Sampler.generator(seed, number);
        List<Trial> obs = Sampler.observations(history);
        if (obs.size() < Math.max(2, startupTrials)) return Sampler.random(space, gen);
        int n = obs.size(), dims = width(space);
        double[][] x = new double[n][];
        double[] y = new double[n];
        double mean = 0, var = 0;
        for (int i = 0; i < n; i++) {
            x[i] = encode(space, obs.get(i).params());
            y[i] = obs.get(i).metric();
            mean += y[i] / n;
        }
        for (double v : y) var += (v - mean) * (v - mean) / n;
        double sd = var > 0 ? Math.sqrt(var) : 1;
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            y[i] = (y[i] - mean) / sd;
            best = Math.min(best, y[i]);
        }
        Gp gp = Gp.fit(x, y, dims);
        if (gp == null) return Sampler.random(space, gen); // no hyperparameters gave a positive definite K

        // candidates: random points, and Gaussian steps around the best observations (the list is best first)
        List<double[]> cands = new ArrayList<>();
        for (int i = 0; i < RANDOM_CANDIDATES; i++) cands.add(uniform(dims, gen));
        for (int i = 0; i < LOCAL_CANDIDATES; i++) cands.add(perturb(x[i % Math.min(n, 5)], 0.05, gen));
        double[] ei = new double[cands.size()];
        for (int i = 0; i < ei.length; i++) ei[i] = gp.expectedImprovement(cands.get(i), best);
        Integer[] order = new Integer[ei.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Double.compare(ei[b], ei[a]));
        double[] winner = cands.get(order[0]);
        double winnerEi = ei[order[0]];
        for (int r = 0; r < REFINED; r++) {
            double[] p = cands.get(order[r]);
            double pe = ei[order[r]], step = 0.1;
            for (int s = 0; s < REFINE_STEPS; s++, step *= 0.9) {
                double[] q = perturb(p, step, gen);
                double qe = gp.expectedImprovement(q, best);
                if (qe > pe) {
                    p = q;
                    pe = qe;
                }
            }
            if (pe > winnerEi) {
                winner = p;
                winnerEi = pe;
            }
        }
        return decode(space, winner);
    }

    private static double[] uniform(int dims, Generator gen) {
        double[] p = new double[dims];
        for (int d = 0; d < dims; d++) p[d] = gen.nextDouble();
        return p;
    }

    private static double[] perturb(double[] p, double step, Generator gen) {
        double[] q = p.clone();
        for (int d = 0; d < q.length; d++) q[d] = Math.min(1, Math.max(0, q[d] + step * gen.nextGaussian()));
        return q;
    }

    // ---- the unit cube ----------------------------------------------------------------------------

    static int width(SearchSpace space) {
        int w = 0;
        for (SearchSpace.Dimension d : space.dimensions().values()) w += d instanceof SearchSpace.Choice c ? c.values().size() : 1;
        return w;
    }

    static double[] encode(SearchSpace space, Map<String, Object> params) {
        double[] p = new double[width(space)];
        int at = 0;
        for (var e : space.dimensions().entrySet()) {
            Object v = params.get(e.getKey());
            switch (e.getValue()) {
                case SearchSpace.Choice c -> {
                    int idx = c.values().indexOf(v);
                    if (idx >= 0) p[at + idx] = 1;
                    at += c.values().size();
                }
                case SearchSpace.Uniform u -> p[at++] = unit(((Number) v).doubleValue(), u.low(), u.high());
                case SearchSpace.LogUniform u ->
                        p[at++] = unit(Math.log(((Number) v).doubleValue()), Math.log(u.low()), Math.log(u.high()));
                case SearchSpace.IntRange r -> p[at++] = unit(((Number) v).doubleValue(), r.low() - 0.5, r.high() + 0.5);
            }
        }
        return p;
    }

    static Map<String, Object> decode(SearchSpace space, double[] p) {
        Map<String, Object> out = new LinkedHashMap<>();
        int at = 0;
        for (var e : space.dimensions().entrySet()) {
            Object v = switch (e.getValue()) {
                case SearchSpace.Choice c -> {
                    int best = 0;
                    for (int i = 1; i < c.values().size(); i++) if (p[at + i] > p[at + best]) best = i;
                    at += c.values().size();
                    yield c.values().get(best);
                }
                case SearchSpace.Uniform u -> Math.min(u.high(), Math.max(u.low(), u.low() + p[at++] * (u.high() - u.low())));
                case SearchSpace.LogUniform u -> {
                    double a = Math.log(u.low()), b = Math.log(u.high());
                    yield Math.min(u.high(), Math.max(u.low(), Math.exp(a + p[at++] * (b - a))));
                }
                case SearchSpace.IntRange r ->
                        (int) Math.min(r.high(), Math.max(r.low(), Math.round(r.low() - 0.5 + p[at++] * (r.high() - r.low() + 1))));
            };
            out.put(e.getKey(), v);
        }
        return out;
    }

    private static double unit(double v, double low, double high) {
        return high > low ? (v - low) / (high - low) : 0.5;
    }

    // ---- the Gaussian process ---------------------------------------------------------------------

    /** A GP posterior: training points, length scales, noise, the Cholesky factor L of K and α = K⁻¹y. */
    record Gp(double[][] x, double[] lengthScales, double noise, double[][] chol, double[] alpha, double logLikelihood) {

        static Gp fit(double[][] x, double[] y, int dims) {
            Gp best = null;
            for (double l : LENGTH_SCALES)
                for (double noise : NOISES) {
                    double[] ls = new double[dims];
                    java.util.Arrays.fill(ls, l);
                    best = better(best, condition(x, y, ls, noise));
                }
            for (int d = 0; d < dims && best != null; d++)
                for (double l : LENGTH_SCALES) {
                    double[] ls = best.lengthScales().clone();
                    ls[d] = l;
                    best = better(best, condition(x, y, ls, best.noise()));
                }
            return best;
        }

        private static Gp better(Gp a, Gp b) {
            return a == null || (b != null && b.logLikelihood() > a.logLikelihood()) ? b : a;
        }

        /** The posterior for fixed hyperparameters (null if K is not positive definite). */
        static Gp condition(double[][] x, double[] y, double[] ls, double noise) {
            int n = x.length;
            double[][] k = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < i; j++) k[i][j] = k[j][i] = matern(x[i], x[j], ls);
                k[i][i] = 1 + noise;
            }
            double[][] l = cholesky(k);
            if (l == null) return null;
            double[] alpha = backSolve(l, forwardSolve(l, y));
            double ll = -0.5 * n * Math.log(2 * Math.PI);
            for (int i = 0; i < n; i++) ll += -0.5 * y[i] * alpha[i] - Math.log(l[i][i]);
            return new Gp(x, ls, noise, l, alpha, ll);
        }

        double expectedImprovement(double[] p, double best) {
            int n = x.length;
            double[] ks = new double[n];
            double mu = 0;
            for (int i = 0; i < n; i++) {
                ks[i] = matern(p, x[i], lengthScales);
                mu += ks[i] * alpha[i];
            }
            double[] v = forwardSolve(chol, ks);
            double var = 1;
            for (double vi : v) var -= vi * vi;
            double sigma = Math.sqrt(Math.max(var, 1e-12));
            double z = (best - mu) / sigma;
            return (best - mu) * Normal.cdf(z) + sigma * Normal.pdf(z);
        }

        static double matern(double[] a, double[] b, double[] ls) {
            double r2 = 0;
            for (int d = 0; d < a.length; d++) {
                double t = (a[d] - b[d]) / ls[d];
                r2 += t * t;
            }
            double r = Math.sqrt(5 * r2);
            return (1 + r + r * r / 3) * Math.exp(-r);
        }

        /** Lower-triangular L with L Lᵀ = a, or null when a is not (numerically) positive definite. */
        static double[][] cholesky(double[][] a) {
            int n = a.length;
            double[][] l = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j <= i; j++) {
                    double s = a[i][j];
                    double[] li = l[i], lj = l[j];
                    for (int k = 0; k < j; k++) s -= li[k] * lj[k];
                    if (i == j) {
                        if (!(s > 0)) return null;
                        li[i] = Math.sqrt(s);
                    } else {
                        li[j] = s / lj[j];
                    }
                }
            }
            return l;
        }

        /** Solves L z = b. */
        static double[] forwardSolve(double[][] l, double[] b) {
            int n = b.length;
            double[] z = new double[n];
            for (int i = 0; i < n; i++) {
                double s = b[i];
                for (int k = 0; k < i; k++) s -= l[i][k] * z[k];
                z[i] = s / l[i][i];
            }
            return z;
        }

        /** Solves Lᵀ z = b. */
        static double[] backSolve(double[][] l, double[] b) {
            int n = b.length;
            double[] z = new double[n];
            for (int i = n - 1; i >= 0; i--) {
                double s = b[i];
                for (int k = i + 1; k < n; k++) s -= l[k][i] * z[k];
                z[i] = s / l[i][i];
            }
            return z;
        }
    }
}
