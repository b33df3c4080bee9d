package dev.jgrad.core;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorTest {

    @Test
    void creation() {
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0}, Tensor.zeros(2, 3).toFloatArray());
        assertArrayEquals(new float[] {1, 1}, Tensor.ones(2).toFloatArray());
        assertArrayEquals(new float[] {2.5f, 2.5f, 2.5f}, Tensor.full(2.5, 3).toFloatArray());
        assertArrayEquals(new float[] {1, 1.5f, 2, 2.5f}, Tensor.arange(1, 3, 0.5).toFloatArray());
        assertArrayEquals(new long[] {0, 1, 2, 3}, Tensor.arange(4).toLongArray());
        assertArrayEquals(new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, Tensor.eye(3).toFloatArray());
        assertEquals(DType.I64, Tensor.arange(4).dtype());
        assertEquals(0, Tensor.scalar(3).rank());
        assertEquals(3.0, Tensor.scalar(3).item());
    }

    @Test
    void randomTensorsAreReproducibleFromTheSeed() {
        float[] a = Tensor.randn(new Generator(7), 100).toFloatArray();
        float[] b = Tensor.randn(new Generator(7), 100).toFloatArray();
        float[] c = Tensor.randn(new Generator(8), 100).toFloatArray();
        assertArrayEquals(a, b);
        assertTrue(!java.util.Arrays.equals(a, c));
        // the sample moments of a large normal draw
        Tensor big = Tensor.normal(new Generator(1), 2.0, 3.0, 200_000);
        assertEquals(2.0, big.mean().item(), 0.03);
        assertEquals(3.0, big.std(0, false, 1).item(), 0.03);
        Tensor u = Tensor.uniform(new Generator(2), -1, 1, 200_000);
        assertTrue(u.min().item() >= -1 && u.max().item() < 1);
        assertEquals(1.0 / 3.0, u.var(0, false, 0).item(), 0.005);
    }

    /** Hostile arguments: PyTorch's rules, one message naming the op and the values. */
    @Test
    void creationRejectsWhatPyTorchRejects() {
        assertEquals("arange: step must be nonzero, got 0.0",
                assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 3, 0)).getMessage());
        assertEquals("arange: step must be nonzero, got NaN",
                assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 3, Double.NaN)).getMessage());
        assertEquals("arange: unsupported range NaN -> 3.0 (bounds must be finite)",
                assertThrows(IllegalArgumentException.class, () -> Tensor.arange(Double.NaN, 3, 1)).getMessage());
        assertEquals("arange: unsupported range 0.0 -> Infinity (bounds must be finite)",
                assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, Double.POSITIVE_INFINITY, 1)).getMessage());
        assertEquals("arange: the range 3.0 -> 0.0 goes against the sign of step 1.0",
                assertThrows(IllegalArgumentException.class, () -> Tensor.arange(3, 0, 1)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 1e300, 1e-300)).getMessage()
                .startsWith("arange: 0.0 -> 1.0E300 by 1.0E-300 gives "));
        assertEquals(0, Tensor.arange(2, 2, 1).numel(), "an empty range is allowed, as in torch.arange(2, 2)");
        assertArrayEquals(new float[] {3, 2, 1}, Tensor.arange(3, 0, -1).toFloatArray());

        Generator g = new Generator(0);
        assertEquals("uniform: expects a range [low, high), got low=1.0 > high=0.0",
                assertThrows(IllegalArgumentException.class, () -> Tensor.uniform(g, 1, 0, 3)).getMessage());
        assertEquals("uniform: expects a range [low, high), got low=NaN > high=1.0",
                assertThrows(IllegalArgumentException.class, () -> Tensor.uniform(g, Double.NaN, 1, 3)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Tensor.uniform(g, Double.NEGATIVE_INFINITY, 0, 3)).getMessage().startsWith("uniform: high - low must be at most"));
        assertArrayEquals(new float[] {2, 2}, Tensor.uniform(g, 2, 2, 2).toFloatArray(), "low == high is allowed");
        assertEquals("normal: std must be >= 0, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> Tensor.normal(g, 0, -1, 3)).getMessage());
        assertEquals("normal: std must be >= 0, got NaN",
                assertThrows(IllegalArgumentException.class, () -> Tensor.normal(g, 0, Double.NaN, 3)).getMessage());

        assertEquals("argmax: dimension 0 of shape [0] is empty; an empty dimension has no index to return",
                assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(0).argmax(0, false)).getMessage());
        assertEquals("argmin: dimension 1 of shape [2, 0] is empty; an empty dimension has no index to return",
                assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 0).argmin(-1, true)).getMessage());
        assertArrayEquals(new int[] {0}, Tensor.zeros(0, 3).argmax(1, false).shape(),
                "reducing a non-empty dimension of an empty tensor is fine");
    }

    @Test
    void emptyTensorsAreContiguousAndCopy() {
        Tensor e = Tensor.zeros(3, 0);
        assertTrue(e.isContiguous(), "no elements, no gaps (as torch.zeros(3, 0).is_contiguous())");
        assertSame(e, e.contiguous());
        Tensor t = Tensor.zeros(0, 3).transpose(0, 1);                  // (3, 0) with strides (1, 3)
        assertArrayEquals(new int[] {3, 0}, t.contiguousCopy().shape());
        assertArrayEquals(new float[0], t.add(1).toFloatArray());
    }

    @Test
    void viewsShareStorageAndCopyOnlyWhenNeeded() {
        Tensor x = Tensor.arange(0, 24, 1).reshape(2, 3, 4);
        assertSame(x.storage(), x.reshape(6, 4).storage());
        assertSame(x.storage(), x.permute(2, 0, 1).storage());
        Tensor t = x.transpose(1, 2);
        assertTrue(!t.isContiguous());
        assertNotSame(x.storage(), t.contiguous().storage());
        assertEquals(x.get(1, 2, 3), t.get(1, 3, 2));
        Tensor n = x.narrow(2, 1, 2);
        assertArrayEquals(new int[] {2, 3, 2}, n.shape());
        assertEquals(x.get(1, 1, 2), n.get(1, 1, 1));
        Tensor e = Tensor.arange(0, 3, 1).reshape(3, 1).expand(3, 4);
        assertArrayEquals(new int[] {1, 0}, e.strides());
        assertArrayEquals(new float[] {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2}, e.toFloatArray());
        // a transposed tensor cannot be viewed flat, only reshaped (a copy)
        IllegalArgumentException err = assertThrows(IllegalArgumentException.class, () -> t.view(-1));
        assertTrue(err.getMessage().contains("use reshape"), err.getMessage());
        assertArrayEquals(t.contiguous().toFloatArray(), t.reshape(-1).toFloatArray());
        assertArrayEquals(new int[] {2, 1, 3, 4}, x.unsqueeze(1).shape());
        assertArrayEquals(new int[] {2, 3, 4}, x.unsqueeze(1).squeeze(1).shape());
        assertArrayEquals(new float[] {4, 5, 6, 7}, x.select(0, 0).select(0, 1).toFloatArray());
        assertArrayEquals(new float[] {20, 21, 22, 23}, x.slice(1, -1, 3).reshape(-1).slice(0, -4, 100).toFloatArray());
    }

    @Test
    void splitChunkCatStack() {
        Tensor x = Tensor.arange(0, 10, 1).reshape(2, 5);
        List<Tensor> parts = x.split(2, 1);
        assertEquals(3, parts.size());
        assertArrayEquals(new int[] {2, 1}, parts.get(2).shape());
        assertArrayEquals(x.toFloatArray(), Tensor.cat(parts, 1).toFloatArray());
        assertEquals(3, x.chunk(3, 1).size());
        Tensor s = Tensor.stack(List.of(x, x.mul(2.0)), 0);
        assertArrayEquals(new int[] {2, 2, 5}, s.shape());
        assertEquals(18.0, s.get(1, 1, 4));
    }

    @Test
    void shapeErrorsNameTheOpAndBothShapes() {
        Tensor a = Tensor.zeros(2, 3), b = Tensor.zeros(4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertTrue(e.getMessage().contains("add") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.matmul(Tensor.zeros(4, 5)));
        assertTrue(e.getMessage().contains("matmul") && e.getMessage().contains("[2, 3]")
                && e.getMessage().contains("[4, 5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.add(Tensor.zeros(DType.F64, 2, 3)));
        assertTrue(e.getMessage().contains("F32") && e.getMessage().contains("F64"), e.getMessage());
        IndexOutOfBoundsException ie = assertThrows(IndexOutOfBoundsException.class,
                () -> Tensor.zeros(5, 2).indexSelect(0, Tensor.of(new long[] {1, 7})));
        assertTrue(ie.getMessage().contains("index 7") && ie.getMessage().contains("size 5"), ie.getMessage());
        ie = assertThrows(IndexOutOfBoundsException.class, () -> Tensor.zeros(5, 2).embedding(Tensor.of(new long[] {-1})));
        assertTrue(ie.getMessage().contains("index -1"), ie.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.reshape(4, 2));
        assertTrue(e.getMessage().contains("[4, 2]") && e.getMessage().contains("6 elements"), e.getMessage());
    }

    @Test
    void broadcastingFollowsNumpy() {
        Tensor a = Tensor.arange(0, 3, 1).reshape(3, 1);
        Tensor b = Tensor.arange(0, 4, 1);
        Tensor c = a.mul(b);
        assertArrayEquals(new int[] {3, 4}, c.shape());
        assertEquals(6.0, c.get(2, 3));
    }

    @Test
    void halfPrecisionStorageConvertsAndRefusesArithmetic() {
        Tensor x = Tensor.of(new float[] {1.0f, -2.5f, 3.14159f, 65504f});
        Tensor bf = x.to(DType.BF16);
        assertEquals(DType.BF16, bf.dtype());
        float[] back = bf.to(DType.F32).toFloatArray();
        assertEquals(3.140625f, back[2]); // bf16 keeps 8 significant bits
        assertEquals(65536f, back[3]);
        float[] half = x.to(DType.F16).to(DType.F32).toFloatArray();
        assertEquals(3.140625f, half[2]);
        assertEquals(65504f, half[3]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bf.exp());
        assertTrue(e.getMessage().contains("BF16") && e.getMessage().contains(".to(DType.F32)"), e.getMessage());
    }

    @Test
    void comparisonsAndMasks() {
        Tensor x = Tensor.of(new float[] {-1, 0, 2, 3});
        Tensor mask = x.gt(0.5);
        assertEquals(DType.BOOL, mask.dtype());
        assertArrayEquals(new float[] {-1, 0, 9, 9}, x.maskedFill(mask, 9).toFloatArray());
        assertArrayEquals(new float[] {1, 0, 0, 0, 1, 1, 0, 0}, Tensor.ones(2, 4).tril(0).narrow(0, 0, 2).toFloatArray());
        assertArrayEquals(new long[] {0, 0, 1, 1, 0, 0}, Tensor.of(new long[] {2, 0}).oneHot(3, DType.I64).toLongArray());
    }

    @Test
    void argExtremaTakeTheFirst() {
        Tensor x = Tensor.of(new float[] {1, 5, 5, 2, 0, 0}, 2, 3);
        assertArrayEquals(new long[] {1, 0}, x.argmax(1, false).toLongArray());
        assertArrayEquals(new long[] {0, 1}, x.argmin(1, false).toLongArray());
        assertArrayEquals(new long[] {1, 0, 0}, x.argmax(0, false).toLongArray());
    }

    @Test
    void printsLikePytorch() {
        String s = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).toString();
        assertEquals("tensor([[1.0000, 2.0000],\n        [3.0000, 4.0000]], shape=[2, 2], dtype=F32)", s);
        assertTrue(Tensor.zeros(5000).toString().contains("..."));
    }
}
