package dev.jgrad.examples;

import dev.jgrad.core.DType;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.core.io.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.jgrad.examples.CliTest.args;
import static dev.jgrad.examples.CliTest.corpus;
import static dev.jgrad.examples.CliTest.run;
import static org.junit.jupiter.api.Assertions.*;

/** finetune → merge → generate, and quantize, as a user runs them. */
class QloraCliTest {

    @Test
    void finetuneMergeAndGenerate(@TempDir Path dir) throws Exception {
        Path data = corpus(dir), pre = dir.resolve("pre");
        run(0, args("train", data, pre, "--steps", "6"));
        StringBuilder sb = new StringBuilder();
        String[] words = {"the", "lazy", "dog", "jumps", "over", "quick", "brown", "fox", "times", "Verse"};
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 80; i++) {   // distinct documents from the same characters (the tokenizer is the base's)
            for (int k = 0; k < 12; k++) sb.append(words[random.nextInt(words.length)]).append(k % 4 == 3 ? ". " : " ");
            sb.append(i).append("\n\n");
        }
        Path other = dir.resolve("other.txt");
        Files.writeString(other, sb);
        Path ft = dir.resolve("ft");
        run(0, "finetune", "--base", pre.resolve("checkpoints/last").toString(), "--tokenizer", pre.resolve("checkpoints").toString(),
                "--data", other.toString(), "--original-data", data.toString(), "--r", "4", "--alpha", "8", "--steps", "6",
                "--batch", "4", "--block", "16", "--eval-interval", "3", "--eval-batches", "2", "--lr", "1e-2", "--warmup", "1",
                "--out", ft.toString());
        for (String f : List.of("adapter/adapter_config.json", "adapter/adapter_model.safetensors", "metrics.csv", "loss.png",
                "checkpoints/best/model.safetensors"))
            assertTrue(Files.exists(ft.resolve(f)), f);
        Path merged = dir.resolve("merged");
        run(0, "merge", "--base", pre.resolve("checkpoints/last").toString(), "--adapter", ft.resolve("adapter").toString(),
                "--out", merged.toString());
        assertTrue(Files.isRegularFile(merged.resolve("config.json")));
        try (SafetensorsFile f = SafetensorsFile.open(merged.resolve("model.safetensors"))) {
            assertTrue(f.contains("model.layers.0.self_attn.q_proj.weight"));
            assertTrue(f.entries().stream().noneMatch(e -> e.name().contains("lora")), "merged: no adapter tensors left");
        }
        run(0, "generate", "--checkpoint", merged.toString(), "--tokenizer", pre.resolve("checkpoints").toString(),
                "--prompt", "the", "--steps", "5", "--seed", "1");

        String err = run(2, "finetune", "--base", pre.resolve("checkpoints/last").toString(), "--tokenizer",
                pre.resolve("checkpoints").toString(), "--data", other.toString(), "--targets", "c_attn", "--steps", "2", "--warmup", "0",
                "--block", "16", "--out", dir.resolve("bad").toString());
        assertTrue(err.contains("[c_attn] match no linear layer"), err);
        err = run(2, "finetune", "--base", pre.resolve("checkpoints/last").toString(), "--tokenizer",
                pre.resolve("checkpoints").toString(), "--data", other.toString(), "--quant", "int3", "--out", dir.resolve("bad2").toString());
        assertTrue(err.contains("unknown 4-bit quant type \"int3\""), err);
    }

    @Test
    void quantizeWritesTheBitsandbytesLayout(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.safetensors"), out = dir.resolve("out.safetensors");
        float[] w = new float[64 * 32];
        for (int i = 0; i < w.length; i++) w[i] = (float) Math.sin(i);
        new SafetensorsWriter().add("a.weight", DType.BF16, new long[] {64, 32}, w)
                .add("a.bias", DType.F32, new long[] {64}, new float[64]).write(in);
        run(0, "quantize", "--in", in.toString(), "--out", out.toString(), "--quant", "nf4", "--double-quant");
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            assertEquals(DType.U8, f.entry("a.weight").dtype());
            assertTrue(f.contains("a.weight.quant_state.bitsandbytes__nf4"));
            assertTrue(f.contains("a.weight.nested_absmax"));
            assertEquals(DType.F32, f.entry("a.bias").dtype());
        }
    }
}
