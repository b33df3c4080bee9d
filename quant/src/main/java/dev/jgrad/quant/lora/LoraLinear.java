package dev.jgrad.quant.lora;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.nn.Dropout;
import dev.jgrad.nn.Forward;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.init.Init;
import dev.jgrad.quant.Linear4bit;
import dev.jgrad.quant.QuantSpec;

/**
 * A linear layer with a LoRA adapter beside it, as PEFT's {@code lora.Linear} (and {@code lora.Linear4bit}):
 * <pre>
 *   y = base_layer(x) + lora_B(lora_A(lora_dropout(x))) · scaling
 * </pre>
 * with {@code lora_A (r, in)} initialised Kaiming-uniform with a = √5 (PyTorch's Linear default, {@code U(±1/√in)})
 * and {@code lora_B (out, r)} at zero, so the adapted layer starts as the base layer exactly. Dropout acts on the
 * adapter branch's input only. The base layer ({@link Linear} or {@link Linear4bit}) is frozen; only A and B train.
 *
 * <p>Children have PEFT's names without the adapter name, so the state-dict paths of A and B are PEFT's saved keys
 * after {@code base_model.model.}: {@code model.layers.0.self_attn.q_proj.lora_A.weight}.
 *
 * <p><b>Merging</b> folds the adapter into the base weight, {@code W ← W + scaling·B·A} (PEFT's
 * {@code get_delta_weight}: the product, then the scaling, in float32), so inference pays nothing for it; while
 * merged the forward is the base layer alone. {@link #unmerge} subtracts the same delta. On a float base the two
 * are exact inverses up to float rounding. A 4-bit base is dequantized, changed and quantized again: that rounds
 * (the merged layer is only close to the adapter's function, and unmerging does not restore the original nibbles),
 * and a warning is logged, as PEFT does.
 */
public final class LoraLinear extends Module implements Forward {

    private static final System.Logger LOG = System.getLogger(LoraLinear.class.getName());

    private final int r, inFeatures, outFeatures;
    private final double scaling;
    private boolean merged;

    /**
     * Wraps {@code base} (a {@link Linear} or {@link Linear4bit}, frozen here) with a rank-{@code r} adapter scaled by
     * {@code scaling}; A is drawn from {@code gen}, and dropout masks too.
     */
    public LoraLinear(Module base, int r, double scaling, double dropout, Generator gen) {
        if (base instanceof Linear lin) {
            inFeatures = lin.inFeatures();
            outFeatures = lin.outFeatures();
        } else if (base instanceof Linear4bit q) {
            inFeatures = q.inFeatures();
            outFeatures = q.outFeatures();
        } else {
            throw new IllegalArgumentException("LoRA adapts Linear and Linear4bit layers, not "
                    + (base == null ? "null" : base.getClass().getSimpleName()) + (base == null || base.path().isEmpty() ? "" : " at " + base.path()));
        }
        if (r < 1) throw new IllegalArgumentException("LoRA rank must be at least 1, got " + r);
        this.r = r;
        this.scaling = scaling;
        base.requiresGrad(false);
        registerModule("base_layer", base);
        registerModule("lora_dropout", new Dropout(dropout, gen));
        registerModule("lora_A", new Linear(inFeatures, r, false, gen));    // kaiming-uniform, a = √5
        Linear b = registerModule("lora_B", new Linear(r, outFeatures, false, gen));
        Init.zeros(b.weight());
    }

    /** The wrapped layer. */
    public Module base() {
        return child("base_layer");
    }

    /** {@code A (r, in)}. */
    public Tensor loraA() {
        return this.<Linear>child("lora_A").weight();
    }

    /** {@code B (out, r)}. */
    public Tensor loraB() {
        return this.<Linear>child("lora_B").weight();
    }

    public int rank() {
        return r;
    }

    public double scaling() {
        return scaling;
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    public boolean isMerged() {
        return merged;
    }

    @Override
    public Tensor forward(Tensor x) {
        Forward base = child("base_layer");
        Tensor y = base.forward(x);                                              // (.., out)
        if (merged) return y;
        Forward drop = child("lora_dropout"), a = child("lora_A"), b = child("lora_B");
        return y.add(b.forward(a.forward(drop.forward(x))).mul(scaling));     // (.., in) → (.., r) → (.., out)
    }

    /** {@code scaling · B·A}, {@code (out, in)}, in float32. */
    public float[] deltaWeight() {
        try (NoGrad ignored = NoGrad.enter()) {
            return loraB().matmul(loraA()).mul(scaling).toFloatArray();
        }
    }

    /** Folds the adapter into the base weight; the forward is then the base layer alone. */
    public void merge() {
        if (merged) throw new IllegalStateException(where() + ": the adapter is already merged");
        apply(+1);
        merged = true;
    }

    /** Takes the adapter back out of the base weight (exactly, up to float rounding, for a float base). */
    public void unmerge() {
        if (!merged) throw new IllegalStateException(where() + ": the adapter is not merged");
        apply(-1);
        merged = false;
    }

    private void apply(int sign) {
        float[] delta = deltaWeight();
        Module base = base();
        if (base instanceof Linear lin) {
            try (NoGrad ignored = NoGrad.enter()) {
                Tensor d = Tensor.of(delta, outFeatures, inFeatures);
                if (sign > 0) lin.weight().addInPlace(d);
                else lin.weight().addInPlace(d, -1);
            }
        } else {
            Linear4bit q = (Linear4bit) base;
            LOG.log(System.Logger.Level.WARNING, where() + ": " + (sign > 0 ? "merging" : "unmerging") + " a LoRA adapter"
                    + " into a 4-bit weight dequantizes, adds and quantizes again, which rounds: outputs will differ slightly");
            float[] w = q.dequantizedWeight();
            for (int i = 0; i < w.length; i++) w[i] += sign * delta[i];
            QuantSpec spec = q.spec();
            q.setWeight(spec.quantize(w, new long[] {outFeatures, inFeatures}));
        }
    }

    private String where() {
        return path().isEmpty() ? "LoraLinear" : path();
    }

    @Override
    protected String extraRepr() {
        return "r=" + r + ", scaling=" + scaling + (merged ? ", merged" : "");
    }
}
