package dev.jgrad.optim.search;

import dev.jgrad.core.Generator;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tree-structured Parzen estimator (Bergstra et al., 2011), as Optuna's default {@code TPESampler}
 * (independent per parameter, prior weight 1, magic clip, 24 candidates).
 *
 * <p>Instead of modelling p(loss | x), TPE models p(x | loss) twice. The observed trials, best first, are split
 * at the γ-quantile, γ(n) = min(⌈n/10⌉, 25) trials: the good ones give a density l(x), the others g(x). Each
 * density is a Parzen estimator: a mixture of one truncated Gaussian per observation plus a broad prior
 * component centred on the range (σ = the range). An observation's bandwidth is the larger distance to its
 * neighbours among the sorted observations, clipped to [range / min(100, 1 + n), range]; the
 * endpoints' observations use only their inner neighbour. With more than 25 observations the older ones weigh
 * less (a linear ramp), the 25 newest weigh 1. Candidates are drawn from l and the one with the largest
 * l(x) / g(x) is taken: maximising this ratio is maximising expected improvement under the split.
 *
 * <p>Ranges are modelled where they are uniform: log-uniform ones in log space, integers on
 * [low - 0.5, high + 0.5] then rounded. A categorical parameter's kernel puts weight 1 on its observed choice
 * plus a prior weight spread evenly over all choices. The first {@code startupTrials} trials are random.
 */
public final class TpeSampler implements Sampler {

    static final int CANDIDATES = 24;
    static final double PRIOR_WEIGHT = 1.0;

    private final long seed;
    private final int startupTrials;

    public TpeSampler(long seed, int startupTrials) {
        if (startupTrials < 0) throw new IllegalArgumentException("startupTrials must be >= 0, got " + startupTrials);
        this.seed = seed;
        this.startupTrials = startupTrials;
    }

    @Override
    public Map<String, Object> sample(SearchSpace space, List<Trial> history, int number) {
        Generator gen = Sampler.generator(seed, number);
        List<Trial> obs = Sampler.observations(history);
        if (obs.size() < Math.max(1, startupTrials)) return Sampler.random(space, gen);
        int nBelow = Math.min((int) Math.ceil(0.1 * obs.size()), 25);
        List<Trial> below = byNumber(obs.subList(0, nBelow));
        List<Trial> above = byNumber(obs.subList(nBelow, obs.size()));
        Map<String, Object> out = new LinkedHashMap<>();
        space.dimensions().forEach((name, d) -> out.put(name, sampleOne(d, values(below, name), values(above, name), gen)));
        return out;
    }

    private static List<Trial> byNumber(List<Trial> trials) {
        List<Trial> s = new ArrayList<>(trials);
        s.sort(Comparator.comparingInt(Trial::index));
        return s;
    }

    private static List<Object> values(List<Trial> trials, String name) {
        List<Object> v = new ArrayList<>();
        for (Trial t : trials) v.add(t.params().get(name));
        return v;
    }

