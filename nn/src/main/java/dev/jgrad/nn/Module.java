package dev.jgrad.nn;

import dev.jgrad.core.Device;
import dev.jgrad.core.Shape;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The base of every layer and model: an ordered tree of named parameters, buffers and child modules.
 *
 * <p>A module owns its parameters (tensors with {@code requiresGrad}) and calls functional kernels in its
 * forward; it holds no math of its own. Names compose into dotted paths ({@code model.layers.0.self_attn.
 * q_proj.weight}) that match Hugging Face checkpoints one to one.
 *
 * <p>Children are looked up by name when used ({@link #child(String)}), so a child can be swapped for another
 * implementation — a LoRA-adapted or a 4-bit linear layer — with {@link #replaceModule(String, Module)},
 * exactly as PEFT rewires a PyTorch model.
 */
public abstract class Module {

    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Boolean> persistent = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;
    /** The module this one is registered in, and the name it has there (null and "" for a root). */
    private Module parent;
    private String nameInParent = "";

    // ---- registration -------------------------------------------------------------------------

    /** Registers a trainable parameter (marked requiresGrad) under {@code name}; returns it. */
    protected Tensor registerParameter(String name, Tensor value) {
        checkName(name);
        value.requiresGrad(true);
        parameters.put(name, value);
        return value;
    }

    /**
     * Registers a buffer: state that is not trained (running statistics, a precomputed table).
     * Persistent buffers are part of the state dict.
     */
    protected Tensor registerBuffer(String name, Tensor value, boolean persistentBuffer) {
        checkName(name);
        buffers.put(name, value);
        persistent.put(name, persistentBuffer);
        return value;
    }

    /** Registers a child module under {@code name}; returns it. */
    protected <M extends Module> M registerModule(String name, M module) {
        checkName(name);
        children.put(name, module);
        ((Module) module).attach(this, name);
        return module;
    }

    private void attach(Module newParent, String name) {
        this.parent = newParent;
        this.nameInParent = name;
    }

    /**
     * The dotted path of this module from the root of the tree it is registered in
     * ({@code model.layers.0.mlp.up_proj}); "" for a root. Error messages use it to say which layer failed.
     */
    public String path() {
        if (parent == null) return "";
        String up = parent.path();
        return up.isEmpty() ? nameInParent : up + "." + nameInParent;
    }

    /** The parent module, or null for a root. */
    public Module parent() {
        return parent;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains("."))
            throw new IllegalArgumentException("invalid name \"" + name + "\": must be non-empty and contain no '.'");
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name))
            throw new IllegalArgumentException(getClass().getSimpleName() + " already has a member named \"" + name + "\"");
    }

    /** The direct child named {@code name}. */
    @SuppressWarnings("unchecked")
    public <M extends Module> M child(String name) {
        Module m = children.get(name);
        if (m == null) throw new IllegalArgumentException(getClass().getSimpleName() + " has no child \"" + name + "\"");
        return (M) m;
    }

    /** The parameter named {@code name} of this module (not of children). */
    public Tensor parameter(String name) {
        Tensor t = parameters.get(name);
        if (t == null) throw new IllegalArgumentException(getClass().getSimpleName() + " has no parameter \"" + name + "\"");
        return t;
    }

    /** True if this module (not a child) has a parameter named {@code name}. */
    public boolean hasParameter(String name) {
        return parameters.containsKey(name);
    }

    /** The buffer named {@code name} of this module. */
    public Tensor buffer(String name) {
        Tensor t = buffers.get(name);
        if (t == null) throw new IllegalArgumentException(getClass().getSimpleName() + " has no buffer \"" + name + "\"");
        return t;
    }

    /** The module at a dotted path ("" is this module). */
    public Module module(String path) {
        if (path.isEmpty()) return this;
        Module m = this;
        for (String part : path.split("\\.")) m = m.child(part);
        return m;
    }

    /** Replaces the module at a dotted path with {@code replacement}; returns the one replaced. */
    public Module replaceModule(String path, Module replacement) {
        int dot = path.lastIndexOf('.');
        Module parent = dot < 0 ? this : module(path.substring(0, dot));
        String name = path.substring(dot + 1);
        Module old = parent.children.get(name);
        if (old == null) throw new IllegalArgumentException("no module at \"" + path + "\"");
        parent.children.put(name, replacement);
        // The old module may already live inside the replacement (a LoRA wrapper holds the layer it adapts);
        // only cut its link if it still points here.
        if (old.parent == parent && old != replacement) old.attach(null, "");
        replacement.attach(parent, name);
        return old;
    }

    // ---- traversal ----------------------------------------------------------------------------

    /** Direct children in registration order. */
    public Map<String, Module> namedChildren() {
        return java.util.Collections.unmodifiableMap(children);
    }

    /** This module and all descendants with their dotted paths ("" for this one), depth first. */
    public Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        walk("", (prefix, m) -> out.put(prefix, m));
        return out;
    }

    /** Every parameter with its dotted path, in registration order, depth first. */
    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        walk("", (prefix, m) -> m.parameters.forEach((k, v) -> out.put(join(prefix, k), v)));
        return out;
    }

    /** Every parameter. */
    public List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Parameters that currently require gradients (the ones an optimizer should update). */
    public List<Tensor> trainableParameters() {
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : parameters()) if (p.requiresGrad()) out.add(p);
        return out;
    }

    /** Every buffer with its dotted path. */
    public Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        walk("", (prefix, m) -> m.buffers.forEach((k, v) -> out.put(join(prefix, k), v)));
        return out;
    }

    private void walk(String prefix, BiConsumer<String, Module> visit) {
        visit.accept(prefix, this);
        children.forEach((name, child) -> child.walk(join(prefix, name), visit));
    }

    private static String join(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    /** Total number of parameter elements. */
    public long numParameters() {
        long n = 0;
        for (Tensor p : parameters()) n += p.numel();
        return n;
    }

    /** Number of elements in parameters that require gradients. */
    public long numTrainableParameters() {
        long n = 0;
        for (Tensor p : trainableParameters()) n += p.numel();
        return n;
    }

    // ---- modes --------------------------------------------------------------------------------

    /** Training mode (dropout active) for this module and all descendants. Returns this. */
    public Module train() {
        return setTraining(true);
    }

    /** Evaluation mode (dropout off) for this module and all descendants. Returns this. */
    public Module eval() {
        return setTraining(false);
    }

    private Module setTraining(boolean on) {
        walk("", (p, m) -> m.training = on);
        return this;
    }

    public boolean isTraining() {
        return training;
    }

    /** Freezes ({@code false}) or unfreezes every parameter of this module and its descendants. */
    public Module requiresGrad(boolean value) {
        for (Tensor p : parameters()) p.requiresGrad(value);
        return this;
    }

    /** Clears the gradients of every parameter. */
    public void zeroGrad() {
        for (Tensor p : parameters()) p.setGrad(null);
    }

    /** Moves every parameter and buffer to {@code device}, in place (the tensor objects stay the same). */
    public Module to(Device device) {
        try (NoGrad ignored = NoGrad.enter()) {
            for (Tensor p : parameters()) if (!p.device().equals(device)) p.setData(p.detach().to(device));
            for (Tensor b : namedBuffers().values()) if (!b.device().equals(device)) b.setData(b.to(device));
        }
        return this;
    }

    /**
     * Converts every floating-point parameter and buffer to {@code dtype}, in place (the tensor objects stay
     * the same; gradients are cleared). Float64 models run on the reference kernels, for gradient checks and
     * golden comparisons.
     */
    public Module to(dev.jgrad.core.DType dtype) {
        if (!dtype.isFloatingPoint()) throw new IllegalArgumentException("Module.to: " + dtype + " is not a floating-point type");
        try (NoGrad ignored = NoGrad.enter()) {
            for (Tensor p : parameters()) {
                if (p.dtype() == dtype || !p.dtype().isFloatingPoint()) continue;
                p.setData(p.detach().to(dtype));
                p.setGrad(null);
            }
            for (Tensor b : namedBuffers().values())
                if (b.dtype() != dtype && b.dtype().isFloatingPoint()) b.setData(b.to(dtype));
        }
        return this;
    }

    // ---- state ----------------------------------------------------------------------------------

    /** Parameters and persistent buffers by dotted path (the tensors themselves, not copies). */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>(namedParameters());
        walk("", (prefix, m) -> m.buffers.forEach((k, v) -> {
            if (m.persistent.get(k)) out.put(join(prefix, k), v);
        }));
        return out;
    }

    /**
     * Copies values from {@code state} into this module's parameters and persistent buffers, in place.
     * With {@code strict}, keys missing from {@code state} and keys this module does not have are errors; a
     * shape mismatch is always an error naming the key. Returns the keys that were missing and unexpected
     * (both empty when strict).
     */
    public LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>();
        for (String k : own.keySet()) if (!state.containsKey(k)) missing.add(k);
        for (String k : state.keySet()) if (!own.containsKey(k)) unexpected.add(k);
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty()))
            throw new IllegalArgumentException("loadStateDict: " + (missing.isEmpty() ? "" : "missing keys " + missing)
                    + (missing.isEmpty() || unexpected.isEmpty() ? "" : "; ")
                    + (unexpected.isEmpty() ? "" : "unexpected keys " + unexpected));
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src == null) continue;
            Tensor dst = e.getValue();
            if (!Arrays.equals(src.shape(), dst.shape()))
                throw new IllegalArgumentException("loadStateDict: shape mismatch for " + e.getKey() + ": checkpoint has "
                        + Shape.str(src.shape()) + ", the model has " + Shape.str(dst.shape()));
        }
        try (NoGrad ignored = NoGrad.enter()) {
            for (Map.Entry<String, Tensor> e : own.entrySet()) {
                Tensor src = state.get(e.getKey());
                if (src == null) continue;
                Tensor dst = e.getValue();
                Tensor converted = src.dtype() == dst.dtype() ? src : src.to(dst.dtype());
                dst.copyFrom(converted.to(dst.device()));
            }
        }
        return new LoadResult(missing, unexpected);
    }

    /** Keys a non-strict {@link #loadStateDict} did not match. */
    public record LoadResult(List<String> missingKeys, List<String> unexpectedKeys) {}

    // ---- printing -----------------------------------------------------------------------------

    /** The one-line description inside the parentheses of {@link #toString()}, like PyTorch's extra_repr. */
    protected String extraRepr() {
        return "";
    }

    /** A tree like PyTorch's repr: {@code Linear(in_features=4, out_features=2, bias=true)}. */
    @Override
    public String toString() {
        String name = getClass().getSimpleName();
        if (children.isEmpty()) return name + "(" + extraRepr() + ")";
        StringBuilder sb = new StringBuilder(name).append("(");
        String extra = extraRepr();
        if (!extra.isEmpty()) sb.append("\n  ").append(extra);
        children.forEach((k, v) -> sb.append("\n  (").append(k).append("): ")
                .append(v.toString().replace("\n", "\n  ")));
        return sb.append("\n)").toString();
    }
}
