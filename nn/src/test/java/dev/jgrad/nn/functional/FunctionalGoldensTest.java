package dev.jgrad.nn.functional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgrad.core.DType;
import dev.jgrad.core.GradCheck;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.Safetensors;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.nn.Goldens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every functional op and loss against PyTorch (goldens from {@code make_nn_goldens.py}): forward and
 * input gradients on the float32 fast path and on the float64 reference path, plus a finite-difference
 * gradient check of each in float64.
 */
class FunctionalGoldensTest {

    record Case(String name, List<String> kinds) {
        @Override
        public String toString() {
            return name;
        }
    }

    static SafetensorsFile goldens;

    @BeforeAll
    static void open() throws Exception {
        goldens = Goldens.open("/goldens/nn.safetensors");
    }

    @AfterAll
    static void close() {
        goldens.close();
    }

    static List<Case> cases() throws Exception {
        try (SafetensorsFile f = Goldens.open("/goldens/nn.safetensors")) {
            List<Case> out = new ArrayList<>();
            for (JsonNode c : new ObjectMapper().readTree(f.metadata().get("functional"))) {
                List<String> kinds = new ArrayList<>();
                c.get("inputs").forEach(k -> kinds.add(k.asText()));
                out.add(new Case(c.get("name").asText(), kinds));
            }
            return out;
        }
    }

    static Tensor[] inputs(Case c, DType floatType) {
        Tensor[] in = new Tensor[c.kinds().size()];
        for (int k = 0; k < in.length; k++) {
            String key = c.name() + ".in" + k;
            in[k] = switch (c.kinds().get(k)) {
                case "float" -> Safetensors.read(goldens, key, floatType).requiresGrad(true);
                case "const" -> Safetensors.read(goldens, key, floatType);
                case "int" -> Safetensors.read(goldens, key, DType.I64);
                default -> throw new IllegalStateException(c.kinds().get(k));
            };
        }
        return in;
    }

    void check(Case c, DType floatType, double rtol, double atol) {
        Function<Tensor[], Tensor> fn = FunctionalCases.CASES.get(c.name());
        assertNotNull(fn, "no jgrad version of case " + c.name());
        Tensor[] in = inputs(c, floatType);
        Tensor out = fn.apply(in);
        assertArrayEquals(Safetensors.intShape(goldens.entry(c.name() + ".out")), out.shape(), c + ": output shape");
        Goldens.assertClose(c + " forward (" + floatType + ")", goldens.readDoubles(c.name() + ".out"), out.toDoubleArray(), rtol, atol);
        out.backward(Safetensors.read(goldens, c.name() + ".gout", floatType));
        for (int k = 0; k < in.length; k++) {
            if (!c.kinds().get(k).equals("float")) continue;
            assertNotNull(in[k].grad(), c + ": no gradient for input " + k);
            Goldens.assertClose(c + " grad of input " + k + " (" + floatType + ")", goldens.readDoubles(c.name() + ".gin" + k),
                    in[k].grad().toDoubleArray(), rtol, atol);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void float32MatchesPytorch(Case c) {
        check(c, DType.F32, 2e-5, 2e-5);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void float64ReferenceMatchesPytorch(Case c) {
        check(c, DType.F64, 1e-11, 1e-12);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientCheck(Case c) {
        GradCheck.Result r = GradCheck.check(FunctionalCases.CASES.get(c.name()), inputs(c, DType.F64));
        assertTrue(r.passed(), c + ": " + r.worst());
    }

    // ---- semantics PyTorch defines but the goldens cannot carry --------------------------------------

    /**
     * The two-argument losses use PyTorch's default reduction, the mean: each is compared with PyTorch's
     * {@code reduction="mean"} output of the same inputs (for nll_loss, with PyTorch's default ignore index too).
     */
    @Test
    void lossesWithoutAReductionTakeTheMeanLikePytorch() throws Exception {
        Map<String, Function<Tensor[], Tensor>> defaults = Map.of(
                "mse_loss_mean", a -> F.mseLoss(a[0], a[1]),
                "l1_loss_mean", a -> F.l1Loss(a[0], a[1]),
                "bce_logits_mean", a -> F.binaryCrossEntropyWithLogits(a[0], a[1]),
                "nll_loss_mean_ignore", a -> F.nllLoss(a[0], a[1]),
                "cross_entropy_ignore", a -> F.crossEntropy(a[0], a[1]));
        List<Case> all = cases();
        defaults.forEach((name, fn) -> {
            Case c = all.stream().filter(k -> k.name().equals(name)).findFirst().orElseThrow();
            Tensor out = fn.apply(inputs(c, DType.F64));
            assertEquals(0, out.rank(), name + ": a scalar");
            Goldens.assertClose(name + " with the default reduction", goldens.readDoubles(name + ".out"),
                    out.toDoubleArray(), 1e-11, 1e-12);
        });
    }

    @Test
    void crossEntropyMeanWithEveryTargetIgnoredIsNaNLikePytorch() {
        Tensor logits = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
        Tensor t = Tensor.of(new long[] {-100, -100});
        assertTrue(Double.isNaN(F.crossEntropy(logits, t).item()));
        assertEquals(0.0, F.crossEntropy(logits, t, -100, 0.1, Reduction.SUM).item());
    }

    @Test
    void crossEntropyRejectsOutOfRangeTargetsNamingThePosition() {
        Tensor logits = Tensor.zeros(3, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> F.crossEntropy(logits, Tensor.of(new long[] {0, 4, 1})));
        assertTrue(e.getMessage().contains("target 4 at position 1") && e.getMessage().contains("4 classes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.crossEntropy(logits, Tensor.of(new long[] {0, 1})));
        assertTrue(e.getMessage().contains("[2]") && e.getMessage().contains("[3, 4]"), e.getMessage());
    }

    @Test
    void linearRejectsAWrongInputWidthWithBothShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> F.linear(Tensor.zeros(2, 3), Tensor.zeros(4, 5), null));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4, 5]"), e.getMessage());
    }

    @Test
    void bceWithLogitsRefusesADifferentiablePosWeightAsPytorchDoes() {
        Tensor x = Tensor.zeros(2, 3), y = Tensor.zeros(2, 3), pw = Tensor.ones(3).requiresGrad(true);
        assertThrows(IllegalArgumentException.class, () -> F.binaryCrossEntropyWithLogits(x, y, pw, Reduction.MEAN));
    }
}
