package dev.jgrad.optim;

import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The base of every optimizer: parameter groups with their own hyperparameters, per-parameter state, and
 * the training-loop protocol of PyTorch.
 *
 * <pre>{@code
 * for (int step = 0; step < steps; step++) {
 *     optimizer.zeroGrad();                 // gradients to null (set_to_none)
 *     Tensor loss = F.crossEntropy(model.forward(x), y);
 *     loss.backward();                      // fills p.grad() of every parameter
 *     GradClip.clipGradNorm(model.parameters(), 1.0, 2.0);   // optional
 *     optimizer.step();                     // one fused kernel call per parameter
 *     schedule.step();                      // optional: the next step's learning rate
 * }
 * }</pre>
 *
 * <p><b>Gradient accumulation.</b> Gradients add up across {@code backward} calls until {@link #zeroGrad}.
 * To train with a batch too large to fit, split it into k micro-batches and back-propagate
 * {@code loss_i / k} for each before one {@code step()}: since the mean over the big batch is the mean of the
 * micro-batch means, the accumulated gradient equals the big batch's (for equal micro-batch sizes and a
 * mean-reduced loss), and so does the update:
 * <pre>{@code
 * optimizer.zeroGrad();
 * for (int i = 0; i < k; i++) F.crossEntropy(model.forward(xs[i]), ys[i]).div(k).backward();
 * optimizer.step();
 * }</pre>
 *
 * <p>Each subclass states its update in full and performs it with one fused backend kernel per parameter
 * ({@code Backend.sgdUpdate}, {@code Backend.adamUpdate}), inside a no-grad scope. State and group
 * hyperparameters export to a {@link State} for checkpoints.
 *
 * @param <O> the optimizer's hyperparameter record
 */
public abstract class Optimizer<O extends Optimizer.Options<O>> {

    /** The hyperparameters of a parameter group; every optimizer has a learning rate. */
    public interface Options<O> {
        /** The learning rate. */
        double lr();

        /** A copy with another learning rate. */
        O withLr(double lr);
    }

    /** Parameters sharing hyperparameters (PyTorch's {@code param_groups} entries). */
    public static final class ParamGroup<O extends Options<O>> {
        private final List<Tensor> params;
        private O options;
        private double initialLr;

        ParamGroup(List<Tensor> params, O options) {
            this.params = List.copyOf(params);
            this.options = options;
            this.initialLr = options.lr();
        }

        public List<Tensor> params() {
            return params;
        }

        public O options() {
            return options;
        }

        public void setOptions(O options) {
            this.options = options;
        }

        /** The current learning rate (schedules change it). */
        public double lr() {
            return options.lr();
        }

        public void setLr(double lr) {
            options = options.withLr(lr);
        }

        /** The learning rate the group started with, which schedules scale ({@code initial_lr}). */
        public double initialLr() {
            return initialLr;
        }
    }

    /** Per-parameter state: the number of updates applied, and named buffers such as {@code exp_avg}. */
    public static final class ParamState {
        private long step;
        private final Map<String, Tensor> buffers = new LinkedHashMap<>();

        public long step() {
            return step;
        }

        /** The buffer named {@code name}, or null before the first update created it. */
        public Tensor buffer(String name) {
            return buffers.get(name);
        }

        /** The named buffer, created as zeros shaped like {@code param} on first use. */
        public Tensor bufferLike(String name, Tensor param) {
            return buffers.computeIfAbsent(name, k -> Tensor.empty(param.dtype(), param.device(), param.shape()));
        }

        public Map<String, Tensor> buffers() {
            return Collections.unmodifiableMap(buffers);
        }
    }

    /**
     * An optimizer's state for a checkpoint: JSON-able {@code meta} (type, groups with their options and
     * learning rates, per-parameter step counts) and the state tensors, named {@code <index>.<buffer>} with
     * parameters numbered across groups in order.
     */
    public record State(Map<String, Object> meta, Map<String, Tensor> tensors) {}

    private final List<ParamGroup<O>> groups = new ArrayList<>();
    private final Map<Tensor, ParamState> state = new IdentityHashMap<>();

