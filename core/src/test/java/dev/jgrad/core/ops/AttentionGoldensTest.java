package dev.jgrad.core.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgrad.core.DType;
import dev.jgrad.core.GradCheck;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.backend.AttentionParams;
import dev.jgrad.core.backend.Backend;
import dev.jgrad.core.backend.ReferenceBackend;
import dev.jgrad.core.backend.VectorBackend;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attention and RoPE against PyTorch (goldens from {@code make_attention_goldens.py}): the op's forward and q/k/v
 * (or x) gradients on the float32 fast path and the float64 reference path, each backend's log-sum-exp, and a
 * finite-difference gradient check of every case.
 */
class AttentionGoldensTest {

    record AttentionCase(String name, boolean causal, boolean mask, Double scale) {
        @Override
        public String toString() {
            return name;
        }
    }

    record RopeCase(String name, RopeStyle style, double theta, Integer start) {
        @Override
        public String toString() {
            return name;
        }
    }

    static SafetensorsFile goldens;

    static Path path() throws Exception {
        return Path.of(AttentionGoldensTest.class.getResource("/goldens/attention.safetensors").toURI());
    }

    @BeforeAll
    static void open() throws Exception {
        goldens = SafetensorsFile.open(path());
    }

    @AfterAll
    static void close() {
        goldens.close();
    }

