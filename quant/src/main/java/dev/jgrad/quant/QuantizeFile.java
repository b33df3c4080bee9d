package dev.jgrad.quant;

import dev.jgrad.core.DType;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.core.io.SafetensorsWriter;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Quantizes a safetensors file to bitsandbytes' 4-bit layout ({@link Bnb4bitFormat}), streaming: every selected
 * tensor (2-D and floating point, and matching the include pattern if one is given) becomes its packed nibbles and
 * quantization state; every other tensor is copied byte for byte; the input's metadata is kept.
 *
 * <p><b>Streaming.</b> A safetensors header lists every tensor's shape and byte range before any data, so the
 * output header must be known before the first byte of data is written. All the 4-bit pieces have sizes that follow
 * from the shape, except the quant-state JSON, whose {@code nested_offset} (the mean block absmax, with double
 * quantization) depends on the values. So the file is read twice: a first pass computes each selected tensor's
 * block absmax values (cheap: no encoding) to write the header, and the second quantizes each tensor while the
 * {@link SafetensorsWriter} streams it out, checking that the state JSON is the one announced. At any moment one
 * tensor is held in float32 (plus its 4-bit form), and each tensor's mapped file pages are released once used, so
 * memory stays at the largest tensor's size however large the model.
 */
public final class QuantizeFile {

    /** What was done: tensors quantized and copied, and the bytes in and out. */
    public record Summary(int quantized, int copied, long quantizedParameters, long inputBytes, long outputBytes) {}

    private QuantizeFile() {}

    /** True if {@code e} is quantized: 2-D floating point, and named by {@code include} when one is given. */
    public static boolean selected(SafetensorsFile.Entry e, Pattern include) {
        return e.rank() == 2 && e.numel() > 0 && (e.dtype() == DType.F32 || e.dtype() == DType.F16 || e.dtype() == DType.BF16)
                && (include == null || include.matcher(e.name()).find());
    }

    /** Quantizes {@code in} into {@code out} (written atomically) with {@code spec}. */
    public static Summary quantize(Path in, Path out, QuantSpec spec, Pattern include) throws IOException {
        // The same file under another name (a link, "..") counts: writing it would destroy the input it reads.
        if (java.nio.file.Files.exists(in) && java.nio.file.Files.exists(out) && java.nio.file.Files.isSameFile(in, out))
            throw new IllegalArgumentException("the output " + out + " is the input file " + in + ": write somewhere else");
        try (SafetensorsFile f = SafetensorsFile.open(in)) {
            SafetensorsWriter writer = new SafetensorsWriter().metadata(f.metadata());
            int quantized = 0, copied = 0;
            long params = 0;
            Current current = new Current();
            for (SafetensorsFile.Entry e : f.entries()) {
                if (selected(e, include)) {
                    declare(writer, f, e, spec, current);
                    quantized++;
                    params += e.numel();
                } else {
                    writer.add(e.name(), e.dtype(), e.shape(), ch -> copy(f, e, ch));
                    copied++;
                }
            }
            writer.write(out);
            return new Summary(quantized, copied, params, java.nio.file.Files.size(in), java.nio.file.Files.size(out));
        }
    }

    /** The weight being written: quantized by the first of its pieces, used by the rest, dropped by the last. */
    private static final class Current {
        String name;
        Quantized4bit q;
    }

