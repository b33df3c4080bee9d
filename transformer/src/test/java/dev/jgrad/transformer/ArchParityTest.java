package dev.jgrad.transformer;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.core.io.Safetensors;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.optim.AdamW;
import dev.jgrad.transformer.checkpoint.HfCheckpoint;
import dev.jgrad.transformer.llama.LlamaModel;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Qwen2 (q/k/v biases, tied head, θ 10⁶), Mistral (sliding window 5) and LLaMA 3.1 (llama3 RoPE scaling) against
 * the PyTorch references of {@code make_arch_goldens.py} ({@code goldens/archs.safetensors}): logits, loss, every
 * parameter gradient and 10 AdamW steps; the HF-layout checkpoints the script wrote ({@code goldens/hf-*}) load
 * through {@link HfCheckpoint} to the same config and logits; and KV-cache decoding (a prompt, a chunk, then one
 * token at a time, well past Mistral's window) gives the full forward's logits.
 */
class ArchParityTest {

    /** The script's models, built here by name (the HF config.json files must parse to the same). */
    static LlamaConfig config(String which) {
        LlamaConfig.Builder b = LlamaConfig.builder().vocabSize(64).dim(64).layers(2).heads(4).kvHeads(2).hiddenDim(96)
                .maxSeqLen(64);
        return switch (which) {
            case "qwen2" -> b.rmsNormEps(1e-6).ropeTheta(1e6).attentionBias(true).tieEmbeddings(true).build();
            case "mistral" -> b.rmsNormEps(1e-6).ropeTheta(1e4).slidingWindow(5).build();
            case "llama3" -> b.rmsNormEps(1e-5).ropeTheta(5e5).ropeScaling(new RopeScaling(8, 1, 16, 512)).build();
            default -> throw new IllegalArgumentException(which);
        };
    }

    static Map<String, Tensor> read(String prefix) throws Exception {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(ModelGoldens.dir().resolve("archs.safetensors"))) {
            for (SafetensorsFile.Entry e : f.entries()) {
                if (!e.name().startsWith(prefix + ".")) continue;
                DType as = e.dtype() == DType.F32 ? DType.F32 : e.dtype().isFloatingPoint() ? DType.F64 : DType.I64;
                out.put(e.name().substring(prefix.length() + 1), Safetensors.read(f, e.name(), as));
            }
        }
        return out;
    }

    static LlamaModel model(String which) throws Exception {
        LlamaModel m = new LlamaModel(config(which), new Generator(1));
        m.loadStateDict(ModelGoldens.params(read(which)), true);
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"qwen2", "mistral", "llama3"})
    void logitsLossAndEveryGradientFloat32(String which) throws Exception {
        check(which, model(which), 1e-4);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"qwen2", "mistral", "llama3"})
    void logitsLossAndEveryGradientFloat64(String which) throws Exception {
        LlamaModel m = model(which);
        m.to(DType.F64);
        check(which, m, 1e-9);
    }

    private static void check(String which, CausalLM m, double rtol) throws Exception {
        Map<String, Tensor> g = read(which);
        Tensor logits = m.forward(g.get("ids"));
        Tensor loss = CausalLM.lossFrom(logits, g.get("targets"));
        ModelGoldens.assertClose(which + " logits", g.get("logits"), logits, rtol);
        ModelGoldens.assertClose(which + " loss", g.get("loss"), loss.reshape(1), rtol);
        loss.backward();
        int checked = 0;
        for (Map.Entry<String, Tensor> p : m.namedParameters().entrySet()) {
            Tensor expected = g.get("grad." + p.getKey());
            assertNotNull(expected, "no golden gradient for " + p.getKey());
            assertNotNull(p.getValue().grad(), "no gradient for " + p.getKey());
            ModelGoldens.assertClose(which + " grad " + p.getKey(), expected, p.getValue().grad(), rtol);
            checked++;
        }
        assertEquals(ModelGoldens.params(g).size(), checked, "every golden parameter has a gradient to compare");
    }

    /**
     * In float64, as PyTorch computed them: these tiny models fit their batch within a few steps (Qwen2's loss falls
     * from 8.4 to 0.14 by step 5), which magnifies float32 rounding past any fixed tolerance; in float64 the
     * trajectories must agree to 1e-9.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"qwen2", "mistral", "llama3"})
    void tenAdamWStepsGiveThePyTorchLosses(String which) throws Exception {
        Map<String, Tensor> g = read(which);
        LlamaModel m = model(which);
        m.to(DType.F64);
        AdamW opt = new AdamW(m.parameters(), AdamW.defaults(1e-2));
        double[] expected = g.get("adamw_losses").toDoubleArray();
        for (int step = 0; step < expected.length; step++) {
            opt.zeroGrad();
            Tensor loss = m.loss(g.get("ids"), g.get("targets"));
            assertEquals(expected[step], loss.item(), 1e-9 * Math.abs(expected[step]) + 1e-12,
                    which + " loss before AdamW step " + (step + 1));
            loss.backward();
            opt.step();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"qwen2", "mistral", "llama3"})
    void theHuggingFaceCheckpointLoadsToTheSameConfigAndLogits(String which) throws Exception {
        CausalLM m = HfCheckpoint.load(ModelGoldens.dir().resolve("hf-" + which));
        assertEquals(config(which), m.config());
        Map<String, Tensor> g = read(which);
        try (NoGrad ignored = NoGrad.enter()) {
            ModelGoldens.assertClose(which + " logits of the loaded checkpoint", g.get("logits"), m.forward(g.get("ids")), 1e-4);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"qwen2", "mistral", "llama3"})
    void savedAsHuggingFaceAndLoadedBackGivesTheSameConfigAndLogits(String which, @TempDir Path tmp) throws Exception {
        Map<String, Tensor> g = read(which);
        HfCheckpoint.save(model(which), tmp.resolve("out"));
        CausalLM back = HfCheckpoint.load(tmp.resolve("out"));
        assertEquals(config(which), back.config());
        try (NoGrad ignored = NoGrad.enter()) {
            ModelGoldens.assertClose(which + " logits after save and load", g.get("logits"), back.forward(g.get("ids")), 1e-4);
        }
    }

    /** A Qwen2-style model in Meta's interleaved RoPE pairing: export permutes the q/k biases with their weight rows. */
    @org.junit.jupiter.api.Test
    void interleavedModelsWithBiasesExportToHuggingFacesPairing(@TempDir Path tmp) throws Exception {
        LlamaConfig c = LlamaConfig.builder().vocabSize(32).dim(32).layers(1).heads(4).kvHeads(2).hiddenDim(48)
                .attentionBias(true).ropeStyle(dev.jgrad.core.ops.RopeStyle.INTERLEAVED).maxSeqLen(16).build();
        LlamaModel m = new LlamaModel(c, new Generator(4));
        Generator gen = new Generator(5);
        for (Map.Entry<String, Tensor> p : m.namedParameters().entrySet())
            if (p.getKey().endsWith(".bias")) dev.jgrad.nn.init.Init.normal(p.getValue(), 0, 0.5, gen);
        Tensor ids = Tensor.of(new long[] {1, 5, 9, 30, 2, 7, 7, 11}, 1, 8);
        HfCheckpoint.save(m, tmp.resolve("out"));
        CausalLM back = HfCheckpoint.load(tmp.resolve("out"));
        assertEquals(c.withRopeStyle(dev.jgrad.core.ops.RopeStyle.HALF), back.config());
        try (NoGrad ignored = NoGrad.enter()) {
            ModelGoldens.assertClose("interleaved → HF logits", m.forward(ids), back.forward(ids), 1e-5);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"qwen2", "mistral", "llama3"})
    void cachedDecodingMatchesTheFullForward(String which) throws Exception {
        Map<String, Tensor> g = read(which);
        LlamaModel m = model(which);
        m.eval();
        Tensor ids = g.get("ids");                                   // (2, 16); Mistral's window is 5
        int t = ids.size(1);
        KvCache cache = m.newCache(2, t);
        List<Tensor> pieces = new ArrayList<>();
        try (NoGrad ignored = NoGrad.enter()) {
            pieces.add(m.forward(ids.narrow(1, 0, 3).contiguous(), cache));   // a prompt shorter than the window
            pieces.add(m.forward(ids.narrow(1, 3, 6).contiguous(), cache));   // a chunk that crosses it
            for (int pos = 9; pos < t; pos++) pieces.add(m.forward(ids.narrow(1, pos, 1).contiguous(), cache));
            assertEquals(t, cache.length());
            Tensor decoded = Tensor.cat(pieces, 1);                  // (2, 16, V)
            ModelGoldens.assertClose(which + " cached logits vs PyTorch", g.get("logits"), decoded, 1e-4);
            ModelGoldens.assertClose(which + " cached logits vs full forward", m.forward(ids), decoded, 1e-5);
        }
    }
}
