package dev.jgrad.transformer.checkpoint;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.nn.Module;
import dev.jgrad.transformer.LinearFactory;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.llama.LlamaModel;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * llama2.c's model file ({@code run.c}'s legacy "version 0" export, as in its stories15M/42M/110M checkpoints).
 *
 * <p>Layout, all little-endian:
 * <pre>
 * header  7 × int32   dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len
 *                     (a negative vocab_size means the classifier is not shared with the embedding)
 * float32 weights, each (out, in) row-major, stacked over layers where a layer index appears:
 *   token_embedding (V, D)          rms_att (L, D)
 *   wq (L, D, D)    wk (L, kvD, D)   wv (L, kvD, D)   wo (L, D, D)
 *   rms_ffn (L, D)  w1 (L, H, D)     w2 (L, D, H)     w3 (L, H, D)
 *   rms_final (D)   freq_cis_real (seq_len, hd/2)   freq_cis_imag (seq_len, hd/2)   [wcls (V, D) if unshared]
 * </pre>
 * with {@code kvD = n_kv_heads · D / n_heads}. The RoPE tables are skipped (jgrad computes its own); q and k keep
 * Meta's layout, so the model uses {@link RopeStyle#INTERLEAVED}. w1, w3 and w2 are the gate, up and down
 * projections. RMSNorm's epsilon is 1e-5 and θ is 10000, as in run.c.
 *
 * <p>The header is checked against the file size before anything is allocated: a file whose size disagrees with
 * what the header implies (truncated, padded, or a header of garbage) is refused with both numbers.
 */
public final class Llama2cCheckpoint {

    static final int HEADER_BYTES = 7 * 4;

    private Llama2cCheckpoint() {}

