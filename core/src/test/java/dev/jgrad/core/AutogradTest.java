package dev.jgrad.core;

import dev.jgrad.core.autograd.NoGrad;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AutogradTest {

    @Test
    void aTensorUsedTwiceReceivesTheSumOfItsGradients() {
        Tensor x = Tensor.of(new float[] {1, 2, 3}).requiresGrad(true);
        x.mul(x).sum().backward();                     // d/dx Σx² = 2x
        assertArrayEquals(new float[] {2, 4, 6}, x.grad().toFloatArray());
    }

    @Test
    void gradientsAccumulateAcrossBackwardCalls() {
        Tensor x = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        x.mul(3.0).sum().backward();
        x.mul(3.0).sum().backward();
        assertArrayEquals(new float[] {6, 6}, x.grad().toFloatArray());
    }

    @Test
    void broadcastIsUndoneInBackward() {
        Tensor a = Tensor.ones(2, 3).requiresGrad(true);
        Tensor bias = Tensor.of(new float[] {1, 2, 3}).requiresGrad(true);
        Tensor col = Tensor.ones(2, 1).requiresGrad(true);
        a.add(bias).mul(col).sum().backward();
        assertArrayEquals(new int[] {3}, bias.grad().shape());
        assertArrayEquals(new float[] {2, 2, 2}, bias.grad().toFloatArray());
        assertArrayEquals(new int[] {2, 1}, col.grad().shape());
        assertArrayEquals(new float[] {9, 9}, col.grad().toFloatArray());
    }

    @Test
    void leafGradientsNeverAlias() {
        Tensor a = Tensor.ones(3).requiresGrad(true), b = Tensor.ones(3).requiresGrad(true);
        a.add(b).sum().backward(); // add hands the same gradient to both inputs
        try (NoGrad ignored = NoGrad.enter()) {
            a.grad().mulInPlace(5.0);
        }
        assertArrayEquals(new float[] {1, 1, 1}, b.grad().toFloatArray());
    }

    @Test
    void backwardTwiceThroughAReleasedGraphFailsClearly() {
        Tensor x = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        Tensor y = x.exp().sum();
        y.backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("second time") && e.getMessage().contains("retain"), e.getMessage());
    }

    @Test
    void retainedGraphCanBeWalkedAgain() {
        Tensor x = Tensor.of(new float[] {0, 1}).requiresGrad(true);
        Tensor y = x.exp().sum();
        y.backward(Tensor.scalar(1), true);
        y.backward(Tensor.scalar(1), true);
        assertArrayEquals(new float[] {2, 2 * (float) Math.E}, x.grad().toFloatArray(), 1e-6f);
    }

    @Test
    void modifyingASavedTensorInPlaceIsCaught() {
        Tensor x = Tensor.of(new float[] {1, 2});          // data, no grad
        Tensor w = Tensor.of(new float[] {3, 4}).requiresGrad(true);
        Tensor loss = x.mul(w).sum();                        // mul saves x for dL/dw
        x.addInPlace(Tensor.ones(2));
        IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
        assertTrue(e.getMessage().contains("modified in place") && e.getMessage().contains("mul"), e.getMessage());
    }

    @Test
    void inPlaceOnAParameterNeedsNoGrad() {
        Tensor w = Tensor.ones(2).requiresGrad(true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.mulInPlace(2.0));
        assertTrue(e.getMessage().contains("NoGrad"), e.getMessage());
        try (NoGrad ignored = NoGrad.enter()) {
            w.mulInPlace(2.0);
        }
        assertArrayEquals(new float[] {2, 2}, w.toFloatArray());
        assertEquals(1, w.storage().version());
    }

    @Test
    void noGradScopesRecordNothingAndNest() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        try (NoGrad outer = NoGrad.enter()) {
            try (NoGrad inner = NoGrad.enter()) {
                assertFalse(NoGrad.isGradEnabled());
            }
            assertFalse(NoGrad.isGradEnabled());
            Tensor y = x.mul(2.0);
            assertFalse(y.requiresGrad());
            assertNull(y.gradFn());
        }
        assertTrue(NoGrad.isGradEnabled());
        assertTrue(x.mul(2.0).requiresGrad());
    }

    @Test
    void detachCutsTheGraph() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        Tensor d = x.mul(2.0).detach();
        assertFalse(d.requiresGrad());
        assertThrows(IllegalStateException.class, () -> d.sum().backward());
    }

    @Test
    void backwardNeedsAScalarOrAGradient() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        Tensor y = x.mul(2.0);
        assertThrows(IllegalStateException.class, y::backward);
        y.backward(Tensor.of(new float[] {1, 10}));
        assertArrayEquals(new float[] {2, 20}, x.grad().toFloatArray());
    }

    @Test
    void retainGradKeepsAnIntermediateGradient() {
        Tensor x = Tensor.of(new float[] {1, 2}).requiresGrad(true);
        Tensor h = x.mul(3.0).retainGrad();
        h.square().sum().backward();
        assertArrayEquals(new float[] {6, 12}, h.grad().toFloatArray());
        assertArrayEquals(new float[] {18, 36}, x.grad().toFloatArray());
    }

    @Test
    void aWrongGradientFailsTheGradientCheck() {
        // A deliberately wrong backward (d/dx x³ taken as 2x², missing a factor 3/2) must not pass.
        java.util.function.Function<Tensor[], Tensor> wrongCube = in -> {
            Tensor x = in[0];
            Tensor y = x.detach().pow(3.0);
            return dev.jgrad.core.autograd.Autograd.record("wrong_cube", y, x, new Tensor[] {x},
                    g -> new Tensor[] {g.mul(x.square()).mul(2.0)});
        };
        Tensor x = Tensor.of(new double[] {0.5, -1.2, 2.0}).requiresGrad(true);
        assertFalse(GradCheck.check(wrongCube, x).passed());
        java.util.function.Function<Tensor[], Tensor> rightCube = in -> in[0].pow(3.0);
        assertTrue(GradCheck.check(rightCube, x).passed());
    }
}
