package dev.jgrad.optim;

import dev.jgrad.core.DType;
import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.SafetensorsWriter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes tensors to a safetensors file in their own dtypes (float32 stays F32, float64 stays F64, integer
 * types become I64, bytes stay bytes), so that checkpoints round trip bit for bit. Each tensor's bytes are
 * produced while the file is written, one tensor at a time.
 */
final class TensorFiles {

    private static final int CHUNK = 1 << 16;

    private TensorFiles() {}

    static void write(Path path, Map<String, Tensor> tensors) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            long[] shape = new long[t.rank()];
            for (int i = 0; i < shape.length; i++) shape[i] = t.size(i);
            DType stored = switch (t.dtype()) {
                case F32, F16, BF16 -> t.dtype();
                case F64 -> DType.F64;
                case I64, I32, I16, I8 -> DType.I64;
                case U8, BOOL -> t.dtype();
            };
            w.add(e.getKey(), stored, shape, out -> writeTensor(out, t, stored));
        }
        w.write(path);
    }

    private static void writeTensor(WritableByteChannel out, Tensor t, DType stored) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        switch (stored) {
            case F32 -> {
                for (float v : t.toFloatArray()) {
                    if (buf.remaining() < 4) flush(out, buf);
                    buf.putFloat(v);
                }
            }
            case F64 -> {
                for (double v : t.toDoubleArray()) {
                    if (buf.remaining() < 8) flush(out, buf);
                    buf.putDouble(v);
                }
            }
            case I64 -> {
                for (long v : t.toLongArray()) {
                    if (buf.remaining() < 8) flush(out, buf);
                    buf.putLong(v);
                }
            }
            case F16, BF16 -> {
                Tensor c = t.contiguousCopy();
                short[] data = ((Storage.ShortStorage) c.storage()).data;
                for (int i = 0; i < c.numel(); i++) {
                    if (buf.remaining() < 2) flush(out, buf);
                    buf.putShort(data[c.offset() + i]);
                }
            }
            default -> {
                Tensor c = t.contiguousCopy();
                byte[] data = ((Storage.ByteStorage) c.storage()).data;
                for (int i = 0; i < c.numel(); i++) {
                    if (!buf.hasRemaining()) flush(out, buf);
                    buf.put(data[c.offset() + i]);
                }
            }
        }
        flush(out, buf);
    }

    private static void flush(WritableByteChannel out, ByteBuffer buf) throws IOException {
        buf.flip();
        while (buf.hasRemaining()) out.write(buf);
        buf.clear();
    }
}