    /** The header's configuration, validated against the file size, without reading the weights. */
    public static LlamaConfig readConfig(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return readConfig(ch, file);
        }
    }

    private static LlamaConfig readConfig(FileChannel ch, Path file) throws IOException {
        long size = ch.size();
        if (size < HEADER_BYTES)
            throw new CheckpointFormatException(file, "is " + size + " bytes, shorter than the 28-byte llama2.c header");
        ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        while (h.hasRemaining()) if (ch.read(h, h.position()) < 0) break;
        int dim = h.getInt(0), hidden = h.getInt(4), layers = h.getInt(8), heads = h.getInt(12), kvHeads = h.getInt(16);
        int vocab = h.getInt(20), seqLen = h.getInt(24);
        String header = "header (dim=" + dim + ", hidden_dim=" + hidden + ", n_layers=" + layers + ", n_heads=" + heads
                + ", n_kv_heads=" + kvHeads + ", vocab_size=" + vocab + ", seq_len=" + seqLen + ")";
        boolean shared = vocab > 0;
        long v = Math.abs((long) vocab);
        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || v == 0 || seqLen <= 0)
            throw new CheckpointFormatException(file, header + " has a field <= 0");
        if (dim % heads != 0 || heads % kvHeads != 0 || (dim / heads) % 2 != 0)
            throw new CheckpointFormatException(file, header + ": dim must be a multiple of n_heads, n_heads of n_kv_heads,"
                    + " and the head size even");
        long expected = expectedBytes(dim, hidden, layers, heads, kvHeads, v, seqLen, shared);
        if (expected != size)
            throw new CheckpointFormatException(file, header + " implies " + (expected < 0 ? "more than 2^63" : expected)
                    + " bytes, but the file has " + size
                    + (size < expected ? " (truncated?)" : ""));
        try {
            return new LlamaConfig((int) v, dim, layers, heads, kvHeads, hidden, 1e-5, 10000, RopeStyle.INTERLEAVED,
                    seqLen, shared);
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(file, header + ": " + e.getMessage(), e);
        }
    }

    /**
     * Bytes of a file with these header values (all positive), or -1 if that exceeds a long (a garbage header):
     * every product is overflow-checked.
     */
    static long expectedBytes(long dim, long hidden, long layers, long heads, long kvHeads, long vocab, long seqLen,
                              boolean shared) {
        long kvDim = dim * kvHeads / heads, headSize = dim / heads;
        try {
            long floats = Math.multiplyExact(vocab, dim);                         // token_embedding
            floats = Math.addExact(floats, Math.multiplyExact(layers, dim));          // rms_att
            long dd = Math.multiplyExact(dim, dim), kd = Math.multiplyExact(kvDim, dim), hd = Math.multiplyExact(hidden, dim);
            floats = Math.addExact(floats, Math.multiplyExact(layers, Math.addExact(dd, 2 * kd)));   // wq, wk, wv
            floats = Math.addExact(floats, Math.multiplyExact(layers, dd));                            // wo
            floats = Math.addExact(floats, Math.multiplyExact(layers, dim));                           // rms_ffn
            floats = Math.addExact(floats, Math.multiplyExact(Math.multiplyExact(3, layers), hd));     // w1, w2, w3
            floats = Math.addExact(floats, dim);                                                       // rms_final
            floats = Math.addExact(floats, Math.multiplyExact(seqLen, headSize));   // freq_cis real + imag, seq·hd/2 each
            if (!shared) floats = Math.addExact(floats, Math.multiplyExact(vocab, dim));               // wcls
            return Math.addExact(HEADER_BYTES, Math.multiplyExact(4, floats));
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    /** Loads a llama2.c model file into a new {@link LlamaModel} (evaluation mode). */
    public static LlamaModel load(Path file) throws IOException {
        return load(file, LinearFactory.FLOAT);
    }

    /**
     * Loads a llama2.c model file into a new {@link LlamaModel} whose linear layers come from {@code linears}
     * (evaluation mode). Each weight's file pages are released once it is read, and 4-bit layers receive their
     * weights as float values one tensor at a time ({@link dev.jgrad.transformer.WeightReceiver}).
     */
    public static LlamaModel load(Path file, LinearFactory linears) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            LlamaConfig c = readConfig(ch, file);
            Models.checkFitsHeap(c, linears, file);     // the size matched the header, but a sparse file costs no disk
            MemorySegment data = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            LlamaModel model = new LlamaModel(c, new Generator(0), linears);
            Reader r = new Reader(data, model, LlamaModel.parameterShapes(c), file);
            int d = c.dim(), kv = c.kvDim(), hid = c.hiddenDim(), layers = c.nLayers();
            r.read("model.embed_tokens.weight");
            r.layers(layers, "input_layernorm.weight");
            r.layers(layers, "self_attn.q_proj.weight");
            r.layers(layers, "self_attn.k_proj.weight");
            r.layers(layers, "self_attn.v_proj.weight");
            r.layers(layers, "self_attn.o_proj.weight");
            r.layers(layers, "post_attention_layernorm.weight");
            r.layers(layers, "mlp.gate_proj.weight");   // w1
            r.layers(layers, "mlp.down_proj.weight");   // w2
            r.layers(layers, "mlp.up_proj.weight");     // w3
            r.read("model.norm.weight");
            long[] at = r.at;
            at[0] += 4L * c.maxSeqLen() * c.headDim();                  // freq_cis_real, freq_cis_imag: skipped
            if (!c.tieEmbeddings()) r.read("lm_head.weight");
            if (at[0] != ch.size())
                throw new IllegalStateException("llama2.c reader consumed " + at[0] + " of " + ch.size() + " bytes"
                        + " (d=" + d + ", kv=" + kv + ", hidden=" + hid + ")");
            model.eval();
            return model;
        }
    }

    /** Reads the file's tensors in order from {@code at}, into parameters or layers that receive weights. */
    private static final class Reader {
        final MemorySegment data;
        final Module model;
        final Map<String, Tensor> params;
        final Map<String, int[]> shapes;
        final long[] at = {HEADER_BYTES};
        final Models.Scratch scratch = new Models.Scratch();
        final Path file;

        Reader(MemorySegment data, Module model, Map<String, int[]> shapes, Path file) {
            this.data = data;
            this.file = file;
            this.model = model;
            this.params = model.namedParameters();
            this.shapes = shapes;
        }

        void layers(int layers, String suffix) throws CheckpointFormatException {
            for (int l = 0; l < layers; l++) read("model.layers." + l + "." + suffix);
        }

        void read(String name) throws CheckpointFormatException {
            int[] shape = shapes.get(name);
            long bytes = 4L * dev.jgrad.core.Shape.numel(shape);
            Models.fill(model, params, name, shape, dst -> MemorySegment.copy(data,
                    ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), at[0], dst, 0, dst.length), scratch, file);
            data.asSlice(at[0], bytes).unload();   // drop the pages just read from the resident set
            at[0] += bytes;
        }
    }
}