    private static void declare(SafetensorsWriter writer, SafetensorsFile f, SafetensorsFile.Entry e, QuantSpec spec, Current current) {
        String name = e.name();
        long[] shape = e.shape();
        long n = e.numel();
        int blocks = Blocksizes.blockCount(n, spec.blocksize());
        // Pass 1: the state JSON needs the double-quantization offset, the mean block absmax.
        float offset = 0;
        if (spec.doubleQuant()) {
            offset = Blockwise4bit.nestedOffset(Blockwise4bit.blockAbsmax(f.readFloats(name), spec.blocksize()));
            f.release(name);
        }
        byte[] json = announcedJson(spec, shape, e.dtype(), blocks, offset);
        writer.add(name, DType.U8, new long[] {(n + 1) / 2, 1}, ch -> {
            current.name = name;
            current.q = Blockwise4bit.quantize(f.readFloats(name), shape, e.dtype(), spec.type(), spec.blocksize(), spec.doubleQuant());
            f.release(name);
            byte[] actual = Bnb4bitFormat.stateJson(current.q.state()).getBytes(StandardCharsets.UTF_8);
            if (!java.util.Arrays.equals(actual, json))
                throw new IllegalStateException("the quant state of " + name + " changed between the passes: " + new String(actual, StandardCharsets.UTF_8));
            writeAll(ch, current.q.packed());
        });
        if (spec.doubleQuant()) {
            writer.add(name + ".absmax", DType.U8, new long[] {blocks}, ch -> writeAll(ch, q(current, name).state().doubleQuant().absmax().codes()));
            writer.add(name + ".quant_map", DType.F32, new long[] {16}, ch -> writeFloats(ch, q(current, name).state().codebook()));
            writer.add(name + ".nested_absmax", DType.F32, new long[] {Blocksizes.blockCount(blocks, Blocksizes.NESTED)},
                    ch -> writeFloats(ch, q(current, name).state().doubleQuant().absmax().absmax()));
            writer.add(name + ".nested_quant_map", DType.F32, new long[] {256},
                    ch -> writeFloats(ch, q(current, name).state().doubleQuant().absmax().code()));
        } else {
            writer.add(name + ".absmax", DType.F32, new long[] {blocks}, ch -> writeFloats(ch, q(current, name).state().absmax()));
            writer.add(name + ".quant_map", DType.F32, new long[] {16}, ch -> writeFloats(ch, q(current, name).state().codebook()));
        }
        writer.add(name + ".quant_state.bitsandbytes__" + spec.type().bnbName(), DType.U8, new long[] {json.length}, ch -> {
            q(current, name);
            current.name = null;
            current.q = null;
            writeAll(ch, json);
        });
    }

    /** The state JSON of a weight, from the values known before quantizing it (the nested state's shape is fixed). */
    private static byte[] announcedJson(QuantSpec spec, long[] shape, DType dtype, int blocks, float offset) {
        Quantized8bit nested = spec.doubleQuant()
                ? new Quantized8bit(new byte[blocks], new float[Blocksizes.blockCount(blocks, Blocksizes.NESTED)], Blocksizes.NESTED, DynamicMap.signed())
                : null;
        QuantState s = new QuantState(spec.type(), spec.blocksize(), shape, dtype, spec.type().codebook(),
                spec.doubleQuant() ? null : new float[blocks], spec.doubleQuant() ? new QuantState.DoubleQuant(offset, nested) : null);
        return Bnb4bitFormat.stateJson(s).getBytes(StandardCharsets.UTF_8);
    }

    private static Quantized4bit q(Current current, String name) {
        if (current.q == null || !name.equals(current.name))
            throw new IllegalStateException("the pieces of " + name + " were written out of order");
        return current.q;
    }

    private static void copy(SafetensorsFile f, SafetensorsFile.Entry e, WritableByteChannel ch) throws IOException {
        MemorySegment s = f.segment(e.name());
        byte[] chunk = new byte[1 << 20];
        for (long at = 0; at < s.byteSize(); at += chunk.length) {
            int len = (int) Math.min(chunk.length, s.byteSize() - at);
            MemorySegment.copy(s, ValueLayout.JAVA_BYTE, at, chunk, 0, len);
            ByteBuffer b = ByteBuffer.wrap(chunk, 0, len);
            while (b.hasRemaining()) ch.write(b);
        }
        f.release(e.name());
    }

    private static void writeAll(WritableByteChannel ch, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) ch.write(b);
    }

    private static void writeFloats(WritableByteChannel ch, float[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : data) b.putFloat(v);
        b.flip();
        while (b.hasRemaining()) ch.write(b);
    }

    /** The quantized weights of a file written by {@link #quantize}, read back with {@link Bnb4bitFormat#read}. */
    public static Map<String, Quantized4bit> read(SafetensorsFile f) throws IOException {
        Map<String, Quantized4bit> out = new LinkedHashMap<>();
        for (String name : Bnb4bitFormat.quantizedWeights(f)) out.put(name, Bnb4bitFormat.read(f, name));
        return out;
    }
}
