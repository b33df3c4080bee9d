package dev.jgrad.core.backend;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Storage;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.kernels.Packed4bit;
import dev.jgrad.core.kernels.Sgemm4bitTest;
import org.junit.jupiter.api.Test;

import static dev.jgrad.core.backend.VectorVsReferenceTest.assertClose;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The backends' 4-bit products ({@link Backend#matmul4bit}, {@link Backend#matmul4bitInputGradient}): a
 * hand-computed product on both, the reference against a dense product of the independently decoded weight, the
 * Vector API backend against the reference on odd sizes with strided inputs and outputs and tensors that start
 * inside their storage, and the checks that refuse bad operands.
 */
class Matmul4bitBackendTest {

    static final Backend REF = new ReferenceBackend();
    static final Backend FAST = new VectorBackend();

    static Weight4bit onTensors(Packed4bit p) {
        Tensor packed = new Tensor(new Storage.ByteStorage(DType.U8, p.packed()), p.packed().length);
        return new Weight4bit(packed, Tensor.of(p.absmax()), p.codebook(), p.blocksize(), p.rows(), p.cols());
    }

    /** The hand-computed case of {@link Sgemm4bitTest#aHandComputedProduct}: W = [[−3.5, 0.5, 0], [3.5, 4, −16]]. */
    @Test
    void aHandComputedProductOnBothBackends() {
        Weight4bit w = onTensors(Sgemm4bitTest.handWeight());
        for (Backend b : new Backend[] {REF, FAST}) {
            Tensor y = Tensor.full(Double.NaN, 2, 2), gx = Tensor.full(Double.NaN, 2, 3);
            b.matmul4bit(Tensor.of(new float[] {1, 2, 3, 0, 0, 1}, 2, 3), w, y);
            assertArrayEquals(new float[] {-2.5f, -36.5f, 0f, -16f}, y.toFloatArray(), b.getClass().getSimpleName());
            b.matmul4bitInputGradient(Tensor.of(new float[] {1, -1, 0, 2}, 2, 2), w, gx);
            assertArrayEquals(new float[] {-7f, -3.5f, 16f, 7f, 8f, -32f}, gx.toFloatArray(), b.getClass().getSimpleName());
        }
    }

    @Test
    void theReferenceIsADenseProductOfTheDecodedWeight() {
        Generator g = new Generator(11);
        for (float[] code : new float[][] {Sgemm4bitTest.NF4, Sgemm4bitTest.FP4}) {
            for (int bs : new int[] {64, 128}) {
                Packed4bit p = Sgemm4bitTest.weight(g, 17, 15, code, bs);
                Tensor dense = Tensor.of(Sgemm4bitTest.decode(p), 17, 15).to(DType.F64);
                Tensor x = Tensor.randn(g, 7, 15), gy = Tensor.randn(g, 7, 17);
                Tensor y = Tensor.zeros(7, 17), gx = Tensor.zeros(7, 15);
                REF.matmul4bit(x, onTensors(p), y);
                REF.matmul4bitInputGradient(gy, onTensors(p), gx);
                assertClose(x.to(DType.F64).matmul(dense.t()), y, 1e-6, 1e-6, "y bs" + bs);
                assertClose(gy.to(DType.F64).matmul(dense), gx, 1e-6, 1e-6, "gx bs" + bs);
            }
        }
    }

