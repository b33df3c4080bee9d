package dev.jgrad.cuda;

import dev.jgrad.core.DType;

/**
 * The dtype codes the kernels understand ({@code DT_*} in {@code kernels/jgrad.cuh}). Device buffers hold
 * elements exactly as the CPU storages do: BOOL as one byte 0/1, BF16 and F16 as 16-bit patterns.
 */
final class CudaDTypes {

    private CudaDTypes() {}

    /** The kernel code of {@code dtype}. */
    static int code(DType dtype) {
        return switch (dtype) {
            case F64 -> 0;
            case F32 -> 1;
            case F16 -> 2;
            case BF16 -> 3;
            case I64 -> 4;
            case I32 -> 5;
            case I16 -> 6;
            case I8 -> 7;
            case U8 -> 8;
            case BOOL -> 9;
        };
    }

    /** The {@code DT_} macro name of {@code dtype} in jgrad.cuh. */
    static String macro(DType dtype) {
        return "DT_" + dtype.name();
    }
}
