package dev.jgrad.quant.qlora;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.data.TokenSource;
import dev.jgrad.quant.Linear4bit;
import dev.jgrad.quant.QuantSpec;
import dev.jgrad.quant.QuantizedModels;
import dev.jgrad.quant.lora.Lora;
import dev.jgrad.quant.lora.LoraConfig;
import dev.jgrad.quant.lora.PeftAdapter;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.checkpoint.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * QLoRA end to end on a small LLaMA: NF4 + double quantization, all-linear adapters, a new domain the model has
 * never seen (a deterministic token pattern) against the random text it knows nothing better than.
 */
class QLoraFineTuneTest {

    @TempDir
    Path tmp;

    static CausalLM smallLlama() {
        LlamaConfig c = new LlamaConfig(64, 64, 2, 4, 2, 128, 1e-5, 10000, RopeStyle.HALF, 64, true);
        return Models.create(c, new Generator(11));
    }

    /** A new domain: token i+1 = (7·token i + 3) mod 64, with every 9th token random. */
    static TokenSource pattern(int n, long seed) {
        Generator g = new Generator(seed);
        int[] t = new int[n];
        t[0] = 5;
        for (int i = 1; i < n; i++) t[i] = i % 9 == 0 ? (int) (g.nextDouble() * 64) : (7 * t[i - 1] + 3) % 64;
        return TokenSource.of(t);
    }

    static TokenSource random(int n, long seed) {
        Generator g = new Generator(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = (int) (g.nextDouble() * 64);
        return TokenSource.of(t);
    }

    @Test
    void lowersNewDomainPerplexityAndChangesOnlyTheAdapters() throws Exception {
        CausalLM model = smallLlama();
        QLoraFineTune.Options o = new QLoraFineTune.Options(LoraConfig.of(8, 16, 0.05, "all-linear", false), QuantSpec.qlora(),
                60, 8, 32, 1e-2, 1e-3, 5, 0, 1.0, 20, 4, 0, 3, tmp.resolve("run"), false);
        QLoraFineTune.prepare(model, o, new Generator(o.seed()));
        String baseBefore = fingerprint(model);
        Map<String, float[]> adaptersBefore = snapshot(model);

        QLoraFineTune.Report r = QLoraFineTune.run(model, pattern(6000, 1), pattern(2000, 2), random(2000, 3), o, "small-llama", List.of());

        assertTrue(r.newDomainAfter() < 0.5 * r.newDomainBefore(),
                "new-domain perplexity " + r.newDomainBefore() + " → " + r.newDomainAfter());
        assertTrue(Double.isFinite(r.originalBefore()) && Double.isFinite(r.originalAfter()));
        assertEquals(baseBefore, fingerprint(model), "the 4-bit base, norms, embeddings and head are byte for byte unchanged");
        Map<String, float[]> adaptersAfter = snapshot(model);
        assertEquals(adaptersBefore.keySet(), adaptersAfter.keySet());
        long changed = adaptersAfter.entrySet().stream().filter(e -> !java.util.Arrays.equals(e.getValue(), adaptersBefore.get(e.getKey()))).count();
        assertEquals(adaptersAfter.size(), changed, "every adapter matrix trained");
        assertEquals(Lora.adapterParameterCount(model), r.trainableParameters());
        assertEquals(14, QuantizedModels.layers(model).size());
        assertTrue(r.baseMemory().bitsPerParameter() > 4.1 && r.baseMemory().bitsPerParameter() < 4.2,
                "NF4 + double quantization at block 64: ≈ 4.127 bits per parameter, got " + r.baseMemory().bitsPerParameter());

        // Checkpoints hold the adapters only; the saved adapter reproduces the fine-tuned model on a fresh base.
        try (var f = dev.jgrad.core.io.SafetensorsFile.open(tmp.resolve("run/checkpoints/best/model.safetensors"))) {
            assertEquals(2 * 14, f.entries().size());
            assertTrue(f.entries().stream().allMatch(e -> e.name().contains(".lora_")));
        }
        assertTrue(Files.isRegularFile(r.adapterDir().resolve(PeftAdapter.WEIGHTS)));
        CausalLM fresh = smallLlama();
        QuantizedModels.quantize(fresh, QuantSpec.qlora());
        PeftAdapter.load(fresh, r.adapterDir(), new Generator(0));
        Tensor ids = CausalLM.ids(new int[] {5, 38, satisfied(38), 9, 1, 2, 3, 4});
        model.eval();
        fresh.eval();
        assertArrayEquals(model.forward(ids).toFloatArray(), fresh.forward(ids).toFloatArray());
    }

    @Test
    void gradientCheckpointingThrough4bitLayersAndAdapterDropoutGivesIdenticalGradients() {
        CausalLM plain = smallLlama(), checkpointed = smallLlama().gradientCheckpointing(true);
        LoraConfig lora = LoraConfig.of(4, 8, 0.2, "all-linear", false);
        for (CausalLM m : List.of(plain, checkpointed)) {
            QuantizedModels.quantize(m, QuantSpec.qlora());
            Lora.attach(m, lora, new Generator(5));
            m.train();
            try (var ignored = dev.jgrad.core.autograd.NoGrad.enter()) {   // non-zero B, so every gradient flows
                Generator r = new Generator(6);
                for (var l : Lora.adapters(m).values()) l.loraB().copyFrom(Tensor.randn(r, l.loraB().shape()).mul(0.1));
            }
        }
        Tensor ids = CausalLM.ids(new int[] {1, 2, 3, 4, 5, 6, 7, 8}), targets = CausalLM.ids(new int[] {2, 3, 4, 5, 6, 7, 8, 9});
        for (int step = 0; step < 2; step++) {
            Tensor a = plain.loss(ids, targets), b = checkpointed.loss(ids, targets);
            assertEquals(a.item(), b.item());
            a.backward();
            b.backward();
            Map<String, Tensor> ga = Lora.adapterWeights(plain), gb = Lora.adapterWeights(checkpointed);
            for (String k : ga.keySet()) assertArrayEquals(ga.get(k).grad().toFloatArray(), gb.get(k).grad().toFloatArray(), k);
            plain.zeroGrad();
            checkpointed.zeroGrad();
        }
    }

    private static int satisfied(int t) {
        return (7 * t + 3) % 64;
    }

    /** SHA-256 over every frozen byte: float parameters outside the adapters and every 4-bit weight and scale. */
    static String fingerprint(Module model) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            if (e.getKey().contains(".lora_")) continue;
            md.update(e.getKey().getBytes());
            for (float v : e.getValue().toFloatArray()) {
                int b = Float.floatToRawIntBits(v);
                md.update(new byte[] {(byte) b, (byte) (b >> 8), (byte) (b >> 16), (byte) (b >> 24)});
            }
        }
        for (Map.Entry<String, Linear4bit> e : QuantizedModels.layers(model).entrySet()) {
            md.update(e.getKey().getBytes());
            md.update(e.getValue().weight().packed());
            for (float a : e.getValue().weight().blockAbsmax()) md.update(Integer.toString(Float.floatToRawIntBits(a)).getBytes());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static Map<String, float[]> snapshot(Module model) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        Lora.adapterWeights(model).forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }
}
