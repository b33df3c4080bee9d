package dev.jgrad.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A learning-rate schedule driven by a step counter, as PyTorch's {@code LRScheduler}: constructing it sets
 * every group's learning rate for step 0, and each {@link #step()} (called after {@code optimizer.step()})
 * advances the counter and sets the rates for the next step.
 *
 * <p>Each group's rate is a function of its initial rate and the step count ({@link #lrAt}), the closed
 * form of PyTorch's schedules, so resuming needs only the counter.
 */
public abstract class LrScheduler implements Schedule {

    protected final Optimizer<?> optimizer;
    private final double[] baseLrs;
    private int lastEpoch;

    protected LrScheduler(Optimizer<?> optimizer) {
        this.optimizer = optimizer;
        List<? extends Optimizer.ParamGroup<?>> groups = optimizer.paramGroups();
        this.baseLrs = new double[groups.size()];
        for (int i = 0; i < baseLrs.length; i++) baseLrs[i] = groups.get(i).initialLr();
    }

    /** Sets the rates for step 0; subclasses call it at the end of their constructor. */
    protected final void start() {
        apply();
    }

    /** The learning rate at step {@code epoch} of a group whose initial rate is {@code baseLr}. */
    protected abstract double lrAt(int epoch, double baseLr);

    /** Advances one step and sets the new learning rates. */
    public void step() {
        lastEpoch++;
        apply();
    }

    /** Number of {@link #step()} calls so far. */
    public int lastEpoch() {
        return lastEpoch;
    }

    /** The learning rates now set, one per group. */
    public double[] lastLrs() {
        List<? extends Optimizer.ParamGroup<?>> groups = optimizer.paramGroups();
        double[] out = new double[groups.size()];
        for (int i = 0; i < out.length; i++) out[i] = groups.get(i).lr();
        return out;
    }

    private void apply() {
        List<? extends Optimizer.ParamGroup<?>> groups = optimizer.paramGroups();
        for (int i = 0; i < baseLrs.length; i++) groups.get(i).setLr(lrAt(lastEpoch, baseLrs[i]));
    }

    @Override
    public Map<String, Object> stateDict() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", getClass().getSimpleName());
        m.put("last_epoch", lastEpoch);
        m.put("base_lrs", java.util.Arrays.stream(baseLrs).boxed().toList());
        return m;
    }

    @Override
    public void loadStateDict(Map<String, Object> state) {
        if (!getClass().getSimpleName().equals(state.get("type")))
            throw new IllegalArgumentException("schedule state is for " + state.get("type") + ", not " + getClass().getSimpleName());
        double[] saved = JsonState.asDoubles(state.get("base_lrs"), "schedule.base_lrs");
        if (saved.length != baseLrs.length)
            throw new IllegalArgumentException("schedule state has " + saved.length + " groups, the optimizer " + baseLrs.length);
        int epoch = JsonState.asCount(state.get("last_epoch"), "schedule.last_epoch");
        System.arraycopy(saved, 0, baseLrs, 0, saved.length);
        lastEpoch = epoch;
        apply();
    }
}
