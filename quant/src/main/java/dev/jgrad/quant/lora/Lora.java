package dev.jgrad.quant.lora;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Module;
import dev.jgrad.quant.Linear4bit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Attaching LoRA adapters to a model, and taking them off, the way PEFT's {@code get_peft_model} and
 * {@code merge_and_unload} do.
 *
 * <p>{@link #attach}: every parameter of the model is frozen; each target linear layer (see
 * {@link LoraConfig} for the matching rules) is replaced by a {@link LoraLinear} around it, whose A and B are the
 * only trainable parameters. Layers are visited in the model's order, so A matrices are drawn from the generator
 * in that order. A target that names a module which is not a linear layer, a list entry that matches nothing, and
 * targets that match nothing at all are errors naming the targets (PEFT: "Target modules ... not found in the base
 * model").
 */
public final class Lora {

    /** The model's output head, never adapted by {@link LoraConfig#ALL_LINEAR}. */
    static final String OUTPUT_HEAD = "lm_head";

    private Lora() {}

    /** True for the linear layers LoRA can wrap: float {@link Linear} and {@link Linear4bit}. */
    public static boolean isLinear(Module m) {
        return m instanceof Linear || m instanceof Linear4bit;
    }

    /** The paths of the linear layers of {@code model} that {@code config} targets, in model order. */
    public static List<String> targetPaths(Module model, LoraConfig config) {
        List<String> out = new ArrayList<>();
        Map<String, Module> modules = model.namedModules();
        for (Map.Entry<String, Module> e : modules.entrySet()) {
            String path = e.getKey();
            Module m = e.getValue();
            if (path.isEmpty() || insideAdapter(m)) continue;
            if (config.allLinear()) {
                if (isLinear(m) && !path.equals(OUTPUT_HEAD) && !path.endsWith("." + OUTPUT_HEAD)) out.add(path);
            } else if (config.matches(path)) {
                if (m instanceof LoraLinear)
                    throw new IllegalArgumentException("the module at " + path + " already has a LoRA adapter");
                if (!isLinear(m))
                    throw new IllegalArgumentException("LoRA target " + path + " is a " + m.getClass().getSimpleName()
                            + ", not a linear layer (only Linear and Linear4bit layers can be adapted)");
                out.add(path);
            }
        }
        if (out.isEmpty())
            throw new IllegalArgumentException("LoRA target modules " + describe(config) + " match no linear layer of the"
                    + " model (its linear layers are named like " + linearNames(modules) + ")");
        if (config.targetModules() != null && !config.allLinear()) {
            for (String t : config.targetModules()) {
                boolean hit = out.stream().anyMatch(p -> p.equals(t) || p.endsWith("." + t));
                if (!hit) throw new IllegalArgumentException("LoRA target module \"" + t + "\" matches no linear layer of the"
                        + " model (its linear layers are named like " + linearNames(modules) + ")");
            }
        }
        return out;
    }

    /** Modules that belong to an adapter (its A, B, dropout and the wrapped base) are not targets themselves. */
    private static boolean insideAdapter(Module m) {
        for (Module p = m.parent(); p != null; p = p.parent()) if (p instanceof LoraLinear) return true;
        return false;
    }

    /**
     * Freezes {@code model} and wraps each target layer in a {@link LoraLinear} (A drawn from {@code gen}, which also
     * drives the adapters' dropout). Returns the adapters by path, in model order.
     */
    public static Map<String, LoraLinear> attach(Module model, LoraConfig config, Generator gen) {
        List<String> paths = targetPaths(model, config);
        model.requiresGrad(false);
        Map<String, LoraLinear> out = new LinkedHashMap<>();
        for (String path : paths) {
            Module base = model.module(path);
            LoraLinear adapter = new LoraLinear(base, config.r(), config.scaling(), config.dropout(), gen);
            model.replaceModule(path, adapter);
            out.put(path, adapter);
        }
        return out;
    }

    /** The adapters of {@code model} by path, in model order. */
    public static Map<String, LoraLinear> adapters(Module model) {
        Map<String, LoraLinear> out = new LinkedHashMap<>();
        model.namedModules().forEach((path, m) -> {
            if (m instanceof LoraLinear l) out.put(path, l);
        });
        return out;
    }

    /** The adapter weights by state-dict path ({@code ...q_proj.lora_A.weight}), the tensors themselves. */
    public static Map<String, Tensor> adapterWeights(Module model) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        adapters(model).forEach((path, l) -> {
            out.put(path + ".lora_A.weight", l.loraA());
            out.put(path + ".lora_B.weight", l.loraB());
        });
        return out;
    }

    /** Number of adapter parameters (what trains). */
    public static long adapterParameterCount(Module model) {
        long n = 0;
        for (Tensor t : adapterWeights(model).values()) n += t.numel();
        return n;
    }

    /** Merges every adapter into its base layer. */
    public static void merge(Module model) {
        for (LoraLinear l : adapters(model).values()) l.merge();
    }

    /** Takes every merged adapter back out of its base layer. */
    public static void unmerge(Module model) {
        for (LoraLinear l : adapters(model).values()) l.unmerge();
    }

    /**
     * Merges every adapter and puts the base layers back in place of the wrappers (PEFT's
     * {@code merge_and_unload}): the model has its original structure and state-dict names again, with the adapted
     * weights. Returns {@code model}.
     */
    public static <M extends Module> M mergeAndUnload(M model) {
        for (Map.Entry<String, LoraLinear> e : adapters(model).entrySet()) {
            LoraLinear l = e.getValue();
            if (!l.isMerged()) l.merge();
            model.replaceModule(e.getKey(), l.base());
        }
        return model;
    }

    private static String describe(LoraConfig c) {
        return c.targetModules() != null ? c.targetModules().toString() : "re:" + c.targetPattern();
    }

    /** A few distinct last names of the model's linear layers, for error messages. */
    private static List<String> linearNames(Map<String, Module> modules) {
        List<String> names = new ArrayList<>();
        modules.forEach((path, m) -> {
            if (isLinear(m) && !path.isEmpty()) {
                String last = path.substring(path.lastIndexOf('.') + 1);
                if (!names.contains(last) && names.size() < 12) names.add(last);
            }
        });
        return names;
    }
}
