package dev.jgrad.quant;

import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.nn.Linear;
import org.junit.jupiter.api.Test;

import static dev.jgrad.quant.Goldens.assertClose;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Linear4bit against PyTorch (make_lora_goldens.py: the weight quantized by the independent numpy NF4 + double
 * quantization, then a float64 linear layer on the dequantized weight) and against a float Linear holding the
 * dequantized weight (the same math through jgrad's float kernels).
 */
class Linear4bitTest {

    @Test
    void forwardAndInputGradientMatchPyTorch() throws Exception {
        try (SafetensorsFile g = Goldens.open()) {
            for (String c : new String[] {"l4.rows", "l4.one", "l4.odd"}) {
                int[] wShape = shape(g, c + ".weight");
                Quantized4bit q = QuantSpec.qlora().quantize(g.readFloats(c + ".weight"), new long[] {wShape[0], wShape[1]});
                assertArrayEquals(g.readFloats(c + ".dequant"), Blockwise4bit.dequantize(q), c + ": dequantized weight");
                float[] bias = g.contains(c + ".bias") ? g.readFloats(c + ".bias") : null;
                Linear4bit layer = Linear4bit.of(q, bias);
                Tensor x = Tensor.of(g.readFloats(c + ".x"), shape(g, c + ".x")).requiresGrad(true);
                Tensor y = layer.forward(x);
                assertArrayEquals(shape(g, c + ".y"), y.shape(), c);
                assertClose(g.readDoubles(c + ".y"), y.toFloatArray(), 2e-6, c + " y");
                y.backward(Tensor.of(g.readFloats(c + ".gy"), shape(g, c + ".gy")));
                assertClose(g.readDoubles(c + ".gx"), x.grad().toFloatArray(), 2e-6, c + " dx");
            }
        }
    }

    @Test
    void agreesWithAFloatLinearOnTheDequantizedWeight() throws Exception {
        try (SafetensorsFile g = Goldens.open()) {
            String c = "l4.rows";
            int[] wShape = shape(g, c + ".weight");
            Linear f = new Linear(wShape[1], wShape[0], true);
            try (NoGrad ignored = NoGrad.enter()) {
                f.weight().copyFrom(Tensor.of(g.readFloats(c + ".weight"), wShape));
                f.bias().copyFrom(Tensor.of(g.readFloats(c + ".bias")));
            }
            Linear4bit q = Linear4bit.quantize(f, QuantSpec.qlora());
            Linear deq = new Linear(wShape[1], wShape[0], true);
            try (NoGrad ignored = NoGrad.enter()) {
                deq.weight().copyFrom(Tensor.of(q.dequantizedWeight(), wShape));
                deq.bias().copyFrom(f.bias());
            }
            deq.requiresGrad(false);
            float[] xv = g.readFloats(c + ".x");
            Tensor x1 = Tensor.of(xv.clone(), shape(g, c + ".x")).requiresGrad(true);
            Tensor x2 = Tensor.of(xv.clone(), shape(g, c + ".x")).requiresGrad(true);
            Tensor y1 = q.forward(x1), y2 = deq.forward(x2);
            assertArrayEquals(y2.toFloatArray(), y1.toFloatArray(), 1e-5f);
            Tensor gy = Tensor.of(g.readFloats(c + ".gy"), shape(g, c + ".gy"));
            y1.backward(gy);
            y2.backward(gy);
            assertArrayEquals(x2.grad().toFloatArray(), x1.grad().toFloatArray(), 1e-5f);
            assertFalse(q.bias().requiresGrad(), "the bias of a 4-bit layer is frozen");
            assertNull(q.bias().grad());
        }
    }

    @Test
    void stridedInputIsRead() {
        Linear f = new Linear(64, 8, false);
        Linear4bit q = Linear4bit.quantize(f, QuantSpec.qlora());
        Tensor wide = Tensor.randn(new dev.jgrad.core.Generator(3), 64, 3);   // (64, 3) → transposed view (3, 64)
        Tensor x = wide.t();
        assertFalse(x.isContiguous());
        assertArrayEquals(q.forward(x.contiguousCopy()).toFloatArray(), q.forward(x).toFloatArray());
    }

    @Test
    void describesItselfLikeBitsandbytes() {
        Linear4bit q = new Linear4bit(2048, 5632, false, QuantSpec.qlora());
        assertEquals("Linear4bit(in_features=2048, out_features=5632, bias=False, quant_type=nf4, blocksize=64,"
                + " compress_statistics=True)", q.toString());
    }

    @Test
    void refusesBadUse() {
        Linear4bit empty = new Linear4bit(64, 8, false, QuantSpec.qlora());
        IllegalStateException notLoaded = assertThrows(IllegalStateException.class, () -> empty.forward(Tensor.zeros(2, 64)));
        assertTrue(notLoaded.getMessage().contains("has not been loaded"), notLoaded.getMessage());
        IllegalArgumentException wrongShape = assertThrows(IllegalArgumentException.class,
                () -> empty.receive("weight", new int[] {64, 8}, new float[512]));
        assertTrue(wrongShape.getMessage().contains("expected (8, 64)"), wrongShape.getMessage());
        IllegalArgumentException unknownType = assertThrows(IllegalArgumentException.class, () -> QuantSpec.of("nf5", 64, true));
        assertTrue(unknownType.getMessage().contains("unknown 4-bit quant type \"nf5\""), unknownType.getMessage());
        assertThrows(IllegalArgumentException.class, () -> QuantSpec.of("nf4", 48, true), "block size 48");
        empty.receive("weight", new int[] {8, 64}, new float[512]);
        IllegalArgumentException features = assertThrows(IllegalArgumentException.class, () -> empty.forward(Tensor.zeros(2, 63)));
        assertTrue(features.getMessage().contains("63 features, expected 64"), features.getMessage());
        IllegalArgumentException dtype = assertThrows(IllegalArgumentException.class,
                () -> empty.forward(Tensor.zeros(dev.jgrad.core.DType.F64, 2, 64)));
        assertTrue(dtype.getMessage().contains("float32"), dtype.getMessage());
    }

    /**
     * The weight lives in two non-persistent buffers that {@code Module.to} moves: the packed nibbles (shared with
     * the {@link Quantized4bit} on the CPU, not copied) and the float32 block scales, double quantization decoded once
     * (the float32 values {@link QuantState#blockAbsmax()} gives). State dicts do not change.
     */
    @Test
    void theWeightIsHeldInBuffersThatModuleToMoves() {
        Quantized4bit w = QuantSpec.qlora().quantize(Quantized4bitKernelTest.random(new dev.jgrad.core.Generator(21), 24 * 80), new long[] {24, 80});
        Linear4bit q = Linear4bit.of(w, null);
        var buffers = q.namedBuffers();
        assertEquals(java.util.Set.of("weight_packed", "weight_absmax"), buffers.keySet());
        assertEquals(dev.jgrad.core.DType.U8, buffers.get("weight_packed").dtype());
        assertSame(w.packed(), ((dev.jgrad.core.Storage.ByteStorage) buffers.get("weight_packed").storage()).data);
        assertArrayEquals(w.state().blockAbsmax(), buffers.get("weight_absmax").toFloatArray(), "decoded double quantization");
        assertEquals(30, buffers.get("weight_absmax").numel(), "24·80 / 64 blocks");
        assertTrue(q.stateDict().isEmpty(), "no parameters (no bias) and no persistent buffers");
        assertSame(w.packed(), q.weight().packed(), "weight() shares the layer's bytes on the CPU");

        Tensor x = Tensor.randn(new dev.jgrad.core.Generator(22), 3, 80);
        float[] before = q.forward(x).toFloatArray();
        q.to(dev.jgrad.core.DType.F64);                    // converts floating buffers: the scales become float64
        assertEquals(dev.jgrad.core.DType.F64, q.namedBuffers().get("weight_absmax").dtype());
        assertArrayEquals(before, q.forward(x).toFloatArray(), "float32 input still runs, on float32 scales");
    }

    @Test
    void aRecordedBackwardKeepsTheWeightItsForwardUsed() {
        Quantized4bit w1 = QuantSpec.qlora().quantize(Quantized4bitKernelTest.random(new dev.jgrad.core.Generator(23), 8 * 64), new long[] {8, 64});
        Quantized4bit w2 = QuantSpec.qlora().quantize(Quantized4bitKernelTest.random(new dev.jgrad.core.Generator(24), 8 * 64), new long[] {8, 64});
        Linear4bit q = Linear4bit.of(w1, null);
        Tensor x = Tensor.randn(new dev.jgrad.core.Generator(25), 2, 64).requiresGrad(true);
        Tensor gy = Tensor.randn(new dev.jgrad.core.Generator(26), 2, 8);
        Tensor y = q.forward(x);
        q.setWeight(w2);                                   // as a merge does
        y.backward(gy);
        float[] expected = new float[2 * 64];
        new dev.jgrad.core.kernels.ReferenceSgemm4bit().inputGradient(w1.kernelOperand(), 2, gy.toFloatArray(), 0, expected, 0);
        assertArrayEquals(expected, x.grad().toFloatArray(), 1e-5f, "dx = dy·W1");
        assertSame(w2.packed(), q.weight().packed());
    }

    static int[] shape(SafetensorsFile f, String name) {
        long[] s = f.entry(name).shape();
        int[] out = new int[s.length];
        for (int i = 0; i < s.length; i++) out[i] = (int) s[i];
        return out;
    }
}
