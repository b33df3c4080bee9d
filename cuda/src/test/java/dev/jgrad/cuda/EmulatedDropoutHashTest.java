package dev.jgrad.cuda;

import dev.jgrad.core.Generator;
import dev.jgrad.core.backend.AttentionDropout;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The dropout hash of the attention kernels ({@code jg_dropout_*} in jgrad.cuh, compiled here as host C++ by the
 * emulator build) against the CPU's {@link AttentionDropout}, bit for bit, on random and extreme coordinates:
 * negative and large seeds, indices up to 2^31 − 1, thresholds of every dropout probability. Equal bits mean the
 * GPU drops exactly the weights the CPU drops. Skipped without g++.
 */
class EmulatedDropoutHashTest {

    static MethodHandle rowKey, bits, keep;

    @BeforeAll
    static void emulator() {
        EmulatedRuntime r = Emulator.installOrSkip();
        rowKey = r.function("jg_emu_dropout_row_key", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        bits = r.function("jg_emu_dropout_bits", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT));
        keep = r.function("jg_emu_dropout_keep", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    @Test
    void theKernelsHashIsTheCpusBitForBit() throws Throwable {
        Generator g = new Generator(11);
        long[] seeds = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0x9E3779B97F4A7C15L};
        int[] edges = {0, 1, 31, 32, 127, 128, 65535, Integer.MAX_VALUE};
        for (int n = 0; n < 20_000; n++) {
            long seed = n < seeds.length ? seeds[n] : g.nextLong();
            int b = n % 3 == 0 ? edges[n % edges.length] : g.nextInt(64);
            int h = n % 5 == 0 ? edges[(n / 5) % edges.length] : g.nextInt(128);
            int i = n % 7 == 0 ? edges[(n / 7) % edges.length] : g.nextInt(1 << 20);
            int j = n % 11 == 0 ? edges[(n / 11) % edges.length] : g.nextInt(1 << 20);
            int key = AttentionDropout.rowKey(seed, b, h, i);
            String at = "seed " + seed + " (b, h, i, j) = (" + b + ", " + h + ", " + i + ", " + j + ")";
            assertEquals(key, (int) rowKey.invokeExact(seed, b, h, i), "row key at " + at);
            assertEquals(AttentionDropout.bits(key, j), (int) bits.invokeExact(key, j), "bits at " + at);
            double p = (n % 100) / 100.0;
            int threshold = AttentionDropout.threshold(p);
            assertEquals(AttentionDropout.keep(key, j, threshold) ? 1 : 0, (int) keep.invokeExact(key, j, threshold),
                    "keep with p = " + p + " at " + at);
        }
    }
}
