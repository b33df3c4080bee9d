package dev.jgrad.core;

import dev.jgrad.core.ops.Attention;
import dev.jgrad.core.ops.AttentionOptions;
import dev.jgrad.core.ops.Rope;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.core.parallel.Parallel;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Attention and RoPE give bit-identical results whatever the thread count and whether the kernels run JIT-compiled
 * or interpreted: the same workload runs here and in child JVMs ({@code -Djgrad.threads=1}; {@code -Xint}) and the
 * hashes of all result bits must agree.
 */
class AttentionDeterminismTest {

    /** RoPE, then causal GQA attention with a padding mask and dropout, forward and backward; a hash of every result. */
    static String workload(int batch, int t, int d) {
        Generator g = new Generator(31);
        int heads = 4, kvHeads = 2;
        Tensor q = Tensor.randn(g, batch, heads, t, d).requiresGrad(true);
        Tensor k = Tensor.randn(g, batch, kvHeads, t, d).requiresGrad(true);
        Tensor v = Tensor.randn(g, batch, kvHeads, t, d).requiresGrad(true);
        boolean[] pad = new boolean[batch * t];
        for (int j = 0; j < t; j += 5) pad[j] = true;
        AttentionOptions o = AttentionOptions.DEFAULT.withCausal(true).withKeyPaddingMask(Tensor.ofBooleans(pad, batch, t))
                .withDropout(0.2, new Generator(32));
        Tensor qr = Rope.apply(q, 3, 10000, RopeStyle.HALF), kr = Rope.apply(k, 3, 10000, RopeStyle.INTERLEAVED);
        Tensor out = Attention.scaledDotProductAttention(qr, kr, v, o);
        out.backward(Tensor.randn(g, out.shape()));
        long h = 1125899906842597L;
        for (Tensor r : List.of(out, q.grad(), k.grad(), v.grad()))
            for (float x : r.toFloatArray()) h = 31 * h + Float.floatToRawIntBits(x);
        return Long.toHexString(h);
    }

    static String large() {
        return workload(2, 130, 64);
    }

    static String small() {
        return workload(1, 20, 16);
    }

    public static void main(String[] args) {
        System.out.println(Parallel.threads() + " " + (args[0].equals("large") ? large() : small()));
    }

    /** Runs {@link #main} with {@code workload} in a child JVM with the given flags; returns (threads, hash). */
    static String[] child(String workload, String... jvmFlags) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules=jdk.incubator.vector"));
        // The vector width decides the lane partition of sums: the child must use the parent's.
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (arg.startsWith("-XX:MaxVectorSize") || arg.startsWith("-XX:UseAVX")) cmd.add(arg);
        cmd.addAll(List.of(jvmFlags));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), AttentionDeterminismTest.class.getName(), workload));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.waitFor(), out);
        String[] lines = out.split("\n");
        return lines[lines.length - 1].split(" ");
    }

    @Test
    void oneThreadAndManyThreadsGiveIdenticalBits() throws Exception {
        String[] one = child("large", "-Djgrad.threads=1");
        assertEquals("1", one[0], "the child JVM should run one thread");
        assertEquals(one[1], large(), "attention results differ between 1 and " + Parallel.threads() + " threads");
    }

    @Test
    void interpretedAndCompiledKernelsGiveIdenticalBits() throws Exception {
        String compiled = small();
        for (int i = 0; i < 300; i++) compiled = small(); // until C2 has compiled the kernels
        String[] interpreted = child("small", "-Xint", "-Djgrad.threads=1");
        assertEquals(interpreted[1], compiled, "attention results differ between interpreted and JIT-compiled code");
    }
}
