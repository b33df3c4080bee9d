package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.optim.AdamW;
import dev.jgrad.optim.Optimizer;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.gpt.GptModel;
import dev.jgrad.transformer.llama.LlamaModel;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One training step of a small GPT-2 and a small LLaMA on the device under test against the same step on the
 * CPU: the same initial weights (same seed), the same batch, forward, backward and one AdamW step; the loss and
 * every parameter afterwards must agree, and every optimizer state buffer must live on the parameter's device.
 *
 * <p>The models reach every fused op: GPT-2 (head dim 32: the tiled attention kernels; LayerNorm; GELU; tied
 * embedding; dropout 0.1 on embeddings, residuals and attention weights, whose masks are the same on both sides:
 * host-drawn for {@code F.dropout}, the counter-based hash inside attention); LLaMA (head dim 12: the generic
 * attention kernels; grouped-query attention; RMSNorm; RoPE; SwiGLU). Targets include ignored positions (-100).
 *
 * <p>Tolerances: the loss to 1e-5 relative; each parameter to {@code 1e-5 × max|parameter|} absolute. Both sides
 * compute in float32 with different summation orders, so gradients differ by ~1e-6 relative; Adam's first step
 * moves each weight by {@code lr·g/(|g| + ε)}, whose sensitivity to a gradient error δ is at most {@code lr·δ/ε}:
 * with lr = 1e-3 and ε = 1e-6, a gradient error of 1e-9 (near-zero gradients) moves a weight by at most 1e-6,
 * within the tolerance of weights of size 0.02 and above.
 */
abstract class TrainingStepParityCases {

    abstract Device device();

    static final GptConfig GPT = new GptConfig(96, 16, 128, 2, 4, 0.1, true, 1e-5, true, true);
    static final LlamaConfig LLAMA = new LlamaConfig(96, 48, 2, 4, 2, LlamaConfig.llama2cHiddenDim(48, 32), 1e-5,
            10000, RopeStyle.INTERLEAVED, 16, false);

    /** The loss, every parameter after the step, and each optimizer buffer's device, by name. */
    record Step(double loss, Map<String, Tensor> params, Map<String, Device> stateDevices) {}

    static Step step(Supplier<CausalLM> build, Device device) {
        CausalLM model = build.get();
        model.to(device);
        Generator g = new Generator(99);
        int batch = 2, t = 16;
        long[] ids = new long[batch * t], targets = new long[batch * t];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = g.nextInt(96);
            targets[i] = i % 7 == 5 ? -100 : g.nextInt(96);
        }
        AdamW opt = new AdamW(model.parameters(), AdamW.defaults(1e-3).withEps(1e-6));
        Tensor loss = model.loss(Tensor.of(ids, batch, t).to(device), Tensor.of(targets, batch, t).to(device));
        loss.backward();
        opt.step();
        Map<String, Tensor> params = new LinkedHashMap<>();
        Map<String, Device> stateDevices = new LinkedHashMap<>();
        model.namedParameters().forEach((name, p) -> {
            params.put(name, p.detach().to(Device.cpu()).contiguousCopy());
            Optimizer.ParamState s = opt.stateOf(p);
            s.buffers().forEach((b, buf) -> stateDevices.put(name + "." + b, buf.device()));
        });
        return new Step(loss.item(), params, stateDevices);
    }

    void compare(Supplier<CausalLM> build, String what) {
        Step cpu = step(build, Device.cpu()), dev = step(build, device());
        assertEquals(cpu.loss(), dev.loss(), 1e-5 * Math.abs(cpu.loss()), what + " loss");
        assertEquals(cpu.params().keySet(), dev.params().keySet());
        for (String name : cpu.params().keySet()) {
            Tensor e = cpu.params().get(name), a = dev.params().get(name);
            double atol = 1e-5 * FusedParityCases.maxAbs(e);
            BackendParityCases.assertClose(e, a, 0, atol, what + " " + name + " after one AdamW step");
        }
        assertTrue(dev.stateDevices().size() >= 2 * dev.params().size(), what + ": exp_avg and exp_avg_sq per parameter");
        dev.stateDevices().forEach((name, d) -> assertEquals(device(), d, what + " optimizer state " + name));
    }

    @Test
    void gpt2TrainingStepMatchesTheCpu() {
        compare(() -> new GptModel(GPT, new Generator(7)), "GPT-2");
    }

    @Test
    void llamaTrainingStepMatchesTheCpu() {
        compare(() -> new LlamaModel(LLAMA, new Generator(8)), "LLaMA");
    }

    @Test
    void theModelsReachBothAttentionPaths() {
        assertEquals(32, GPT.nEmbd() / GPT.nHead(), "GPT-2 head dim: the tiled kernels");
        assertEquals(12, LLAMA.dim() / LLAMA.nHeads(), "LLaMA head dim: the generic kernels");
        assertEquals(DType.F32, new GptModel(GPT, new Generator(1)).parameters().get(0).dtype());
    }
}
