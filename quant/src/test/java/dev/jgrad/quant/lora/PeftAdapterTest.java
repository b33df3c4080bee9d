package dev.jgrad.quant.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.core.io.SafetensorsWriter;
import dev.jgrad.quant.Goldens;
import dev.jgrad.quant.QuantSpec;
import dev.jgrad.quant.QuantizedModels;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.checkpoint.HfCheckpoint;
import dev.jgrad.transformer.checkpoint.Models;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** PEFT's adapter format: a PEFT-layout fixture, round trips, targets, and adapters that do not fit. */
class PeftAdapterTest {

    @TempDir
    Path tmp;

    static final JsonMapper JSON = JsonMapper.builder().build();

    static CausalLM base() throws Exception {
        return HfCheckpoint.load(Goldens.lora("base-llama"));
    }

    static Tensor ids(SafetensorsFile g) {
        long[] v = g.readLongs("peft.ids");
        return Tensor.of(v, 2, v.length / 2);
    }

    @Test
    void loadsAPeftAdapterAndGivesPyTorchsLogits() throws Exception {
        try (SafetensorsFile g = Goldens.open()) {
            CausalLM model = base();
            PeftAdapter.Config c = PeftAdapter.load(model, Goldens.lora("peft-llama"), new Generator(1));
            assertEquals(4, c.lora().r());
            assertEquals(8.0, c.lora().alpha());
            assertEquals(0.05, c.lora().dropout());
            assertEquals(List.of("q_proj", "v_proj"), c.lora().targetModules());
            assertEquals("jgrad-tests/base-llama", c.baseModelNameOrPath());
            assertEquals(Set.of("model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj",
                    "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj"), Lora.adapters(model).keySet());
            model.eval();
            Goldens.assertClose(g.readDoubles("peft.logits"), model.forward(ids(g)).toFloatArray(), 2e-5, "adapted logits");
            // Only the adapters train.
            long trainable = 0;
            for (Tensor p : model.trainableParameters()) trainable += p.numel();
            assertEquals(2 * (4 * 48 + 48 * 4) + 2 * (4 * 48 + 24 * 4), trainable);
            // Merged and unloaded: the original module tree, the same function.
            float[] adapted = model.forward(ids(g)).toFloatArray();
            Lora.mergeAndUnload(model);
            assertTrue(Lora.adapters(model).isEmpty());
            assertTrue(model.namedParameters().containsKey("model.layers.0.self_attn.q_proj.weight"));
            assertArrayEquals(adapted, model.forward(ids(g)).toFloatArray(), 1e-4f);
        }
    }

    @Test
    void loadsOntoA4bitBase() throws Exception {
        CausalLM q = QuantizedModels.load(Goldens.lora("base-llama"), null, null, QuantSpec.qlora()).model();
        PeftAdapter.load(q, Goldens.lora("peft-llama"), new Generator(1));
        assertEquals(4, Lora.adapters(q).size());
        for (LoraLinear l : Lora.adapters(q).values()) assertInstanceOf(dev.jgrad.quant.Linear4bit.class, l.base());
        assertEquals(Lora.adapterParameterCount(q), q.numTrainableParameters());
    }

    @Test
    void roundTripsAllLinearAdaptersInPeftsLayout() throws Exception {
        try (SafetensorsFile g = Goldens.open()) {
            CausalLM model = base();
            LoraConfig cfg = LoraConfig.of(8, 16, 0.1, "all-linear", true);
            Map<String, LoraLinear> adapters = Lora.attach(model, cfg, new Generator(3));
            assertEquals(2 * 7, adapters.size(), "q, k, v, o, gate, up, down in 2 layers; never lm_head");
            assertFalse(adapters.containsKey("lm_head"));
            Generator r = new Generator(4);
            try (NoGrad ignored = NoGrad.enter()) {
                for (LoraLinear l : adapters.values()) l.loraB().copyFrom(Tensor.randn(r, l.loraB().shape()).mul(0.05));
            }
            model.eval();
            float[] before = model.forward(ids(g)).toFloatArray();
            Path dir = tmp.resolve("adapter");
            PeftAdapter.save(model, cfg, dir, "base-llama", false);

            JsonNode json = JSON.readTree(dir.resolve(PeftAdapter.CONFIG).toFile());
            assertEquals("LORA", json.get("peft_type").asText());
            assertEquals("CAUSAL_LM", json.get("task_type").asText());
            assertEquals(8, json.get("r").asInt());
            assertEquals(16, json.get("lora_alpha").asInt());
            assertEquals(0.1, json.get("lora_dropout").asDouble());
            assertEquals("none", json.get("bias").asText());
            assertTrue(json.get("use_rslora").asBoolean());
            assertFalse(json.get("fan_in_fan_out").asBoolean());
            assertEquals("base-llama", json.get("base_model_name_or_path").asText());
            List<String> targets = new ArrayList<>();
            json.get("target_modules").forEach(t -> targets.add(t.asText()));
            assertEquals(List.of("down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"), targets);
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(PeftAdapter.WEIGHTS))) {
                assertEquals(28, f.entries().size());
                assertArrayEquals(new long[] {8, 48}, f.entry("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape());
                assertArrayEquals(new long[] {8, 128}, f.entry("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight").shape());
                assertArrayEquals(new long[] {48, 8}, f.entry("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight").shape());
                assertEquals(DType.F32, f.entry("base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight").dtype());
                assertEquals("pt", f.metadata().get("format"));
            }

            CausalLM again = base();
            PeftAdapter.Config c = PeftAdapter.load(again, dir, new Generator(9));
            assertTrue(c.lora().useRsLora());
            assertEquals(cfg.scaling(), Lora.adapters(again).values().iterator().next().scaling());
            again.eval();
            assertArrayEquals(before, again.forward(ids(g)).toFloatArray(), "save → load gives identical outputs");
        }
    }