    /** One group holding {@code params}, with {@code options}. */
    protected Optimizer(List<Tensor> params, O options) {
        addParamGroup(params, options);
    }

    /** Adds a group of parameters with its own hyperparameters (e.g. no weight decay for biases). */
    public final void addParamGroup(List<Tensor> params, O options) {
        if (params.isEmpty()) throw new IllegalArgumentException(name() + ": a parameter group needs at least one parameter");
        for (Tensor p : params) {
            if (!p.isLeaf()) throw new IllegalArgumentException(name() + ": can only optimize leaf tensors");
            if (!p.dtype().isFloatingPoint())
                throw new IllegalArgumentException(name() + ": can only optimize floating-point tensors, got " + p.dtype());
            for (ParamGroup<O> g : groups)
                for (Tensor q : g.params)
                    if (q == p) throw new IllegalArgumentException(name() + ": a parameter appears in more than one group");
        }
        groups.add(new ParamGroup<>(params, options));
    }

    public final List<ParamGroup<O>> paramGroups() {
        return Collections.unmodifiableList(groups);
    }

    /** The state of {@code param} (created empty on first access). */
    public final ParamState stateOf(Tensor param) {
        return state.computeIfAbsent(param, k -> new ParamState());
    }

    /** Applies one update to every parameter that has a gradient. */
    public final void step() {
        try (NoGrad ignored = NoGrad.enter()) {
            for (ParamGroup<O> g : groups) {
                for (Tensor p : g.params) {
                    Tensor grad = p.grad();
                    if (grad == null) continue;
                    if (!Arrays.equals(grad.shape(), p.shape()) || grad.dtype() != p.dtype())
                        throw new IllegalStateException(name() + ": gradient " + grad.dtype() + Shape.str(grad.shape())
                                + " does not match its parameter " + p.dtype() + Shape.str(p.shape()));
                    ParamState s = stateOf(p);
                    s.step++;
                    update(p, grad, s, g.options);
                    p.storage().bumpVersion();
                }
            }
        }
    }

    /**
     * Updates one parameter in place from its gradient and state ({@code state.step()} already counts this
     * update, starting at 1).
     */
    protected abstract void update(Tensor param, Tensor grad, ParamState state, O options);

    /** Sets every gradient to null (PyTorch's {@code zero_grad(set_to_none=True)}): the next backward allocates fresh. */
    public final void zeroGrad() {
        for (ParamGroup<O> g : groups) for (Tensor p : g.params) p.setGrad(null);
    }

    /** The optimizer's name in messages and checkpoints. */
    public String name() {
        return getClass().getSimpleName();
    }

    /** The hyperparameter record type, to restore group options from a checkpoint. */
    protected abstract Class<O> optionsType();

    // ---- checkpoints ----------------------------------------------------------------------------

    /** The groups' hyperparameters and every parameter's state (tensors are the live buffers, not copies). */
    public final State exportState() {
        Map<String, Object> meta = new LinkedHashMap<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        List<Object> groupMeta = new ArrayList<>();
        Map<String, Object> steps = new LinkedHashMap<>();
        int index = 0;
        for (ParamGroup<O> g : groups) {
            List<Integer> indices = new ArrayList<>();
            for (Tensor p : g.params) {
                indices.add(index);
                ParamState s = state.get(p);
                if (s != null) {
                    steps.put(Integer.toString(index), s.step);
                    for (Map.Entry<String, Tensor> b : s.buffers.entrySet()) tensors.put(index + "." + b.getKey(), b.getValue());
                }
                index++;
            }
            Map<String, Object> gm = new LinkedHashMap<>();
            gm.put("params", indices);
            gm.put("initial_lr", g.initialLr);
            gm.put("options", JsonState.MAPPER.convertValue(g.options, Map.class));
            groupMeta.add(gm);
        }
        meta.put("type", name());
        meta.put("groups", groupMeta);
        meta.put("steps", steps);
        return new State(meta, tensors);
    }

