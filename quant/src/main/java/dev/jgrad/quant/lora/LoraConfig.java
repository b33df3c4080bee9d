package dev.jgrad.quant.lora;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The settings of LoRA adapters (Hu et al. 2021), with PEFT's names and meanings ({@code LoraConfig}).
 *
 * <p>An adapted linear layer computes {@code y = base(x) + B·A·dropout(x) · scaling} with {@code A (r, in)} and
 * {@code B (out, r)}: a rank-{@code r} update of the frozen weight. {@code scaling = alpha / r}; with rank-stabilised
 * LoRA (Kalajdzievski 2023, {@code use_rslora}) {@code alpha / √r}, which keeps the update's size from shrinking as
 * r grows.
 *
 * <p>Which layers get adapters, as PEFT decides ({@code check_target_module_exists}):
 * <ul>
 *   <li>{@code targetModules}, a list of names: a module is a target when its dotted path equals a name or ends
 *       with {@code "." + name} ({@code q_proj} matches {@code model.layers.3.self_attn.q_proj}); the single name
 *       {@link #ALL_LINEAR} means every linear layer of the blocks, never the output head;</li>
 *   <li>{@code targetPattern}, a regular expression: a module is a target when the pattern matches its whole
 *       path.</li>
 * </ul>
 * Exactly one of the two is given. Biases stay frozen (PEFT's {@code bias="none"}).
 *
 * @param r             the rank, at least 1
 * @param alpha         PEFT's {@code lora_alpha}
 * @param dropout       dropout probability on the adapter branch's input, in [0, 1)
 * @param targetModules names of target modules, or null when {@code targetPattern} is given
 * @param targetPattern a regular expression over module paths, or null
 * @param useRsLora     scale by {@code alpha/√r} instead of {@code alpha/r}
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targetModules, String targetPattern,
                         boolean useRsLora) {

    /** The target that means every linear layer of the transformer blocks (PEFT's {@code "all-linear"}). */
    public static final String ALL_LINEAR = "all-linear";

    public LoraConfig {
        if (r < 1) throw new IllegalArgumentException("LoRA rank r must be at least 1, got " + r);
        if (!(alpha > 0) || Double.isInfinite(alpha)) throw new IllegalArgumentException("lora_alpha must be positive, got " + alpha);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + dropout);
        if ((targetModules == null) == (targetPattern == null))
            throw new IllegalArgumentException("give either target module names or a target pattern, not "
                    + (targetModules == null ? "neither" : "both"));
        if (targetModules != null) {
            if (targetModules.isEmpty()) throw new IllegalArgumentException("the list of LoRA target modules is empty");
            for (String t : targetModules)
                if (t == null || t.isBlank()) throw new IllegalArgumentException("empty LoRA target module name in " + targetModules);
            if (targetModules.contains(ALL_LINEAR) && targetModules.size() > 1)
                throw new IllegalArgumentException("\"" + ALL_LINEAR + "\" must be the only target, got " + targetModules);
            targetModules = List.copyOf(targetModules);
        } else {
            try {
                Pattern.compile(targetPattern);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("the LoRA target pattern is not a valid regular expression: " + e.getMessage());
            }
        }
    }

    /**
     * From command-line style values: {@code targets} is {@code all-linear}, a comma-separated list of names
     * ({@code q_proj,v_proj}), or {@code re:REGEX} for a pattern.
     */
    public static LoraConfig of(int r, double alpha, double dropout, String targets, boolean useRsLora) {
        if (targets == null || targets.isBlank()) throw new IllegalArgumentException("no LoRA targets given");
        if (targets.startsWith("re:")) return new LoraConfig(r, alpha, dropout, null, targets.substring(3), useRsLora);
        List<String> names = Arrays.stream(targets.split(",")).map(String::trim).toList();
        return new LoraConfig(r, alpha, dropout, names, null, useRsLora);
    }

    /** The factor on the adapter's output: {@code alpha/r}, or {@code alpha/√r} with rsLoRA. */
    public double scaling() {
        return useRsLora ? alpha / Math.sqrt(r) : alpha / r;
    }

    /** True when the targets are {@link #ALL_LINEAR}. */
    public boolean allLinear() {
        return targetModules != null && targetModules.equals(List.of(ALL_LINEAR));
    }

    /** Whether the module at {@code path} is named by the targets (PEFT's rule; all-linear is decided by the caller). */
    public boolean matches(String path) {
        if (targetPattern != null) return Pattern.compile(targetPattern).matcher(path).matches();
        for (String t : targetModules) if (path.equals(t) || path.endsWith("." + t)) return true;
        return false;
    }

    /** The same settings with other targets. */
    public LoraConfig withTargets(List<String> names) {
        return new LoraConfig(r, alpha, dropout, names, null, useRsLora);
    }

    @Override
    public String toString() {
        return "LoRA r=" + r + ", alpha=" + alpha + (useRsLora ? " (rsLoRA)" : "") + ", scaling=" + scaling()
                + ", dropout=" + dropout + ", targets=" + (targetModules != null ? targetModules : "re:" + targetPattern);
    }
}
