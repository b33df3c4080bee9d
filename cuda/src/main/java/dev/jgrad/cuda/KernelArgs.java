package dev.jgrad.cuda;

import dev.jgrad.core.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.ToLongFunction;

/**
 * Kernel arguments laid out for {@code cuLaunchKernel}: the values packed one after another in a byte buffer at
 * their natural alignment, and the offset of each (the launcher turns them into the {@code void**} array the
 * driver reads). Each argument is checked against its {@link KernelSpec.Param} so that a wrong launcher fails
 * here with the kernel's and the argument's names, not inside the GPU.
 */
final class KernelArgs {

    final byte[] bytes;
    final int[] offsets;

    private KernelArgs(byte[] bytes, int[] offsets) {
        this.bytes = bytes;
        this.offsets = offsets;
    }

    /** Total size of the packed arguments in bytes. */
    int size() {
        return bytes.length;
    }

    /**
     * Packs {@code args} for {@code spec}. Tensors become device addresses through {@code addressOf} (which
     * checks their device); {@code null} is a null pointer.
     */
    static KernelArgs pack(KernelSpec spec, Object[] args, ToLongFunction<Tensor> addressOf) {
        var params = spec.params();
        if (args.length != params.size())
            throw new IllegalArgumentException("kernel " + spec.name() + " takes " + params.size() + " arguments "
                    + params + ", got " + args.length);
        int[] offsets = new int[args.length];
        int pos = 0;
        for (int i = 0; i < args.length; i++) {
            KernelSpec.Param p = params.get(i);
            pos = align(pos, p.alignment());
            offsets[i] = pos;
            pos += p.bytes;
        }
        ByteBuffer b = ByteBuffer.allocate(Math.max(pos, 1)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < args.length; i++) {
            KernelSpec.Param p = params.get(i);
            Object a = args[i];
            b.position(offsets[i]);
            switch (p) {
                case PTR -> b.putLong(switch (a) {
                    case null -> 0L;
                    case Tensor t -> addressOf.applyAsLong(t);
                    case DevicePointer d -> d.address();
                    default -> throw mismatch(spec, i, p, a);
                });
                case I32 -> {
                    if (!(a instanceof Integer v)) throw mismatch(spec, i, p, a);
                    b.putInt(v);
                }
                case I64 -> {
                    if (!(a instanceof Long v)) throw mismatch(spec, i, p, a);
                    b.putLong(v);
                }
                case F32 -> {
                    if (!(a instanceof Float v)) throw mismatch(spec, i, p, a);
                    b.putFloat(v);
                }
                case F64 -> {
                    if (!(a instanceof Double v)) throw mismatch(spec, i, p, a);
                    b.putDouble(v);
                }
                case LAYOUT -> {
                    if (!(a instanceof DeviceLayout l)) throw mismatch(spec, i, p, a);
                    b.put(l.toStruct());
                }
                case CODEBOOK -> {
                    if (!(a instanceof float[] c) || c.length != 16) throw mismatch(spec, i, p, a);
                    for (float v : c) b.putFloat(v);
                }
            }
        }
        return new KernelArgs(b.array(), offsets);
    }

    static int align(int pos, int alignment) {
        return (pos + alignment - 1) / alignment * alignment;
    }

    private static IllegalArgumentException mismatch(KernelSpec spec, int i, KernelSpec.Param p, Object a) {
        return new IllegalArgumentException("kernel " + spec.name() + ": argument " + i + " must be " + p + ", got "
                + (a == null ? "null" : a.getClass().getSimpleName() + " " + a));
    }
}