    @Test
    void vectorMatchesReferenceOnOddSizesAndViews() {
        Generator g = new Generator(12);
        for (int out : new int[] {1, 7, 17}) {
            for (int in : new int[] {1, 15, 64, 1023}) {
                for (int rows : new int[] {1, 5, 17}) {
                    float[] code = (out + in) % 2 == 0 ? Sgemm4bitTest.NF4 : Sgemm4bitTest.FP4;
                    Weight4bit w = onTensors(Sgemm4bitTest.weight(g, out, in, code, in % 2 == 0 ? 64 : 128));
                    String what = out + "x" + in + " rows=" + rows;
                    Tensor x = Tensor.randn(g, in, rows).t(), gy = Tensor.randn(g, rows, out);   // x strided
                    Tensor yr = Tensor.zeros(rows, out), yf = Tensor.full(Double.NaN, out, rows).t(); // y strided
                    REF.matmul4bit(x, w, yr);
                    FAST.matmul4bit(x, w, yf);
                    assertClose(yr, yf, 1e-5, 1e-5 * Math.sqrt(in), what + " y");
                    Tensor gr = Tensor.zeros(rows, in), gf = Tensor.full(Double.NaN, rows, in);
                    REF.matmul4bitInputGradient(gy, w, gr);
                    FAST.matmul4bitInputGradient(gy, w, gf);
                    assertClose(gr, gf, 1e-5, 1e-5 * Math.sqrt(out), what + " gx");
                }
            }
        }
    }

    @Test
    void weightTensorsThatStartInsideTheirStorage() {
        Generator g = new Generator(13);
        Packed4bit p = Sgemm4bitTest.weight(g, 9, 64, Sgemm4bitTest.NF4, 64);
        byte[] bytes = new byte[p.packed().length + 5];
        System.arraycopy(p.packed(), 0, bytes, 5, p.packed().length);
        float[] scales = new float[p.absmax().length + 3];
        System.arraycopy(p.absmax(), 0, scales, 3, p.absmax().length);
        Tensor packed = new Tensor(new Storage.ByteStorage(DType.U8, bytes), bytes.length).narrow(0, 5, p.packed().length);
        Tensor absmax = Tensor.of(scales).narrow(0, 3, p.absmax().length);
        Weight4bit inside = new Weight4bit(packed, absmax, p.codebook(), 64, 9, 64);
        Tensor x = Tensor.randn(g, 4, 64);
        Tensor expected = Tensor.zeros(4, 9), actual = Tensor.zeros(4, 9);
        REF.matmul4bit(x, onTensors(p), expected);
        FAST.matmul4bit(x, inside, actual);
        assertClose(expected, actual, 1e-5, 1e-4, "packed and absmax at offsets 5 and 3");
    }

    @Test
    void badOperandsAreRefusedNamingTheProblem() {
        Packed4bit p = Sgemm4bitTest.weight(new Generator(14), 4, 32, Sgemm4bitTest.NF4, 64);
        Tensor packed = new Tensor(new Storage.ByteStorage(DType.U8, p.packed()), p.packed().length);
        Tensor absmax = Tensor.of(p.absmax());
        var shortPacked = assertThrows(IllegalArgumentException.class,
                () -> new Weight4bit(packed.narrow(0, 0, 63), absmax, p.codebook(), 64, 4, 32));
        assertTrue(shortPacked.getMessage().contains("64 packed bytes"), shortPacked.getMessage());
        var f64Scales = assertThrows(IllegalArgumentException.class,
                () -> new Weight4bit(packed, absmax.to(DType.F64), p.codebook(), 64, 4, 32));
        assertTrue(f64Scales.getMessage().contains("F32") && f64Scales.getMessage().contains("F64"), f64Scales.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Weight4bit(packed, absmax, p.codebook(), 96, 4, 32));
        Weight4bit w = new Weight4bit(packed, absmax, p.codebook(), 64, 4, 32);
        for (Backend b : new Backend[] {REF, FAST}) {
            var shape = assertThrows(IllegalArgumentException.class, () -> b.matmul4bit(Tensor.zeros(3, 31), w, Tensor.zeros(3, 4)));
            assertTrue(shape.getMessage().contains("matmul4bit") && shape.getMessage().contains("[3, 31]"), shape.getMessage());
            var dtype = assertThrows(IllegalArgumentException.class,
                    () -> b.matmul4bitInputGradient(Tensor.zeros(DType.F64, 3, 4), w, Tensor.zeros(3, 32)));
            assertTrue(dtype.getMessage().contains("float32"), dtype.getMessage());
        }
    }
}