    @Test
    void targetsFollowPeftsMatchingRules() throws Exception {
        CausalLM model = base();
        assertEquals(List.of("model.layers.0.self_attn.q_proj", "model.layers.1.self_attn.q_proj"),
                Lora.targetPaths(model, LoraConfig.of(4, 8, 0, "self_attn.q_proj", false)));
        assertEquals(List.of("model.layers.1.mlp.up_proj"), Lora.targetPaths(model, LoraConfig.of(4, 8, 0, "re:.*\\.1\\.mlp\\.up_proj", false)));
        assertEquals(List.of("lm_head"), Lora.targetPaths(model, LoraConfig.of(4, 8, 0, "lm_head", false)),
                "named explicitly, the head can be adapted");
        CausalLM gpt = Models.create(new GptConfig(64, 16, 32, 2, 4, 0, true, 1e-5, true, true), new Generator(1));
        List<String> gptTargets = Lora.targetPaths(gpt, LoraConfig.of(4, 8, 0, "all-linear", false));
        assertEquals(List.of("transformer.h.0.attn.c_attn", "transformer.h.0.attn.c_proj", "transformer.h.0.mlp.c_fc",
                "transformer.h.0.mlp.c_proj", "transformer.h.1.attn.c_attn", "transformer.h.1.attn.c_proj",
                "transformer.h.1.mlp.c_fc", "transformer.h.1.mlp.c_proj"), gptTargets);

        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> Lora.attach(model, LoraConfig.of(4, 8, 0, "qkv_proj", false), new Generator(1)));
        assertTrue(none.getMessage().contains("[qkv_proj] match no linear layer") && none.getMessage().contains("q_proj"), none.getMessage());
        IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
                () -> Lora.attach(model, LoraConfig.of(4, 8, 0, "q_proj,wq", false), new Generator(1)));
        assertTrue(one.getMessage().contains("\"wq\" matches no linear layer"), one.getMessage());
        IllegalArgumentException notLinear = assertThrows(IllegalArgumentException.class,
                () -> Lora.attach(model, LoraConfig.of(4, 8, 0, "mlp", false), new Generator(1)));
        assertTrue(notLinear.getMessage().contains("model.layers.0.mlp is a Mlp, not a linear layer"), notLinear.getMessage());
        assertTrue(Lora.adapters(model).isEmpty(), "a refused attach changes nothing");
        assertTrue(model.numTrainableParameters() > 0);
        Lora.attach(model, LoraConfig.of(4, 8, 0, "q_proj", false), new Generator(1));
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> Lora.attach(model, LoraConfig.of(4, 8, 0, "q_proj", false), new Generator(1)));
        assertTrue(twice.getMessage().contains("already has a LoRA adapter"), twice.getMessage());
    }

    @Test
    void refusesAdaptersThatDoNotFit() throws Exception {
        // Shapes: the fixture's config with an A matrix one column short.
        Path bad = copyFixture("bad-shape");
        SafetensorsWriter w = new SafetensorsWriter().metadata(Map.of("format", "pt"));
        try (SafetensorsFile f = SafetensorsFile.open(Goldens.lora("peft-llama").resolve(PeftAdapter.WEIGHTS))) {
            for (SafetensorsFile.Entry e : f.entries()) {
                boolean shrink = e.name().equals("base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight");
                long[] shape = shrink ? new long[] {4, 47} : e.shape();
                float[] v = f.readFloats(e.name());
                w.add(e.name(), DType.F32, shape, shrink ? java.util.Arrays.copyOf(v, 4 * 47) : v);
            }
        }
        w.write(bad.resolve(PeftAdapter.WEIGHTS));
        CausalLM model = base();
        Exception e = assertThrows(java.io.IOException.class, () -> PeftAdapter.load(model, bad, new Generator(1)));
        assertTrue(e.getMessage().contains("base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight is F32[4, 47]")
                && e.getMessage().contains("[4, 48]"), e.getMessage());
        assertTrue(Lora.adapters(model).isEmpty(), "nothing attached after a refused load");

        Path other = copyFixture("targets");
        rewriteConfig(other, "\"v_proj\"", "\"value\"");
        Exception t = assertThrows(java.io.IOException.class, () -> PeftAdapter.load(base(), other, new Generator(1)));
        assertTrue(t.getMessage().contains("\"value\" matches no linear layer"), t.getMessage());

        Path prefix = copyFixture("prefix");
        rewriteConfig(prefix, "\"LORA\"", "\"PREFIX_TUNING\"");
        Exception p = assertThrows(java.io.IOException.class, () -> PeftAdapter.load(base(), prefix, new Generator(1)));
        assertTrue(p.getMessage().contains("peft_type is \"PREFIX_TUNING\""), p.getMessage());

        Path fewer = copyFixture("fewer-targets");   // the file holds v_proj adapters the config does not name
        rewriteConfig(fewer, "\"v_proj\"", "\"k_proj\"");
        Exception u = assertThrows(java.io.IOException.class, () -> PeftAdapter.load(base(), fewer, new Generator(1)));
        assertTrue(u.getMessage().contains("missing tensor base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight"), u.getMessage());
    }

    /** Hostile adapter configs and weights: each refused with the key or tensor and the real value named. */
    @Test
    void refusesHostileConfigsAndNonFiniteWeights() throws Exception {
        String[][] cases = {
                {"\"r\": 4", "\"r\": 1099511627776", "\"r\" must be a positive integer of at most 2147483647, got 1099511627776"},
                {"\"r\": 4", "\"r\": -3", "got -3"},
                {"\"r\": 4", "\"r\": 4.5", "needs an integer \"r\", got 4.5"},
                {"\"use_rslora\": false", "\"use_rslora\": \"yes\"", "field \"use_rslora\" must be true or false, got \"yes\""},
                {"\"use_dora\": false", "\"use_dora\": 1", "field \"use_dora\" must be true or false, got 1"},
                {"\"lora_dropout\": 0.05", "\"lora_dropout\": \"0.05\"", "field \"lora_dropout\" must be a number"},
        };
        for (String[] c : cases) {
            Path dir = copyFixture("hostile-" + Math.abs(c[1].hashCode()));
            rewriteConfig(dir, c[0], c[1]);
            Exception e = assertThrows(java.io.IOException.class, () -> PeftAdapter.readConfig(dir));
            assertTrue(e.getMessage().contains(PeftAdapter.CONFIG) && e.getMessage().contains(c[2]), e.getMessage());
        }

        for (float bad : new float[] {Float.NaN, Float.NEGATIVE_INFINITY}) {
            Path dir = copyFixture("non-finite-" + bad);
            String target = "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight";
            SafetensorsWriter w = new SafetensorsWriter().metadata(Map.of("format", "pt"));
            try (SafetensorsFile f = SafetensorsFile.open(Goldens.lora("peft-llama").resolve(PeftAdapter.WEIGHTS))) {
                for (SafetensorsFile.Entry e : f.entries()) {
                    float[] v = f.readFloats(e.name());
                    if (e.name().equals(target)) v[5] = bad;
                    w.add(e.name(), DType.F32, e.shape(), v);
                }
            }
            w.write(dir.resolve(PeftAdapter.WEIGHTS));
            CausalLM model = base();
            Exception e = assertThrows(java.io.IOException.class, () -> PeftAdapter.load(model, dir, new Generator(1)));
            assertTrue(e.getMessage().contains("adapter tensor " + target + " holds " + bad + " at flat index 5"), e.getMessage());
            assertTrue(Lora.adapters(model).isEmpty(), "nothing attached after a refused load");
        }
    }

    private Path copyFixture(String name) throws Exception {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        for (String f : List.of(PeftAdapter.CONFIG, PeftAdapter.WEIGHTS))
            Files.copy(Goldens.lora("peft-llama").resolve(f), dir.resolve(f));
        return dir;
    }

    private static void rewriteConfig(Path dir, String from, String to) throws Exception {
        Path f = dir.resolve(PeftAdapter.CONFIG);
        String s = Files.readString(f);
        assertTrue(s.contains(from));
        Files.writeString(f, s.replace(from, to));
    }
}
