package dev.jgrad.cuda;

import dev.jgrad.core.DType;
import dev.jgrad.core.Device;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.optim.AdamW;
import dev.jgrad.optim.Optimizer;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.gpt.GptModel;
import dev.jgrad.quant.Linear4bit;
import dev.jgrad.quant.QuantSpec;
import dev.jgrad.quant.Quantized4bit;
import dev.jgrad.quant.QuantizedModels;
import dev.jgrad.quant.lora.Lora;
import dev.jgrad.quant.lora.LoraConfig;
import dev.jgrad.quant.lora.LoraLinear;
import dev.jgrad.transformer.llama.LlamaModel;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
 * QLoRA: the same LLaMA with every block linear layer quantized to NF4 with double quantization (block 64; the 4-bit
 * products of the backend, forward and input gradient) and LoRA adapters (r = 4, dropout 0.05) on all of them; only
 * the adapters train, and their B matrices start random (not PEFT's zeros) so that every A gets a gradient.
 *
 * <p>Tolerances: the loss to 1e-5 relative; each gradient to {@code gtol = 1e-5 × max|gradient|} absolute: both
 * sides compute in float32 with different summation orders, and the gradients differ by ~1e-6 of each tensor's
 * largest entry (measured on the CPU emulator of the CUDA kernels: at most 8e-7). Each parameter after the step to
 * {@code (lr/ε)·gtol + 1e-5 × max|parameter|}: Adam's first step moves a weight by {@code lr·g/(|g| + ε)}, whose
 * sensitivity to a gradient error is at most {@code lr/ε} (at g ≈ 0), so a gradient within its tolerance moves a
 * weight by at most {@code (lr/ε)·gtol}. Hence ε = 1e-3 with lr = 1e-3 (PyTorch's ε = 1e-8 would let the sign
 * noise of a near-zero gradient move its weight by up to 2·lr); a wrong update is off by ~lr = 1e-3, far outside.
 */
abstract class TrainingStepParityCases {

    abstract Device device();

    static final double LR = 1e-3, EPS = 1e-3;
    static final GptConfig GPT = new GptConfig(96, 16, 128, 2, 4, 0.1, true, 1e-5, true, true);
    static final LlamaConfig LLAMA = new LlamaConfig(96, 48, 2, 4, 2, LlamaConfig.llama2cHiddenDim(48, 32), 1e-5,
            10000, RopeStyle.INTERLEAVED, 16, false);

    /**
     * The loss, every trainable parameter's gradient and value after the step, each optimizer buffer's device, and
     * each module buffer's device (4-bit weights are buffers), by name.
     */
    record Step(double loss, Map<String, Tensor> grads, Map<String, Tensor> params, Map<String, Device> stateDevices,
                Map<String, Device> bufferDevices) {}

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
        AdamW opt = new AdamW(model.trainableParameters(), AdamW.defaults(LR).withEps(EPS));
        Tensor loss = model.loss(Tensor.of(ids, batch, t).to(device), Tensor.of(targets, batch, t).to(device));
        loss.backward();
        Map<String, Tensor> grads = new LinkedHashMap<>();
        model.namedParameters().forEach((name, p) -> {
            if (p.requiresGrad()) grads.put(name, p.grad().to(Device.cpu()).contiguousCopy());
        });
        opt.step();
        Map<String, Tensor> params = new LinkedHashMap<>();
        Map<String, Device> stateDevices = new LinkedHashMap<>(), bufferDevices = new LinkedHashMap<>();
        model.namedParameters().forEach((name, p) -> {
            if (!p.requiresGrad()) return;
            params.put(name, p.detach().to(Device.cpu()).contiguousCopy());
            Optimizer.ParamState s = opt.stateOf(p);
            s.buffers().forEach((b, buf) -> stateDevices.put(name + "." + b, buf.device()));
        });
        model.namedBuffers().forEach((name, b) -> bufferDevices.put(name, b.device()));
        return new Step(loss.item(), grads, params, stateDevices, bufferDevices);
    }

    void compare(Supplier<CausalLM> build, String what) {
        Step cpu = step(build, Device.cpu()), dev = step(build, device());
        assertEquals(cpu.loss(), dev.loss(), 1e-5 * Math.abs(cpu.loss()), what + " loss");
        assertEquals(cpu.params().keySet(), dev.params().keySet());
        for (String name : cpu.params().keySet()) {
            Tensor eg = cpu.grads().get(name), ag = dev.grads().get(name);
            double gtol = 1e-5 * FusedParityCases.maxAbs(eg);
            BackendParityCases.assertClose(eg, ag, 0, gtol, what + " gradient of " + name);
            Tensor e = cpu.params().get(name), a = dev.params().get(name);
            BackendParityCases.assertClose(e, a, 0, LR / EPS * gtol + 1e-5 * FusedParityCases.maxAbs(e),
                    what + " " + name + " after one AdamW step");
        }
        assertTrue(dev.stateDevices().size() >= 2 * dev.params().size(), what + ": exp_avg and exp_avg_sq per parameter");
        dev.stateDevices().forEach((name, d) -> assertEquals(device(), d, what + " optimizer state " + name));
        dev.bufferDevices().forEach((name, d) -> assertEquals(device(), d, what + " buffer " + name));
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
    void qloraTrainingStepMatchesTheCpu() {
        CausalLM model = qloraLlama();
        int blockLinears = 7 * LLAMA.nLayers();
        assertEquals(blockLinears, QuantizedModels.layers(model).size(), "every block linear layer is 4-bit");
        assertEquals(blockLinears, Lora.adapters(model).size(), "and adapted");
        model.namedParameters().forEach((name, p) -> assertEquals(name.contains(".lora_"), p.requiresGrad(),
                name + ": only the adapters train"));
        assertTrue(model.namedBuffers().keySet().stream().anyMatch(n -> n.endsWith("weight_packed")));
        compare(TrainingStepParityCases::qloraLlama, "QLoRA LLaMA");
    }

    /** The LLaMA above, its block linear layers NF4 with double quantization, LoRA on all of them, B random. */
    static CausalLM qloraLlama() {
        LlamaModel model = new LlamaModel(LLAMA, new Generator(8));
        QuantizedModels.quantize(model, QuantSpec.qlora());
        var adapters = Lora.attach(model, LoraConfig.of(4, 8, 0.05, LoraConfig.ALL_LINEAR, false), new Generator(9));
        Generator g = new Generator(10);
        try (NoGrad ignored = NoGrad.enter()) {
            for (LoraLinear a : adapters.values()) a.loraB().copyFrom(Tensor.randn(g, a.loraB().shape()).mul(0.05));
        }
        return model;
    }

    /**
     * A {@code Linear4bit} moved to the device before its weight arrives (as when a loader fills a model already
     * there) receives it on the device; {@code weight()} copies the bytes back; a replaced weight (what a LoRA merge
     * does) lands on the device too. Outputs against the same layer on the CPU, within 1e-5 of the terms' magnitude.
     */
    @Test
    void aLinear4bitLoadsAndReplacesItsWeightOnItsDevice() {
        Generator g = new Generator(11);
        float[] w1 = new float[8 * 64], w2 = new float[8 * 64];
        for (int i = 0; i < w1.length; i++) {
            w1[i] = (float) g.nextGaussian();
            w2[i] = (float) g.nextGaussian();
        }
        Linear4bit host = new Linear4bit(64, 8, false, QuantSpec.qlora()), dev = new Linear4bit(64, 8, false, QuantSpec.qlora());
        dev.to(device());
        host.receive("weight", new int[] {8, 64}, w1);
        dev.receive("weight", new int[] {8, 64}, w1);
        dev.namedBuffers().forEach((name, b) -> assertEquals(device(), b.device(), name));
        assertArrayEquals(host.weight().packed(), dev.weight().packed(), "weight() brings the device's bytes back");
        Tensor x = Tensor.randn(g, 3, 5, 64);
        compareLayers(host, dev, x, "received on the device");
        Quantized4bit merged = QuantSpec.qlora().quantize(w2, new long[] {8, 64});
        host.setWeight(merged);
        dev.setWeight(merged);
        dev.namedBuffers().forEach((name, b) -> assertEquals(device(), b.device(), name + " after setWeight"));
        compareLayers(host, dev, x, "after setWeight");
    }

    private void compareLayers(Linear4bit host, Linear4bit dev, Tensor x, String what) {
        Tensor expected = host.forward(x), actual = dev.forward(x.to(device()));
        assertEquals(device(), actual.device());
        Tensor absW = Tensor.of(host.dequantizedWeight(), 8, 64).abs();
        Tensor terms = x.abs().matmul(absW.t());                                      // Σ |x|·|W| per output
        Quant4bitParityCases.assertWithinTerms(expected, terms, actual.to(Device.cpu()), what);
    }

    @Test
    void theModelsReachBothAttentionPaths() {
        assertEquals(32, GPT.nEmbd() / GPT.nHead(), "GPT-2 head dim: the tiled kernels");
        assertEquals(12, LLAMA.dim() / LLAMA.nHeads(), "LLaMA head dim: the generic kernels");
        assertEquals(DType.F32, new GptModel(GPT, new Generator(1)).parameters().get(0).dtype());
    }

    /**
     * KV-cache decoding on the device: a prompt of 5 tokens, then 3 tokens one at a time (one query against a longer
     * cache: the causal mask aligned to the end), against the same steps on the CPU, both models in evaluation mode.
     * Logits to {@code 1e-5 × max|logits|}, float32 through two blocks.
     */
    @Test
    void kvCacheDecodingMatchesTheCpu() {
        for (boolean llama : new boolean[] {false, true}) {
            double[][] cpu = decode(llama, Device.cpu()), dev = decode(llama, device());
            for (int s = 0; s < cpu.length; s++) {
                Tensor e = Tensor.of(cpu[s]), a = Tensor.of(dev[s]);
                BackendParityCases.assertClose(e, a, 0, 1e-5 * FusedParityCases.maxAbs(e),
                        (llama ? "LLaMA" : "GPT-2") + " decoding step " + s);
            }
        }
    }

    private static double[][] decode(boolean llama, Device device) {
        CausalLM model = llama ? new LlamaModel(LLAMA, new Generator(8)) : new GptModel(GPT, new Generator(7));
        model.to(device);
        model.eval();
        var cache = model.newCache(1, 8);
        long[] prompt = {5, 17, 3, 90, 41}, next = {7, 64, 2};
        double[][] out = new double[1 + next.length][];
        out[0] = model.decodeLast(Tensor.of(prompt, 1, 5).to(device), cache).toDoubleArray();
        for (int s = 0; s < next.length; s++)
            out[s + 1] = model.decodeLast(Tensor.of(new long[] {next[s]}, 1, 1).to(device), cache).toDoubleArray();
        return out;
    }
}
