package dev.jgrad.benchmarks;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.SafetensorsWriter;
import dev.jgrad.optim.Adam;
import dev.jgrad.optim.AdamW;
import dev.jgrad.quant.QuantSpec;
import dev.jgrad.quant.QuantizedModels;
import dev.jgrad.quant.lora.Lora;
import dev.jgrad.quant.lora.LoraConfig;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.checkpoint.ModelConfigs;
import dev.jgrad.transformer.checkpoint.ModelLoader;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.transformer.llama.LlamaModel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * QLoRA at scale, not a test: a TinyLlama-1.1B-shaped LLaMA (hidden 2048, intermediate 5632, 22 layers, 32 heads,
 * 4 KV heads, vocabulary 32000; 1.1B parameters) fine-tuned on this machine's CPUs in little memory.
 *
 * <ul>
 *   <li>{@code write DIR}: writes the model with random BF16 weights as a Hugging Face checkpoint (config.json and a
 *       2.2 GB model.safetensors), streaming one tensor at a time (weights uniform with standard deviation 0.02,
 *       norms at 1). Put it under /tmp, never in the repository.</li>
 *   <li>{@code train DIR STEPS [RANK]}: loads it with every block linear layer quantized to NF4 + double quantization
 *       while loading (the float model never exists), attaches rank-RANK LoRA adapters to all of them, and trains
 *       them with AdamW for STEPS steps of 1 × 256 random tokens, with gradient checkpointing per block (as
 *       QLoRA and Hugging Face's {@code prepare_model_for_kbit_training} do). Prints the peak resident memory of the process
 *       (VmHWM from /proc/self/status: the 4-bit base, the float embedding and head, adapters, optimizer state,
 *       activations, the JVM itself) after loading and after training, and the seconds per step.</li>
 * </ul>
 * Run (after {@code mvn -q -B -pl benchmarks -am package -DskipTests}):
 * <pre>
 *   java --add-modules=jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.jgrad.benchmarks.QloraScale write /tmp/tinyllama
 *   java --add-modules=jdk.incubator.vector -Xmx1700m -Xmn128m -XX:+UseSerialGC -XX:MinHeapFreeRatio=10 \
 *        -XX:MaxHeapFreeRatio=30 -cp benchmarks/target/benchmarks.jar dev.jgrad.benchmarks.QloraScale train /tmp/tinyllama 3
 * </pre>
 * A small young generation and tight free ratios keep the serial collector's heap close to the live data (about
 * 1.1 GB of base, 0.2 GB of adapters with their gradients and AdamW moments). Measured on the 2-core machine (shared,
 * load average ≈ 6.6): loading and quantizing 76 s; 4-bit base 499,818,088 bytes (4.127 bits/parameter) against
 * 3,875,536,896 in float32; LoRA r = 16 on 154 layers, 12.6M trainable parameters; VmHWM 1,858,732 kB (1.77 GiB) over
 * loading and 3 steps; 42-44 s per step after the first (71 s).
 */
public final class QloraScale {

    static final LlamaConfig TINYLLAMA = new LlamaConfig(32000, 2048, 22, 32, 4, 5632, 1e-5, 10000, RopeStyle.HALF, 2048, false);

    private QloraScale() {}

    public static void main(String[] args) throws Exception {
        if (args.length >= 2 && args[0].equals("write")) write(Path.of(args[1]));
        else if (args.length >= 3 && args[0].equals("train"))
            train(Path.of(args[1]), Integer.parseInt(args[2]), args.length > 3 ? Integer.parseInt(args[3]) : 16);
        else throw new IllegalArgumentException("usage: QloraScale write DIR | train DIR STEPS [RANK]");
    }

