package dev.jgrad.transformer;

import dev.jgrad.core.DType;
import dev.jgrad.core.Tensor;
import dev.jgrad.optim.AdamW;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * GPT-2 and LLaMA (GQA) against PyTorch float64 on the same weights: logits, loss, every parameter gradient, and
 * the losses of 10 AdamW steps. Float32 models must agree to 1e-4 relative (against the tensor's scale, see
 * {@link ModelGoldens#assertClose}); the same models converted to float64 (reference kernels) to 1e-9, which shows
 * that the float32 differences are rounding and not an algorithmic difference.
 */
class ModelParityTest {

    private static CausalLM model(String which) throws Exception {
        return which.equals("gpt") ? ModelGoldens.gpt() : ModelGoldens.llama();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gpt", "llama"})
    void logitsLossAndEveryGradientFloat32(String which) throws Exception {
        check(which, model(which), 1e-4);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gpt", "llama"})
    void logitsLossAndEveryGradientFloat64(String which) throws Exception {
        CausalLM m = model(which);
        m.to(DType.F64);
        check(which, m, 1e-9);
    }

    private static void check(String which, CausalLM m, double rtol) throws Exception {
        Map<String, Tensor> g = ModelGoldens.read(which);
        Tensor logits = m.forward(g.get("ids"));
        Tensor loss = CausalLM.lossFrom(logits, g.get("targets"));
        ModelGoldens.assertClose(which + " logits", g.get("logits"), logits, rtol);
        ModelGoldens.assertClose(which + " loss", g.get("loss"), loss.reshape(1), rtol);
        loss.backward();
        int checked = 0;
        double worstGrad = 0;
        for (Map.Entry<String, Tensor> p : m.namedParameters().entrySet()) {
            Tensor expected = g.get("grad." + p.getKey());
            assertNotNull(expected, "no golden gradient for " + p.getKey());
            assertNotNull(p.getValue().grad(), "no gradient for " + p.getKey());
            ModelGoldens.assertClose(which + " grad " + p.getKey(), expected, p.getValue().grad(), rtol);
            worstGrad = Math.max(worstGrad, ModelGoldens.maxRelError(expected, p.getValue().grad()));
            checked++;
        }
        System.out.printf("%s %s: logits max|err|/max|e| = %.2e, worst gradient %.2e%n", which, m.dtype(),
                ModelGoldens.maxRelError(g.get("logits"), logits), worstGrad);
        assertEquals(ModelGoldens.params(g).size(), checked, "every golden parameter has a gradient to compare");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gpt", "llama"})
    void tenAdamWStepsGiveThePyTorchLosses(String which) throws Exception {
        Map<String, Tensor> g = ModelGoldens.read(which);
        CausalLM m = model(which);
        AdamW opt = new AdamW(m.parameters(), AdamW.defaults(1e-2));
        double[] expected = g.get("adamw_losses").toDoubleArray();
        double[] actual = new double[expected.length];
        for (int step = 0; step < expected.length; step++) {
            opt.zeroGrad();
            Tensor loss = m.loss(g.get("ids"), g.get("targets"));
            actual[step] = loss.item();
            loss.backward();
            opt.step();
        }
        for (int i = 0; i < expected.length; i++)
            assertEquals(expected[i], actual[i], 1e-4 * Math.abs(expected[i]) + 1e-5,
                    which + " loss before AdamW step " + (i + 1));
    }
}
