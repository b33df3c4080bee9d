package dev.jgrad.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PyTorch's {@code ReduceLROnPlateau}: lowers the learning rates when a monitored metric (say a validation
 * loss) stops improving.
 *
 * <pre>
 * step(metric):
 *     if better(metric, best): best ← metric; bad_epochs ← 0
 *     else:                    bad_epochs ← bad_epochs + 1
 *     if cooldown_counter &gt; 0: cooldown_counter ← cooldown_counter − 1; bad_epochs ← 0
 *     if bad_epochs &gt; patience:
 *         for each group: new = max(lr · factor, min_lr); if lr − new &gt; eps: lr ← new
 *         cooldown_counter ← cooldown; bad_epochs ← 0
 * better(a, best), mode MIN: a &lt; best·(1 − threshold) (REL) or a &lt; best − threshold (ABS)
 *                  mode MAX: a &gt; best·(1 + threshold) (REL) or a &gt; best + threshold (ABS)
 * best starts at +∞ (MIN) or −∞ (MAX); eps = 1e-8.
 * </pre>
 */
public class ReduceLrOnPlateau implements Schedule {

    public enum Mode { MIN, MAX }

    public enum ThresholdMode { REL, ABS }

    private static final double EPS = 1e-8;

    private final Optimizer<?> optimizer;
    private final Mode mode;
    private final double factor, threshold;
    private final int patience, cooldown;
    private final ThresholdMode thresholdMode;
    private final double minLr;

    private double best;
    private int numBadEpochs, cooldownCounter, lastEpoch;

    /** PyTorch's defaults: MIN, factor 0.1, patience 10, threshold 1e-4 REL, cooldown 0, min_lr 0. */
    public ReduceLrOnPlateau(Optimizer<?> optimizer) {
        this(optimizer, Mode.MIN, 0.1, 10, 1e-4, ThresholdMode.REL, 0, 0);
    }

    public ReduceLrOnPlateau(Optimizer<?> optimizer, Mode mode, double factor, int patience, double threshold,
                             ThresholdMode thresholdMode, int cooldown, double minLr) {
        if (!(factor < 1)) throw new IllegalArgumentException("ReduceLrOnPlateau: factor should be < 1.0, got " + factor);
        if (patience < 0 || cooldown < 0) throw new IllegalArgumentException("ReduceLrOnPlateau: patience and cooldown must be >= 0");
        this.optimizer = optimizer;
        this.mode = mode;
        this.factor = factor;
        this.patience = patience;
        this.threshold = threshold;
        this.thresholdMode = thresholdMode;
        this.cooldown = cooldown;
        this.minLr = minLr;
        this.best = mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    /** Records one evaluation of the metric and lowers the learning rates if it has plateaued. */
    public void step(double metric) {
        lastEpoch++;
        if (isBetter(metric, best)) {
            best = metric;
            numBadEpochs = 0;
        } else {
            numBadEpochs++;
        }
        if (cooldownCounter > 0) {
            cooldownCounter--;
            numBadEpochs = 0;
        }
        if (numBadEpochs > patience) {
            for (Optimizer.ParamGroup<?> g : optimizer.paramGroups()) {
                double old = g.lr(), fresh = Math.max(old * factor, minLr);
                if (old - fresh > EPS) g.setLr(fresh);
            }
            cooldownCounter = cooldown;
            numBadEpochs = 0;
        }
    }

    private boolean isBetter(double a, double best) {
        return switch (mode) {
            case MIN -> thresholdMode == ThresholdMode.REL ? a < best * (1 - threshold) : a < best - threshold;
            case MAX -> thresholdMode == ThresholdMode.REL ? a > best * (threshold + 1) : a > best + threshold;
        };
    }

    /** The best metric seen so far. */
    public double best() {
        return best;
    }

    @Override
    public Map<String, Object> stateDict() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "ReduceLrOnPlateau");
        m.put("best", best);
        m.put("num_bad_epochs", numBadEpochs);
        m.put("cooldown_counter", cooldownCounter);
        m.put("last_epoch", lastEpoch);
        List<? extends Optimizer.ParamGroup<?>> groups = optimizer.paramGroups();
        double[] lrs = new double[groups.size()];
        for (int i = 0; i < lrs.length; i++) lrs[i] = groups.get(i).lr();
        m.put("lrs", java.util.Arrays.stream(lrs).boxed().toList());
        return m;
    }

    @Override
    public void loadStateDict(Map<String, Object> state) {
        if (!"ReduceLrOnPlateau".equals(state.get("type")))
            throw new IllegalArgumentException("schedule state is for " + state.get("type") + ", not ReduceLrOnPlateau");
        double[] lrs = JsonState.asDoubles(state.get("lrs"), "schedule.lrs");
        List<? extends Optimizer.ParamGroup<?>> groups = optimizer.paramGroups();
        if (lrs.length != groups.size())
            throw new IllegalArgumentException("schedule state has " + lrs.length + " groups, the optimizer " + groups.size());
        double savedBest = JsonState.asDouble(state.get("best"), "schedule.best");
        int bad = JsonState.asCount(state.get("num_bad_epochs"), "schedule.num_bad_epochs");
        int cooldown = JsonState.asCount(state.get("cooldown_counter"), "schedule.cooldown_counter");
        int epoch = JsonState.asCount(state.get("last_epoch"), "schedule.last_epoch");
        best = savedBest;
        numBadEpochs = bad;
        cooldownCounter = cooldown;
        lastEpoch = epoch;
        for (int i = 0; i < lrs.length; i++) groups.get(i).setLr(lrs[i]);
    }
}