    private static Object sampleOne(SearchSpace.Dimension d, List<Object> below, List<Object> above, Generator gen) {
        if (d instanceof SearchSpace.Choice c) {
            double[] l = categorical(c, below), g = categorical(c, above);
            double[] weights = new double[l.length];
            System.arraycopy(l, 0, weights, 0, l.length);
            int best = -1;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < CANDIDATES; i++) {
                int k = pick(weights, gen);
                double score = Math.log(l[k]) - Math.log(g[k]);
                if (score > bestScore) {
                    bestScore = score;
                    best = k;
                }
            }
            return c.values().get(best);
        }
        double low, high;
        switch (d) {
            case SearchSpace.Uniform u -> { low = u.low(); high = u.high(); }
            case SearchSpace.LogUniform u -> { low = Math.log(u.low()); high = Math.log(u.high()); }
            case SearchSpace.IntRange r -> { low = r.low() - 0.5; high = r.high() + 0.5; }
            default -> throw new IllegalStateException("unknown dimension " + d);
        }
        if (high == low) return decode(d, low);
        Parzen l = Parzen.fit(numeric(d, below), low, high), g = Parzen.fit(numeric(d, above), low, high);
        double best = Double.NaN, bestScore = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < CANDIDATES; i++) {
            double x = l.sample(gen);
            double score = l.logPdf(x) - g.logPdf(x);
            if (score > bestScore || Double.isNaN(best)) {
                bestScore = score;
                best = x;
            }
        }
        return decode(d, best);
    }

    private static double[] numeric(SearchSpace.Dimension d, List<Object> values) {
        double[] x = new double[values.size()];
        for (int i = 0; i < x.length; i++) {
            double v = ((Number) values.get(i)).doubleValue();
            x[i] = d instanceof SearchSpace.LogUniform ? Math.log(v) : v;
        }
        return x;
    }

    private static Object decode(SearchSpace.Dimension d, double x) {
        return switch (d) {
            case SearchSpace.Uniform u -> Math.min(u.high(), Math.max(u.low(), x));
            case SearchSpace.LogUniform u -> Math.min(u.high(), Math.max(u.low(), Math.exp(x)));
            case SearchSpace.IntRange r -> (int) Math.min(r.high(), Math.max(r.low(), Math.round(x)));
            default -> throw new IllegalStateException("unknown dimension " + d);
        };
    }

    /**
     * The categorical Parzen estimator's probability of each choice: each observation's kernel is its choice
     * (weight 1) plus {@code PRIOR_WEIGHT / (n + 1)} on every choice, normalised; the prior kernel is uniform.
     */
    static double[] categorical(SearchSpace.Choice c, List<Object> observed) {
        int k = c.values().size(), n = observed.size();
        double[] mix = weights(n);
        double[] p = new double[k];
        for (int i = 0; i < n; i++) {
            int idx = c.values().indexOf(observed.get(i));
            double base = PRIOR_WEIGHT / (n + 1), total = base * k + (idx >= 0 ? 1 : 0);
            for (int j = 0; j < k; j++) p[j] += mix[i] * (base + (j == idx ? 1 : 0)) / total;
        }
        for (int j = 0; j < k; j++) p[j] += mix[n] / k;
        return p;
    }

    /**
     * Mixture weights of n observations (ordered by trial number) and the prior, summing to 1: Optuna's
     * {@code default_weights} (1 each for up to 25; beyond, a ramp from 1/n for the oldest to 1, then 25 ones).
     */
    static double[] weights(int n) {
        double[] w = new double[n + 1];
        int ramp = Math.max(0, n - 25);
        for (int i = 0; i < n; i++)
            w[i] = i >= ramp ? 1 : (ramp == 1 ? 1.0 / n : 1.0 / n + (1 - 1.0 / n) * i / (ramp - 1));
        w[n] = PRIOR_WEIGHT;
        double sum = 0;
        for (double v : w) sum += v;
        for (int i = 0; i <= n; i++) w[i] /= sum;
        return w;
    }

    private static int pick(double[] weights, Generator gen) {
        double u = gen.nextDouble(), acc = 0;
        for (int i = 0; i < weights.length; i++) {
            acc += weights[i];
            if (u < acc) return i;
        }
        return weights.length - 1;
    }

    /** A mixture of Gaussians truncated to [low, high]: one per observation, the last one the prior. */
    record Parzen(double[] mu, double[] sigma, double[] weight, double low, double high) {

        static Parzen fit(double[] obs, double low, double high) {
            int n = obs.length, m = n + 1;
            double[] mu = new double[m], sigma = new double[m];
            System.arraycopy(obs, 0, mu, 0, n);
            mu[n] = 0.5 * (low + high);
            Integer[] order = new Integer[m];
            for (int i = 0; i < m; i++) order[i] = i;
            java.util.Arrays.sort(order, Comparator.comparingDouble(i -> mu[i]));
            double[] s = new double[m + 2]; // sorted centres with the range's ends around them
            s[0] = low;
            s[m + 1] = high;
            for (int i = 0; i < m; i++) s[i + 1] = mu[order[i]];
            for (int i = 0; i < m; i++) {
                double bw = Math.max(s[i + 1] - s[i], s[i + 2] - s[i + 1]);
                if (m >= 2 && i == 0) bw = s[2] - s[1];              // endpoints are not neighbours
                if (m >= 2 && i == m - 1) bw = s[m] - s[m - 1];
                sigma[order[i]] = bw;
            }
            double range = high - low, minSigma = range / Math.min(100.0, 1 + m);
            for (int i = 0; i < m; i++) sigma[i] = Math.min(range, Math.max(minSigma, sigma[i]));
            sigma[n] = range;                                            // the prior
            return new Parzen(mu, sigma, weights(n), low, high);
        }

        double sample(Generator gen) {
            int k = pick(weight, gen);
            for (int tries = 0; tries < 1000; tries++) {
                double x = mu[k] + sigma[k] * gen.nextGaussian();
                if (x >= low && x <= high) return x;
            }
            return Math.min(high, Math.max(low, mu[k]));
        }

        double logPdf(double x) {
            double p = 0;
            for (int i = 0; i < mu.length; i++) {
                double mass = Normal.cdf((high - mu[i]) / sigma[i]) - Normal.cdf((low - mu[i]) / sigma[i]);
                p += weight[i] * Normal.pdf((x - mu[i]) / sigma[i]) / (sigma[i] * Math.max(mass, 1e-12));
            }
            return Math.log(p);
        }
    }
}
