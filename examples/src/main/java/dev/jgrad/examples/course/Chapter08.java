package dev.jgrad.examples.course;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.functional.F;
import dev.jgrad.optim.AdamW;
import dev.jgrad.quant.Blockwise4bit;
import dev.jgrad.quant.Linear4bit;
import dev.jgrad.quant.QuantSpec;
import dev.jgrad.quant.QuantType;
import dev.jgrad.quant.Quantized4bit;
import dev.jgrad.quant.lora.LoraLinear;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Chapter 8, fine-tuning: what freezing saves, LoRA's low-rank update (zero-initialised B, the α/r scaling,
 * merging), the NF4 code book and blockwise absmax quantization with its error (histogram figure), the storage cost
 * of double quantization, and a few QLoRA steps: a LoRA adapter trained over a frozen NF4 layer.
 */
public final class Chapter08 {

    private Chapter08() {}

    /** The chapter's title, as {@code ./jgrad learn list} shows it. */
    public static String title() {
        return "Fine-tuning: freezing, LoRA, NF4 and double quantization, QLoRA";
    }

    /** Prints the chapter's numbers to {@code out} and writes its figures into {@code outDir}. */
    public static void run(PrintStream out, Path outDir) throws Exception {
        out.println("== freezing and LoRA's parameter count ==");
        for (int[] s : new int[][]{{64, 64, 4}, {4096, 4096, 8}}) {
            long full = (long) s[0] * s[1], lora = (long) s[2] * (s[0] + s[1]);
            out.println(fmt("W %dx%d: full %d trainable, LoRA r=%d trains %d (%.2f%%)", s[0], s[1], full, s[2], lora, 100.0 * lora / full));
        }

        out.println("== LoRA: y = W x + (alpha/r) B A x ==");
        Generator gen = new Generator(8);
        Linear base = new Linear(64, 64, false, gen);
        int r = 4;
        double alpha = 8;
        LoraLinear lora = new LoraLinear(base, r, alpha / r, 0.0, gen);
        out.println(fmt("r %d, alpha %.0f, scaling alpha/r = %.2f", r, alpha, lora.scaling()));
        out.println("trainable parameters " + lora.numTrainableParameters() + " of " + lora.numParameters());
        Tensor x = Tensor.randn(gen, 5, 64);                                        // (N, in)
        try (NoGrad ignored = NoGrad.enter()) {
            out.println(fmt("at init B = 0: max |lora(x) - W x| = %.1e", maxDiff(lora.forward(x), base.forward(x))));
            lora.loraB().copyFrom(Tensor.randn(gen, 64, r).mul(0.1));                // stand-in for a trained B
            Tensor unmerged = lora.forward(x);
            lora.merge();
            Tensor merged = lora.forward(x);
            out.println("merged forward equals unmerged (max difference below 1e-5): " + (maxDiff(unmerged, merged) < 1e-5));
            out.println(fmt("measured: max |merged - unmerged| = %.2e", maxDiff(unmerged, merged)));
            lora.unmerge();
        }

        out.println("== the NF4 code book ==");
        float[] code = QuantType.NF4.codebook();
        for (int row = 0; row < 2; row++) {
            StringBuilder line = new StringBuilder();
            for (int i = 8 * row; i < 8 * row + 8; i++) line.append(i == 8 * row ? "" : " ").append(fmt("%.4f", code[i]));
            out.println(line);
        }

        out.println("== blockwise absmax quantization of 1M N(0,1) weights, block 64 ==");
        int n = 1 << 20;
        float[] w = new float[n];
        Generator wg = new Generator(4);
        for (int i = 0; i < n; i++) w[i] = (float) wg.nextGaussian();
        long[] shape = {1024, 1024};
        double[] nf4Errors = null;
        for (QuantType type : QuantType.values()) {
            Quantized4bit q = Blockwise4bit.quantize(w, shape, type, 64, false);
            float[] back = Blockwise4bit.dequantize(q);
            double[] err = new double[n];
            double sumAbs = 0, maxAbs = 0;
            for (int i = 0; i < n; i++) {
                err[i] = back[i] - w[i];
                sumAbs += Math.abs(err[i]);
                maxAbs = Math.max(maxAbs, Math.abs(err[i]));
            }
            out.println(fmt("%s: mean |error| %.4f, max |error| %.4f", type.bnbName(), sumAbs / n, maxAbs));
            if (type == QuantType.NF4) nf4Errors = err;
        }
        Figures6to10.histogram(outDir, "08-nf4-error.png", "NF4 quantization error, 1M N(0,1) weights, block 64",
                "dequantized - original", nf4Errors, 80);

        out.println("== storage ==");
        for (boolean dq : new boolean[]{false, true}) {
            Quantized4bit q = Blockwise4bit.quantize(w, shape, QuantType.NF4, 64, dq);
            out.println(fmt("NF4 block 64, double quantization %-5s: %.3f bits per parameter", dq, q.state().bitsPerParameter()));
        }
        out.println(fmt("by hand: 4 + 32/64 = %.3f; 4 + 8/64 + 32/(64*256) = %.3f", 4 + 32 / 64.0, 4 + 8 / 64.0 + 32 / (64.0 * 256)));

        qloraSteps(out);
        out.println("figure: 08-nf4-error.png");
    }

    /**
     * QLoRA in miniature: a 64×64 layer quantized to NF4 (frozen), a rank-4 adapter beside it, trained with AdamW to
     * match a target layer that differs from the original by a rank-2 change.
     */
    static void qloraSteps(PrintStream out) {
        out.println("== QLoRA: train a LoRA adapter over a frozen NF4 layer ==");
        Generator gen = new Generator(11);
        Linear original = new Linear(64, 64, false, gen);
        Tensor u = Tensor.randn(gen, 64, 2).mul(0.3), v = Tensor.randn(gen, 2, 64).mul(0.3);
        Tensor wTarget = original.weight().detach().add(u.matmul(v));               // (out, in), a rank-2 change
        Tensor x = Tensor.randn(gen, 128, 64);                                      // (N, in)
        Tensor y = x.matmul(wTarget.transpose(0, 1));                                // (N, out)

        Linear4bit frozen = Linear4bit.quantize(original, QuantSpec.qlora());
        float[] before = frozen.dequantizedWeight();
        LoraLinear model = new LoraLinear(frozen, 4, 8.0 / 4, 0.0, gen);
        AdamW opt = new AdamW(model.trainableParameters(), AdamW.defaults(1e-2));
        double first = 0, last = 0;
        int steps = 60;
        for (int step = 0; step <= steps; step++) {
            opt.zeroGrad();
            Tensor loss = F.mseLoss(model.forward(x), y);
            if (step == 0) first = loss.item();
            if (step == steps) {
                last = loss.item();
                break;
            }
            loss.backward();
            opt.step();
        }
        out.println("trainable: " + model.numTrainableParameters() + " adapter parameters; the 4096 base weights are NF4 and frozen");
        out.println(fmt("measured: loss %.5f at step 0, %.5f after %d AdamW steps", first, last, steps));
        out.println("loss fell below a quarter of its start: " + (last < first / 4));
        out.println("NF4 base weights unchanged: " + Arrays.equals(before, frozen.dequantizedWeight()));
    }

    private static double maxDiff(Tensor a, Tensor b) {
        float[] x = a.toFloatArray(), y = b.toFloatArray();
        double d = 0;
        for (int i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
        return d;
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
