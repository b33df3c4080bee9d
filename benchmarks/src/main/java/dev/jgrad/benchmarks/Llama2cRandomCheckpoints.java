package dev.jgrad.benchmarks;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Random-weight llama2.c checkpoints of the TinyStories shapes, for {@code benchmarks/scripts/generate-vs-llama2c.sh}:
 * the same weights in the two formats llama2.c's C programs read, so jgrad, {@code run.c} and {@code runq.c} run
 * the same model.
 *
 * <ul>
 *   <li>{@code model.bin}, the legacy float32 format {@code run.c} (and jgrad) reads: a header of 7 int32
 *       ({@code dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len}; a negative vocab size means
 *       an unshared classifier), then float32 tensors: token embedding {@code (V, D)}, attention norms {@code (L, D)},
 *       wq, wk, wv, wo {@code (L, D, D)}, ffn norms {@code (L, D)}, w1 {@code (L, H, D)}, w2 {@code (L, D, H)}, w3
 *       {@code (L, H, D)}, final norm {@code (D)}, two RoPE tables {@code (seq_len, head/2)} (unused by either
 *       reader) and the classifier {@code (V, D)}.</li>
 *   <li>{@code model_q80.bin}, version 2 ({@code runq.c}): a 256-byte header (magic {@code "ak42"} as a uint32, version
 *       2, the 7 config ints with a positive vocab size, a shared-classifier byte (0 here), the group size (32)),
 *       then the three norms in float32 (attention, ffn, final), then each weight as int8 quants followed by one
 *       float32 scale per group of 32, in the order embedding, wq, wk, wv, wo, w1, w2, w3, classifier. A group is
 *       quantized symmetrically: {@code s = max|w|/127}, {@code q = round(w/s)}.</li>
 * </ul>
 *
 * <p>Weights are uniform in {@code ±0.05}, norms 1. The classifier row of token 1 (BOS, which stops llama2.c's
 * generation) is zero, so greedy decoding never picks it and every program generates the full count of tokens.
 * The sequence length is 512 for every shape, so that 256 new tokens fit.
 *
 * <p>Usage: {@code java Llama2cRandomCheckpoints.java 15M|42M|110M DIR} (a single-file program: no project
 * classes needed).
 */
public final class Llama2cRandomCheckpoints {

    private static final int GROUP = 32, SEQ_LEN = 512, VOCAB = 32000;

    private Llama2cRandomCheckpoints() {}

    /** dim, hidden, layers, heads for a TinyStories shape. */
    static int[] shape(String name) {
        return switch (name) {
            case "15M" -> new int[] {288, 768, 6, 6};
            case "42M" -> new int[] {512, 1376, 8, 8};
            case "110M" -> new int[] {768, 2048, 12, 12};
            default -> throw new IllegalArgumentException("unknown shape \"" + name + "\": 15M, 42M or 110M");
        };
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: Llama2cRandomCheckpoints 15M|42M|110M DIR");
            System.exit(2);
        }
        int[] s;
        try {
            s = shape(args[0]);
        } catch (IllegalArgumentException e) {
            System.err.println("Llama2cRandomCheckpoints: " + e.getMessage());
            System.exit(2);
            return;
        }
        int dim = s[0], hidden = s[1], layers = s[2], heads = s[3];
        Path dir = Files.createDirectories(Path.of(args[1]));
        SplittableRandom r = new SplittableRandom(42);
        // The tensors in run.c's order; the norms are ones.
        float[] emb = uniform(r, VOCAB * dim), cls = uniform(r, VOCAB * dim);
        java.util.Arrays.fill(cls, dim, 2 * dim, 0f);                          // token 1 (BOS) never wins
        float[][] wq = new float[layers][], wk = new float[layers][], wv = new float[layers][], wo = new float[layers][];
        float[][] w1 = new float[layers][], w2 = new float[layers][], w3 = new float[layers][];
        for (int l = 0; l < layers; l++) {
            wq[l] = uniform(r, dim * dim);
            wk[l] = uniform(r, dim * dim);
            wv[l] = uniform(r, dim * dim);
            wo[l] = uniform(r, dim * dim);
            w1[l] = uniform(r, hidden * dim);
            w2[l] = uniform(r, dim * hidden);
            w3[l] = uniform(r, hidden * dim);
        }
        float[] ones = new float[layers * dim];
        java.util.Arrays.fill(ones, 1f);
        float[] finalNorm = java.util.Arrays.copyOf(ones, dim);
        int[] header = {dim, hidden, layers, heads, heads, -VOCAB, SEQ_LEN};

        Path f32 = dir.resolve("model.bin"), q80 = dir.resolve("model_q80.bin");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(f32), 1 << 20)) {
            for (int v : header) out.write(le(4).putInt(v).array());
            floats(out, emb);
            floats(out, ones);
            for (float[][] w : new float[][][] {wq, wk, wv, wo}) for (float[] t : w) floats(out, t);
            floats(out, ones);
            for (float[][] w : new float[][][] {w1, w2, w3}) for (float[] t : w) floats(out, t);
            floats(out, finalNorm);
            floats(out, new float[2 * SEQ_LEN * (dim / heads / 2)]);        // RoPE tables: neither reader uses them
            floats(out, cls);
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(q80), 1 << 20)) {
            ByteBuffer h = le(256);
            h.putInt(0x616b3432).putInt(2);
            for (int i = 0; i < 7; i++) h.putInt(i == 5 ? VOCAB : header[i]);
            h.put((byte) 0).putInt(GROUP);
            out.write(h.array());
            floats(out, ones);
            floats(out, ones);
            floats(out, finalNorm);
            quantized(out, emb);
            for (float[][] w : new float[][][] {wq, wk, wv, wo, w1, w2, w3}) for (float[] t : w) quantized(out, t);
            quantized(out, cls);
        }
        System.out.println(f32 + " " + Files.size(f32) + " bytes, " + q80 + " " + Files.size(q80) + " bytes");
    }

    private static float[] uniform(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() - 0.5) * 0.1f;
        return a;
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void floats(OutputStream out, float[] a) throws IOException {
        ByteBuffer b = le(4 * a.length);
        b.asFloatBuffer().put(a);
        out.write(b.array());
    }

    /** One runq.c tensor: int8 quants, then one float32 scale per group of 32. */
    private static void quantized(OutputStream out, float[] a) throws IOException {
        byte[] q = new byte[a.length];
        float[] scales = new float[a.length / GROUP];
        for (int g = 0; g < scales.length; g++) {
            float max = 0;
            for (int j = 0; j < GROUP; j++) max = Math.max(max, Math.abs(a[g * GROUP + j]));
            float scale = max / 127f;
            scales[g] = scale;
            for (int j = 0; j < GROUP; j++) q[g * GROUP + j] = (byte) (scale == 0 ? 0 : Math.round(a[g * GROUP + j] / scale));
        }
        out.write(q);
        floats(out, scales);
    }
}