    static void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectNode config = ModelConfigs.toHuggingFace(TINYLLAMA);
        config.put("torch_dtype", "bfloat16");
        JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
        SafetensorsWriter w = new SafetensorsWriter().metadata(Map.of("format", "pt"));
        long seed = 1;
        long total = 0;
        for (Map.Entry<String, int[]> e : LlamaModel.parameterShapes(TINYLLAMA).entrySet()) {
            int[] s = e.getValue();
            long n = 1;
            for (int d : s) n *= d;
            total += n;
            boolean norm = s.length == 1;
            Generator g = new Generator(seed++);
            long count = n;
            w.add(e.getKey(), DType.BF16, java.util.Arrays.stream(s).asLongStream().toArray(), ch -> {
                ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
                double bound = 0.02 * Math.sqrt(3);   // uniform with standard deviation 0.02
                for (long i = 0; i < count; i++) {
                    if (!buf.hasRemaining()) {
                        buf.flip();
                        while (buf.hasRemaining()) ch.write(buf);
                        buf.clear();
                    }
                    float v = norm ? 1f : (float) ((g.nextDouble() * 2 - 1) * bound);
                    buf.putShort(DType.floatToBf16(v));
                }
                buf.flip();
                while (buf.hasRemaining()) ch.write(buf);
            });
        }
        long t0 = System.nanoTime();
        w.write(dir.resolve("model.safetensors"));
        System.out.printf(Locale.ROOT, "wrote %s: %,d parameters, %,d bytes in %.1f s%n", dir, total,
                Files.size(dir.resolve("model.safetensors")), (System.nanoTime() - t0) / 1e9);
    }

    static void train(Path dir, int steps, int rank) throws IOException {
        System.out.println("start: " + memory());
        long t0 = System.nanoTime();
        CausalLM model = QuantizedModels.load(dir, ModelLoader.Format.HF, null, QuantSpec.qlora()).model();
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        QuantizedModels.Memory m = QuantizedModels.memory(model);
        System.out.printf(Locale.ROOT, "loaded and quantized in %.1f s: %,d 4-bit parameters in %,d bytes (%.3f bits/parameter;"
                        + " float32 would be %,d), %,d float parameters%n", loadSeconds, m.parameters(), m.quantizedBytes(),
                m.bitsPerParameter(), m.float32Bytes(), model.numParameters());
        System.out.println("after loading: " + memory());
        Lora.attach(model, LoraConfig.of(rank, 2 * rank, 0.0, LoraConfig.ALL_LINEAR, false), new Generator(7));
        List<Tensor> params = model.trainableParameters();
        System.out.printf(Locale.ROOT, "LoRA r=%d on all %d block linear layers: %,d trainable parameters%n", rank,
                Lora.adapters(model).size(), Lora.adapterParameterCount(model));
        AdamW opt = new AdamW(params, new Adam.Options(2e-4, 0.9, 0.999, 1e-8, 0, false));
        model.gradientCheckpointing(true);   // keep one (1, 256, 2048) input per block, recompute the rest
        model.train();
        Generator g = new Generator(11);
        int t = 256;
        for (int step = 1; step <= steps; step++) {
            long[] ids = new long[t], targets = new long[t];
            for (int i = 0; i < t; i++) ids[i] = g.nextInt(32000);
            for (int i = 0; i < t; i++) targets[i] = i + 1 < t ? ids[i + 1] : g.nextInt(32000);
            long s0 = System.nanoTime();
            Tensor loss = model.loss(Tensor.of(ids, 1, t), Tensor.of(targets, 1, t));
            double value = loss.item();
            loss.backward();
            opt.step();
            opt.zeroGrad();
            System.out.printf(Locale.ROOT, "step %d: loss %.4f, %.1f s; %s%n", step, value, (System.nanoTime() - s0) / 1e9, memory());
        }
        System.out.println("end: " + memory());
    }

    /** VmHWM (peak resident) and VmRSS of this process, and the Java heap in use. */
    static String memory() {
        String hwm = "?", rss = "?";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) hwm = line.substring(6).trim();
                if (line.startsWith("VmRSS:")) rss = line.substring(6).trim();
            }
        } catch (IOException e) {
            return "no /proc/self/status";
        }
        Runtime r = Runtime.getRuntime();
        return String.format(Locale.ROOT, "VmHWM %s, VmRSS %s, heap used %d MB of %d MB committed", hwm, rss,
                (r.totalMemory() - r.freeMemory()) >> 20, r.totalMemory() >> 20);
    }
}
