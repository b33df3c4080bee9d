package dev.jgrad.core.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgrad.core.DType;
import dev.jgrad.core.GradCheck;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.Safetensors;
import dev.jgrad.core.io.SafetensorsFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every op's forward and backward against PyTorch (goldens from {@code make_op_goldens.py}), on the fast
 * float32 path and on the float64 reference path, and a finite-difference gradient check of every
 * differentiable op on the same inputs.
 */
class OpGoldensTest {

    record Case(String name, List<String> inputKinds, boolean forwardOnly) {
        @Override
        public String toString() {
            return name;
        }
    }

    static SafetensorsFile goldens;

    @BeforeAll
    static void open() throws Exception {
        goldens = SafetensorsFile.open(Path.of(OpGoldensTest.class.getResource("/goldens/ops.safetensors").toURI()));
    }

    @AfterAll
    static void close() {
        goldens.close();
    }

    static List<Case> cases() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(
                Path.of(OpGoldensTest.class.getResource("/goldens/ops.safetensors").toURI()))) {
            JsonNode list = new ObjectMapper().readTree(f.metadata().get("cases"));
            List<Case> out = new ArrayList<>();
            for (JsonNode c : list) {
                List<String> kinds = new ArrayList<>();
                c.get("inputs").forEach(k -> kinds.add(k.asText()));
                out.add(new Case(c.get("name").asText(), kinds, c.path("forward_only").asBoolean(false)));
            }
            return out;
        }
    }

    /** The case's inputs: floats as {@code floatType} (requiring grad unless forward-only), indices, masks. */
    static Tensor[] inputs(Case c, DType floatType) {
        Tensor[] in = new Tensor[c.inputKinds().size()];
        for (int k = 0; k < in.length; k++) {
            String key = c.name() + ".in" + k;
            in[k] = switch (c.inputKinds().get(k)) {
                case "float" -> {
                    Tensor t = Safetensors.read(goldens, key, floatType);
                    yield c.forwardOnly() ? t : t.requiresGrad(true);
                }
                case "int" -> Safetensors.read(goldens, key, DType.I64);
                case "mask" -> Safetensors.read(goldens, key, DType.BOOL);
                default -> throw new IllegalStateException(c.inputKinds().get(k));
            };
        }
        return in;
    }

    static void assertClose(String what, double[] expected, double[] actual, double rtol, double atol) {
        assertEquals(expected.length, actual.length, what + ": element count");
        for (int i = 0; i < expected.length; i++) {
            double tol = atol + rtol * Math.abs(expected[i]);
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol,
                    what + " [" + i + "]: PyTorch " + expected[i] + ", jgrad " + actual[i] + " (tolerance " + tol + ")");
        }
    }

    void check(Case c, DType floatType, double rtol, double atol) {
        Function<Tensor[], Tensor> fn = OpCases.CASES.get(c.name());
        assertNotNull(fn, "no jgrad version of case " + c.name());
        Tensor[] in = inputs(c, floatType);
        Tensor out = fn.apply(in);
        double[] expected = goldens.readDoubles(c.name() + ".out");
        assertArrayEquals(Safetensors.intShape(goldens.entry(c.name() + ".out")), out.shape(), c + ": output shape");
        assertClose(c + " forward (" + floatType + ")", expected, out.toDoubleArray(), rtol, atol);
        if (c.forwardOnly()) return;
        Tensor gout = Safetensors.read(goldens, c.name() + ".gout", floatType);
        out.backward(gout);
        for (int k = 0; k < in.length; k++) {
            if (!c.inputKinds().get(k).equals("float")) continue;
            double[] gExpected = goldens.readDoubles(c.name() + ".gin" + k);
            assertNotNull(in[k].grad(), c + ": no gradient for input " + k);
            assertClose(c + " grad of input " + k + " (" + floatType + ")", gExpected, in[k].grad().toDoubleArray(), rtol, atol);
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
        if (c.forwardOnly()) return;
        Tensor[] in = inputs(c, DType.F64);
        GradCheck.Result r = GradCheck.check(OpCases.CASES.get(c.name()), in);
        assertTrue(r.passed(), c + ": " + r.worst());
    }
}