    /**
     * Restores {@link #exportState()} output into this optimizer, built over the same parameters in the same
     * groups. Everything is checked (type, group sizes, buffer shapes) before anything changes.
     */
    public final void importState(State saved) {
        Map<String, Object> meta = saved.meta();
        if (!name().equals(meta.get("type")))
            throw new IllegalArgumentException("optimizer state is for " + meta.get("type") + ", not " + name());
        List<?> groupList = JsonState.asList(meta.get("groups"), "optimizer.groups");
        if (groupList.size() != groups.size())
            throw new IllegalArgumentException(name() + ": saved state has " + groupList.size() + " parameter groups, this optimizer "
                    + groups.size());
        List<Map<String, Object>> groupMeta = new ArrayList<>();
        for (int i = 0; i < groupList.size(); i++) groupMeta.add(JsonState.asMap(groupList.get(i), "optimizer.groups[" + i + "]"));
        List<Tensor> all = new ArrayList<>();
        double[] initialLrs = new double[groups.size()];
        for (int i = 0; i < groups.size(); i++) {
            List<?> idx = JsonState.asList(groupMeta.get(i).get("params"), "optimizer.groups[" + i + "].params");
            initialLrs[i] = JsonState.asDouble(groupMeta.get(i).get("initial_lr"), "optimizer.groups[" + i + "].initial_lr");
            if (idx.size() != groups.get(i).params.size())
                throw new IllegalArgumentException(name() + ": saved group " + i + " has " + idx.size()
                        + " parameters, this optimizer's has " + groups.get(i).params.size());
            all.addAll(groups.get(i).params);
        }
        for (Map.Entry<String, Tensor> e : saved.tensors().entrySet()) {
            String key = e.getKey();
            int dot = key.indexOf('.');
            int index = dot > 0 && key.substring(0, dot).matches("\\d{1,9}") ? Integer.parseInt(key.substring(0, dot)) : -1;
            if (index < 0 || index >= all.size())
                throw new IllegalArgumentException(name() + ": saved state " + key + " is not \"<parameter index>.<buffer>\""
                        + " for one of the " + all.size() + " parameters");
            Tensor p = all.get(index);
            if (!Arrays.equals(p.shape(), e.getValue().shape()))
                throw new IllegalArgumentException(name() + ": saved state " + key + " has shape " + Shape.str(e.getValue().shape())
                        + ", but parameter " + index + " has shape " + Shape.str(p.shape()));
        }
        List<O> options = new ArrayList<>();
        for (int i = 0; i < groupMeta.size(); i++) {
            Object o = JsonState.asMap(groupMeta.get(i).get("options"), "optimizer.groups[" + i + "].options");
            options.add(JsonState.MAPPER.convertValue(o, optionsType()));
        }
        Map<Integer, Long> stepCounts = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : JsonState.asMap(meta.get("steps"), "optimizer.steps").entrySet()) {
            String what = "optimizer.steps." + e.getKey();
            int index = e.getKey().matches("\\d{1,9}") ? Integer.parseInt(e.getKey()) : -1;
            if (index < 0 || index >= all.size())
                throw new IllegalArgumentException(what + " names no parameter (0 to " + (all.size() - 1) + ")");
            stepCounts.put(index, JsonState.asLong(e.getValue(), what));
        }
        // Validated: now apply.
        state.clear();
        for (int i = 0; i < groups.size(); i++) {
            groups.get(i).options = options.get(i);
            groups.get(i).initialLr = initialLrs[i];
        }
        for (Map.Entry<Integer, Long> e : stepCounts.entrySet()) stateOf(all.get(e.getKey())).step = e.getValue();
        try (NoGrad ignored = NoGrad.enter()) {
            for (Map.Entry<String, Tensor> e : saved.tensors().entrySet()) {
                String key = e.getKey();
                int dot = key.indexOf('.');
                Tensor p = all.get(Integer.parseInt(key.substring(0, dot)));
                Tensor src = e.getValue();
                Tensor copy = Tensor.empty(p.dtype(), p.device(), p.shape());
                copy.copyFrom(src.to(p.dtype()).to(p.device()));
                stateOf(p).buffers.put(key.substring(dot + 1), copy);
            }
        }
    }
}
