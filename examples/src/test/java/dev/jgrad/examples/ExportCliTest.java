package dev.jgrad.examples;

import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.core.io.gguf.GgufFile;
import dev.jgrad.core.io.gguf.GgufType;
import dev.jgrad.quant.Blockwise4bit;
import dev.jgrad.quant.QuantSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.jgrad.examples.CliTest.args;
import static dev.jgrad.examples.CliTest.corpus;
import static dev.jgrad.examples.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** train → finetune → export (GGUF, safetensors) → generate from the GGUF file, as a user runs them. */
class ExportCliTest {

    private static String stdout(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            run(0, args);
        } finally {
            System.setOut(old);
        }
        return buf.toString();
    }

    @Test
    void exportWithAnAdapterAndGenerateFromTheGgufFile(@TempDir Path dir) throws Exception {
        Path data = corpus(dir), pre = dir.resolve("pre"), ft = dir.resolve("ft");
        run(0, args("train", data, pre, "--steps", "4"));
        String base = pre.resolve("checkpoints/last").toString(), tok = pre.resolve("checkpoints").toString();
        run(0, "finetune", "--base", base, "--tokenizer", tok, "--data", data.toString(), "--r", "4", "--alpha", "8",
                "--steps", "3", "--batch", "4", "--block", "16", "--eval-interval", "3", "--eval-batches", "1", "--lr", "1e-2",
                "--warmup", "1", "--out", ft.toString());
        String adapter = ft.resolve("adapter").toString();
        Path gguf = dir.resolve("m.gguf"), hf = dir.resolve("hf"), merged = dir.resolve("merged");
        String jinja = "{% for m in messages %}{{ m.content }}{% endfor %}";   // travels into tokenizer.chat_template
        Files.writeString(pre.resolve("checkpoints/last/tokenizer_config.json"), "{\"chat_template\": \"" + jinja + "\"}");
        String err = run(0, "export", "--checkpoint", base, "--adapter", adapter, "--format", "gguf", "--type", "f32",
                "--out", gguf.toString());
        run(0, "export", "--checkpoint", base, "--adapter", adapter, "--format", "safetensors", "--out", hf.toString());
        run(0, "merge", "--base", base, "--adapter", adapter, "--out", merged.toString());
        // the merged weights, in the GGUF file and in both safetensors exports (v_proj: no RoPE permutation)
        try (GgufFile g = GgufFile.open(gguf); SafetensorsFile a = SafetensorsFile.open(hf.resolve("model.safetensors"));
             SafetensorsFile b = SafetensorsFile.open(merged.resolve("model.safetensors"))) {
            String v = "model.layers.0.self_attn.v_proj.weight";
            assertArrayEquals(b.readFloats(v), a.readFloats(v));
            assertArrayEquals(b.readFloats(v), g.readFloats("blk.0.attn_v.weight"));
            assertEquals(GgufType.F32, g.tensor("blk.0.attn_v.weight").type());
            assertFalse(g.contains("tokenizer.ggml.model"), "a character tokenizer has no GGUF form");
            assertEquals(jinja, g.get("tokenizer.chat_template").asString());
        }
        // greedy generation from the GGUF file and from the merged checkpoint agree
        String fromGguf = stdout("generate", "--checkpoint", gguf.toString(), "--prompt-ids", "3 4 5", "--ids",
                "--temperature", "0", "--steps", "6");
        String fromHf = stdout("generate", "--checkpoint", merged.toString(), "--prompt-ids", "3 4 5", "--ids",
                "--temperature", "0", "--steps", "6");
        assertEquals(fromHf.lines().findFirst().orElseThrow(), fromGguf.lines().findFirst().orElseThrow());

        // a QLoRA base: the exported weights are the dequantized NF4 weights
        Path nf4 = dir.resolve("nf4.gguf");
        run(0, "export", "--checkpoint", base, "--base-quant", "nf4", "--format", "gguf", "--type", "f32", "--out", nf4.toString());
        try (GgufFile g = GgufFile.open(nf4); SafetensorsFile b = SafetensorsFile.open(pre.resolve("checkpoints/last/model.safetensors"))) {
            String v = "model.layers.0.self_attn.v_proj.weight";
            float[] w = b.readFloats(v);
            long[] shape = b.entry(v).shape();
            float[] expected = Blockwise4bit.dequantize(QuantSpec.of("nf4", 64, false).quantize(w, shape));
            assertArrayEquals(expected, g.readFloats("blk.0.attn_v.weight"));
            assertFalse(java.util.Arrays.equals(w, expected));
        }

        run(0, "export", "--checkpoint", base, "--format", "gguf", "--type", "q4_0", "--out", dir.resolve("q.gguf").toString());
        assertTrue(Files.size(dir.resolve("q.gguf")) < Files.size(gguf) / 3, "4-bit weights");
        err = run(2, "export", "--checkpoint", base, "--format", "gguf", "--type", "q6_k", "--out", dir.resolve("x.gguf").toString());
        assertTrue(err.contains("--type is f32, f16, bf16, q8_0 or q4_0"), err);
        Path cut = dir.resolve("cut.gguf");
        Files.write(cut, java.util.Arrays.copyOf(Files.readAllBytes(gguf), 3000));
        err = run(2, "generate", "--checkpoint", cut.toString(), "--prompt-ids", "1");
        assertTrue(err.contains("truncated") && err.lines().count() == 1, err);
        assertFalse(Files.exists(dir.resolve("x.gguf")));
    }
}
