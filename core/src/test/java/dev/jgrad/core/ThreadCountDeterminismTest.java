package dev.jgrad.core;

import dev.jgrad.core.parallel.Parallel;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Results must not depend on the thread count: the same workload in a child JVM with {@code -Djgrad.threads=1}
 * and here (with the machine's cores, at least 2 workers forced) must give bit-identical values.
 */
class ThreadCountDeterminismTest {

    /** A workload touching every threaded kernel; returns one hash of the result bits per result. */
    static String workload() {
        Generator g = new Generator(99);
        Tensor a = Tensor.randn(g, 300, 257), b = Tensor.randn(g, 257, 301);
        Tensor c = a.matmul(b);
        Tensor big = Tensor.randn(g, 1_000_003);
        Tensor s = Tensor.randn(g, 4000, 129);
        List<Tensor> results = new ArrayList<>(List.of(
                c, big.sum(), s.softmax(-1), s.logSoftmax(-1), s.sum(0, false), s.mean(1, false),
                s.logsumexp(-1, false), s.gelu(), s.mul(s.exp()), big.square().sum()));
        Tensor w = Tensor.randn(g, 64, 129).requiresGrad(true);
        s.matmul(w.t()).tanh().sum().backward();
        results.add(w.grad());
        String[] names = {"matmul", "sum", "softmax", "log_softmax", "sum0", "mean1", "logsumexp", "gelu", "x*exp(x)",
                "sum_sq", "linear_tanh_grad"};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < results.size(); i++) {
            long h = 1125899906842597L;
            for (float v : results.get(i).toFloatArray()) h = 31 * h + Float.floatToRawIntBits(v);
            sb.append(names[i]).append('=').append(Long.toHexString(h)).append(',');
        }
        return sb.toString();
    }

    public static void main(String[] args) {
        System.out.println(Parallel.threads() + " " + workload());
    }

    @Test
    void oneThreadAndManyThreadsGiveIdenticalBits() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        // The same JVM options as this one (the vector width, -XX:MaxVectorSize, changes how lanes group sums),
        // but one worker thread.
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments())
            if (!arg.startsWith("-Djgrad.threads") && !arg.startsWith("-agentlib") && !arg.startsWith("-javaagent")) cmd.add(arg);
        cmd.addAll(List.of("-Djgrad.threads=1", "-cp", System.getProperty("java.class.path"),
                ThreadCountDeterminismTest.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.waitFor(), out);
        String[] lines = out.split("\n");
        String[] parts = lines[lines.length - 1].split(" ", 2);
        assertEquals("1", parts[0], "child JVM should run with one thread: " + out);
        assertEquals(parts[1], workload(), "results differ between 1 and " + Parallel.threads() + " threads");
    }
}