    static JsonNode metadata(String key) throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(path())) {
            return new ObjectMapper().readTree(f.metadata().get(key));
        }
    }

    static List<AttentionCase> attentionCases() throws Exception {
        List<AttentionCase> out = new ArrayList<>();
        for (JsonNode c : metadata("attention"))
            out.add(new AttentionCase(c.get("name").asText(), c.get("causal").asBoolean(), c.get("mask").asBoolean(),
                    c.get("scale").isNull() ? null : c.get("scale").asDouble()));
        return out;
    }

    static List<RopeCase> ropeCases() throws Exception {
        List<RopeCase> out = new ArrayList<>();
        for (JsonNode c : metadata("rope"))
            out.add(new RopeCase(c.get("name").asText(), RopeStyle.valueOf(c.get("style").asText()),
                    c.get("theta").asDouble(), c.get("start").isNull() ? null : c.get("start").asInt()));
        return out;
    }

    static void assertClose(String what, double[] expected, double[] actual, double rtol, double atol) {
        assertTrue(expected.length == actual.length, what + ": element count");
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == Double.NEGATIVE_INFINITY) {
                assertTrue(actual[i] == Double.NEGATIVE_INFINITY, what + " [" + i + "]: PyTorch -inf, jgrad " + actual[i]);
                continue;
            }
            double tol = atol + rtol * Math.abs(expected[i]);
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol,
                    what + " [" + i + "]: PyTorch " + expected[i] + ", jgrad " + actual[i] + " (tolerance " + tol + ")");
        }
    }

    static Tensor read(String key, DType type) {
        return Safetensors.read(goldens, key, type);
    }

    static AttentionOptions options(AttentionCase c) {
        AttentionOptions o = AttentionOptions.DEFAULT.withCausal(c.causal());
        if (c.mask()) o = o.withKeyPaddingMask(read(c.name() + ".mask", DType.BOOL));
        if (c.scale() != null) o = o.withScale(c.scale());
        return o;
    }

    void checkAttention(AttentionCase c, DType type, double rtol, double atol) {
        Tensor q = read(c.name() + ".q", type).requiresGrad(true), k = read(c.name() + ".k", type).requiresGrad(true),
                v = read(c.name() + ".v", type).requiresGrad(true);
        Tensor out = Attention.scaledDotProductAttention(q, k, v, options(c));
        assertArrayEquals(q.shape(), out.shape(), c + ": output shape");
        assertClose(c + " out (" + type + ")", goldens.readDoubles(c.name() + ".out"), out.toDoubleArray(), rtol, atol);
        out.backward(read(c.name() + ".gout", type));
        String[] grads = {"gq", "gk", "gv"};
        Tensor[] inputs = {q, k, v};
        for (int i = 0; i < 3; i++)
            assertClose(c + " " + grads[i] + " (" + type + ")", goldens.readDoubles(c.name() + "." + grads[i]),
                    inputs[i].grad().toDoubleArray(), rtol, atol);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attentionCases")
    void attentionFloat32MatchesPytorch(AttentionCase c) {
        checkAttention(c, DType.F32, 2e-5, 2e-5);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attentionCases")
    void attentionFloat64ReferenceMatchesPytorch(AttentionCase c) {
        checkAttention(c, DType.F64, 1e-11, 1e-12);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attentionCases")
    void logSumExpOfBothBackendsMatchesPytorch(AttentionCase c) {
        double[] expected = goldens.readDoubles(c.name() + ".lse");
        for (Backend be : List.of(new VectorBackend(), new ReferenceBackend())) {
            DType type = be instanceof VectorBackend ? DType.F32 : DType.F64;
            Tensor q = read(c.name() + ".q", type), k = read(c.name() + ".k", type), v = read(c.name() + ".v", type);
            int[] s = q.shape();
            Tensor out = Tensor.zeros(type, s), lse = Tensor.zeros(type, s[0], s[1], s[2]);
            AttentionOptions o = options(c);
            be.attentionForward(q, k, v, o.keyPaddingMask(), new AttentionParams(o.scaleFor(s[3]), c.causal(), 0, 0), out, lse);
            assertClose(c + " lse " + be.getClass().getSimpleName(), expected, lse.toDoubleArray(),
                    type == DType.F32 ? 2e-6 : 1e-12, type == DType.F32 ? 2e-6 : 1e-12);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attentionCases")
    void attentionGradientCheck(AttentionCase c) {
        Tensor q = read(c.name() + ".q", DType.F64).requiresGrad(true), k = read(c.name() + ".k", DType.F64).requiresGrad(true),
                v = read(c.name() + ".v", DType.F64).requiresGrad(true);
        AttentionOptions o = options(c);
        GradCheck.Result r = GradCheck.check(in -> Attention.scaledDotProductAttention(in[0], in[1], in[2], o), q, k, v);
        assertTrue(r.passed(), c + ": " + r.worst());
    }

    // ---- RoPE ------------------------------------------------------------------------------------

    static Function<Tensor, Tensor> rope(RopeCase c) {
        Tensor pos = read(c.name() + ".pos", DType.I64);
        return c.start() != null ? x -> Rope.apply(x, c.start(), c.theta(), c.style())
                : x -> Rope.apply(x, pos, c.theta(), c.style());
    }

    void checkRope(RopeCase c, DType type, double rtol, double atol) {
        Tensor x = read(c.name() + ".x", type).requiresGrad(true);
        Tensor out = rope(c).apply(x);
        assertClose(c + " out (" + type + ")", goldens.readDoubles(c.name() + ".out"), out.toDoubleArray(), rtol, atol);
        out.backward(read(c.name() + ".gout", type));
        assertClose(c + " gx (" + type + ")", goldens.readDoubles(c.name() + ".gx"), x.grad().toDoubleArray(), rtol, atol);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ropeCases")
    void ropeFloat32MatchesPytorch(RopeCase c) {
        checkRope(c, DType.F32, 2e-6, 2e-6);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ropeCases")
    void ropeFloat64ReferenceMatchesPytorch(RopeCase c) {
        checkRope(c, DType.F64, 1e-11, 1e-12);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ropeCases")
    void ropeGradientCheck(RopeCase c) {
        Function<Tensor, Tensor> f = rope(c);
        GradCheck.Result r = GradCheck.check(in -> f.apply(in[0]), read(c.name() + ".x", DType.F64).requiresGrad(true));
        assertTrue(r.passed(), c + ": " + r.worst());
    }
}
