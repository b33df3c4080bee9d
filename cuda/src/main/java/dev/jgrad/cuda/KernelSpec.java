package dev.jgrad.cuda;

import java.util.List;

/**
 * The signature of one kernel: the .cu resource that defines it, its {@code extern "C"} name, and the kinds of
 * its parameters in order. Launches are checked against it on the host, and {@code KernelAbiTest} checks it
 * against the PTX that nvcc produces for the source, so a Java launcher and its kernel cannot drift apart
 * unnoticed.
 */
record KernelSpec(String file, String name, List<Param> params) {

    /** Parameter kinds, with their size, alignment and PTX parameter type. */
    enum Param {
        /** A device pointer: a {@code Tensor} (its storage address plus offset), a {@link DevicePointer}, or null. */
        PTR(8, ".u64"),
        /** {@code int}. */
        I32(4, ".u32"),
        /** {@code long long}. */
        I64(8, ".u64"),
        /** {@code float}. */
        F32(4, ".f32"),
        /** {@code double}. */
        F64(8, ".f64"),
        /** The {@code Strided} struct ({@link DeviceLayout}), passed by value. */
        LAYOUT(DeviceLayout.STRUCT_BYTES, ".b8"),
        /** A 16-float code book ({@code struct Codebook} in quant.cu), passed by value. */
        CODEBOOK(64, ".b8");

        final int bytes;
        final String ptxType;

        Param(int bytes, String ptxType) {
            this.bytes = bytes;
            this.ptxType = ptxType;
        }

        /** Natural alignment: 8 for 64-bit scalars and pointers, 4 for everything else (structs of int/float). */
        int alignment() {
            return this == PTR || this == I64 || this == F64 ? 8 : 4;
        }
    }

    static KernelSpec of(String file, String name, Param... params) {
        return new KernelSpec(file, name, List.of(params));
    }

    @Override
    public String toString() {
        return file + ":" + name + params;
    }
}
