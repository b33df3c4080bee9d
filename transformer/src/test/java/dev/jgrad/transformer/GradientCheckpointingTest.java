package dev.jgrad.transformer;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.transformer.checkpoint.Models;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Checkpointed blocks recompute their activations in the backward pass: the loss, every gradient and the dropout
 * stream must be exactly those of the plain forward and backward (the same operations on the same values).
 */
class GradientCheckpointingTest {

    @Test
    void gptWithDropoutGivesIdenticalGradients() {
        GptConfig c = new GptConfig(64, 32, 32, 2, 4, 0.1, true, 1e-5, true, true);
        check(() -> Models.create(c, new Generator(3)));
    }

    @Test
    void llamaGivesIdenticalGradients() {
        LlamaConfig c = new LlamaConfig(64, 48, 2, 4, 2, 128, 1e-5, 10000, RopeStyle.HALF, 32, false);
        check(() -> Models.create(c, new Generator(4)));
    }

    private static void check(java.util.function.Supplier<CausalLM> build) {
        CausalLM plain = build.get(), checkpointed = build.get().gradientCheckpointing(true);
        assertTrue(checkpointed.isGradientCheckpointing());
        Tensor ids = CausalLM.ids(new int[] {1, 2, 3, 4, 5, 6, 7, 8}, new int[] {9, 8, 7, 6, 5, 4, 3, 2});
        Tensor targets = CausalLM.ids(new int[] {2, 3, 4, 5, 6, 7, 8, 9}, new int[] {8, 7, 6, 5, 4, 3, 2, 1});
        for (int step = 0; step < 2; step++) {   // twice: the dropout stream must continue identically
            plain.train();
            checkpointed.train();
            Tensor a = plain.loss(ids, targets), b = checkpointed.loss(ids, targets);
            assertEquals(a.item(), b.item(), "loss");
            a.backward();
            b.backward();
            Map<String, Tensor> pa = plain.namedParameters(), pb = checkpointed.namedParameters();
            for (String k : pa.keySet())
                assertArrayEquals(pa.get(k).grad().toFloatArray(), pb.get(k).grad().toFloatArray(), "gradient of " + k);
            plain.zeroGrad();
            checkpointed.zeroGrad();
        }
        for (String g : plain.generators().keySet())
            assertArrayEquals(plain.generators().get(g).state(), checkpointed.generators().get(g).state(), "generator " + g);
    }
}
