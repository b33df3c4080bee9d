package dev.jgrad.examples;

import dev.jgrad.core.DType;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.core.io.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.jgrad.examples.CliTest.args;
import static dev.jgrad.examples.CliTest.corpus;
import static dev.jgrad.examples.CliTest.run;
import static dev.jgrad.examples.CliHardeningTest.expect;
import static dev.jgrad.examples.CliHardeningTest.plus;
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
        // the base is the training run's directory: its best checkpoint, with the tokenizer beside it
        run(0, "finetune", "--base", pre.toString(),
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
        mergeHandOffsAndRefusals(dir, pre, ft, merged);

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

    /** What merge and generate hand each other, and what merge refuses to destroy (run in {@code dir}, relative paths). */
    static void mergeHandOffsAndRefusals(Path dir, Path pre, Path ft, Path merged) throws Exception {
        // merge copied the tokenizer: the merged checkpoint runs as it is
        assertTrue(Files.isRegularFile(merged.resolve("tokenizer.json")), "merge copies the tokenizer");
        expect(0, InProcess.run(dir, "generate", "--checkpoint", "merged", "--prompt", "the", "--steps", "5", "--seed", "1"));
        // a training run's directory is a checkpoint: its best
        InProcess.Result r = expect(0, InProcess.run(dir, "generate", "--checkpoint", "pre", "--prompt", "the", "--steps", "5",
                "--seed", "1"));
        assertTrue(r.err().contains("using the run's best checkpoint"), r.err());

        String[] merge = {"merge", "--base", "pre/checkpoints/last", "--adapter", "ft/adapter", "--out"};
        Map<Path, byte[]> inputs = snapshot(ft.resolve("adapter"), pre.resolve("checkpoints/last"));
        r = expect(2, InProcess.run(dir, plus(merge, "merged")));
        assertTrue(r.err().contains("already exists and is not empty: give --overwrite"), r.err());
        expect(0, InProcess.run(dir, plus(merge, "merged", "--overwrite")));
        r = expect(2, InProcess.run(dir, plus(merge, "ft/adapter", "--overwrite")));
        assertTrue(r.err().contains("is the input --adapter"), r.err());
        r = expect(2, InProcess.run(dir, plus(merge, "ft", "--overwrite")));
        assertTrue(r.err().contains("holds the input --adapter"), r.err());
        r = expect(2, InProcess.run(dir, plus(merge, "pre/checkpoints/last", "--overwrite")));
        assertTrue(r.err().contains("is the input --base"), r.err());
        assertEquals(inputs.keySet(), snapshot(ft.resolve("adapter"), pre.resolve("checkpoints/last")).keySet());
        inputs.forEach((file, bytes) -> assertArrayEquals(bytes, read(file), file + " untouched"));
        // a folder of the user's is not emptied
        Files.createDirectories(dir.resolve("mine"));
        Files.writeString(dir.resolve("mine/notes.txt"), "keep");
        expect(2, InProcess.run(dir, plus(merge, "mine")));
        assertEquals(List.of("notes.txt"), CliHardeningTest.list(dir.resolve("mine")));

        // an adapter with a NaN merges into an all-NaN model: refused, naming the tensor, writing nothing
        Path bad = dir.resolve("bad-adapter");
        Files.createDirectories(bad);
        Files.copy(ft.resolve("adapter/adapter_config.json"), bad.resolve("adapter_config.json"));
        String poisoned;
        try (SafetensorsFile f = SafetensorsFile.open(ft.resolve("adapter/adapter_model.safetensors"))) {
            SafetensorsWriter w = new SafetensorsWriter();
            poisoned = f.entries().stream().map(SafetensorsFile.Entry::name).filter(n -> n.contains("lora_B")).sorted()
                    .findFirst().orElseThrow();
            for (SafetensorsFile.Entry e : f.entries()) {
                float[] v = f.readFloats(e.name());
                if (e.name().equals(poisoned)) v[3] = Float.NaN;
                w.add(e.name(), DType.F32, e.shape(), v);
            }
            w.write(bad.resolve("adapter_model.safetensors"));
        }
        r = expect(2, InProcess.run(dir, "merge", "--base", "pre/checkpoints/last", "--adapter", "bad-adapter", "--out", "nan-merged"));
        assertTrue(r.err().contains("adapter tensor " + poisoned + " holds NaN at flat index 3"), r.err());
        assertFalse(Files.exists(dir.resolve("nan-merged")));
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains("jgrad-partial")), "no partial output left");
        }
    }

    @Test
    void quantizeNeverOverwritesItsInputAndCleansItsTemporaries(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.safetensors");
        float[] w = new float[64 * 32];
        for (int i = 0; i < w.length; i++) w[i] = (float) Math.cos(i);
        new SafetensorsWriter().add("a.weight", DType.F32, new long[] {64, 32}, w).write(in);
        byte[] original = Files.readAllBytes(in);
        Files.createSymbolicLink(dir.resolve("link"), in.getFileName());
        // --in link --out in.safetensors: the same file under another name
        InProcess.Result r = expect(2, InProcess.run(dir, "quantize", "--in", "link", "--out", "in.safetensors", "--overwrite"));
        assertTrue(r.err().contains("is the input --in"), r.err());
        expect(2, InProcess.run(dir, "quantize", "--in", "in.safetensors", "--out", "link", "--overwrite"));
        assertArrayEquals(original, Files.readAllBytes(in), "the float original is untouched");
        // a temporary left by a killed run is removed by the next one
        Path stale = dir.resolve(".out.safetensors.5eed1e55.tmp");
        Files.writeString(stale, "half a file");
        expect(0, InProcess.run(dir, "quantize", "--in", "in.safetensors", "--out", "out.safetensors"));
        assertFalse(Files.exists(stale), "stale temporary removed");
        assertEquals(List.of("in.safetensors", "link", "out.safetensors"), CliHardeningTest.list(dir));
        // a missing input or output folder is said in words, not as a bare path
        r = expect(2, InProcess.run(dir, "quantize", "--in", "missing.safetensors", "--out", "o.safetensors"));
        assertEquals("jgrad quantize: no such file or directory: " + dir.resolve("missing.safetensors"), r.err().strip());
        r = expect(2, InProcess.run(dir, "quantize", "--in", "in.safetensors", "--out", "no/such/dir/o.safetensors"));
        assertEquals("jgrad quantize: no such file or directory: " + dir.resolve("no/such/dir"), r.err().strip());
        // an existing output is replaced only with --overwrite
        r = expect(2, InProcess.run(dir, "quantize", "--in", "in.safetensors", "--out", "out.safetensors", "--quant", "fp4"));
        assertTrue(r.err().contains("out.safetensors already exists: give --overwrite"), r.err());
        expect(0, InProcess.run(dir, "quantize", "--in", "in.safetensors", "--out", "out.safetensors", "--quant", "fp4", "--overwrite"));
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("out.safetensors"))) {
            assertTrue(f.contains("a.weight.quant_state.bitsandbytes__fp4"));
        }
    }

    static Map<Path, byte[]> snapshot(Path... dirs) throws Exception {
        Map<Path, byte[]> files = new TreeMap<>();
        for (Path d : dirs) {
            try (var s = Files.walk(d)) {
                for (Path p : s.filter(Files::isRegularFile).toList()) files.put(p, Files.readAllBytes(p));
            }
        }
        return files;
    }

    static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
