package dev.jgrad.nn.init;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.nn.Goldens;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gains, fans, and the bounds and standard deviations of Xavier and Kaiming initialisation against
 * {@code torch.nn.init}'s own helpers (in the goldens' metadata), then the draws themselves.
 */
class InitTest {

    static JsonNode init;

    @BeforeAll
    static void load() throws Exception {
        try (SafetensorsFile f = Goldens.open("/goldens/nn.safetensors")) {
            init = new ObjectMapper().readTree(f.metadata().get("init"));
        }
    }

    static Init.Nonlinearity nl(String name) {
        return Init.Nonlinearity.valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }

    @Test
    void gainsMatchPytorch() {
        JsonNode g = init.get("gains");
        for (String name : new String[] {"linear", "conv1d", "sigmoid", "tanh", "relu", "selu", "leaky_relu"})
            assertEquals(g.get(name).asDouble(), Init.calculateGain(nl(name)), 1e-15, name);
        assertEquals(g.get("leaky_relu_0.2").asDouble(), Init.calculateGain(Init.Nonlinearity.LEAKY_RELU, 0.2), 1e-15);
        assertEquals(g.get("leaky_relu_sqrt5").asDouble(), Init.calculateGain(Init.Nonlinearity.LEAKY_RELU, Math.sqrt(5)), 1e-15);
    }

    @Test
    void fansMatchPytorch() {
        for (JsonNode f : init.get("fans")) {
            int[] shape = new ObjectMapper().convertValue(f.get("shape"), int[].class);
            Init.Fans fans = Init.fans(Tensor.zeros(shape));
            assertEquals(f.get("fan_in").asInt(), fans.fanIn(), f.toString());
            assertEquals(f.get("fan_out").asInt(), fans.fanOut(), f.toString());
        }
        assertThrows(IllegalArgumentException.class, () -> Init.fans(Tensor.zeros(5)));
    }

    @Test
    void kaimingStdAndBoundsMatchPytorchAndTheDrawsFollowThem() {
        for (JsonNode k : init.get("kaiming")) {
            int[] shape = new ObjectMapper().convertValue(k.get("shape"), int[].class);
            Init.FanMode mode = k.get("mode").asText().equals("fan_in") ? Init.FanMode.FAN_IN : Init.FanMode.FAN_OUT;
            Tensor t = Tensor.zeros(shape);
            double std = Init.kaimingStd(t, k.get("a").asDouble(), mode, nl(k.get("nonlinearity").asText()));
            assertEquals(k.get("std").asDouble(), std, 1e-15, k.toString());
            Init.kaimingUniform(t, k.get("a").asDouble(), mode, nl(k.get("nonlinearity").asText()), new Generator(1));
            checkUniform(t, k.get("bound").asDouble());
            Init.kaimingNormal(t, k.get("a").asDouble(), mode, nl(k.get("nonlinearity").asText()), new Generator(2));
            checkNormal(t, std);
        }
    }

    @Test
    void xavierBoundsMatchPytorchAndTheDrawsFollowThem() {
        for (JsonNode x : init.get("xavier")) {
            int[] shape = new ObjectMapper().convertValue(x.get("shape"), int[].class);
            Tensor t = Tensor.zeros(shape);
            Init.xavierUniform(t, x.get("gain").asDouble(), new Generator(3));
            checkUniform(t, x.get("bound").asDouble());
            Init.xavierNormal(t, x.get("gain").asDouble(), new Generator(4));
            checkNormal(t, x.get("std").asDouble());
        }
    }

    /** All within ±bound, and the sample variance of 1000+ draws near bound²/3. */
    static void checkUniform(Tensor t, double bound) {
        double[] v = t.toDoubleArray();
        double sq = 0, max = 0;
        for (double d : v) {
            sq += d * d;
            max = Math.max(max, Math.abs(d));
        }
        assertTrue(max <= bound, "max |w| " + max + " within " + bound);
        assertTrue(max > 0.95 * bound, "the range is used: " + max + " of " + bound);
        double var = bound * bound / 3;
        // relative standard error of a uniform sample variance: √(0.8/n) ≤ 2.9% for n ≥ 1000
        assertEquals(var, sq / v.length, 4 * Math.sqrt(0.8 / v.length) * var);
    }

    static void checkNormal(Tensor t, double std) {
        double[] v = t.toDoubleArray();
        double sq = 0;
        for (double d : v) sq += d * d;
        // relative standard error of a normal sample variance: √(2/n)
        assertEquals(std * std, sq / v.length, 4 * Math.sqrt(2.0 / v.length) * std * std);
    }

    @Test
    void plainFillsWorkInPlaceOnAnyFloatTypeWithoutRecordingAGraph() {
        Tensor p = Tensor.zeros(DType.F64, 3, 4).requiresGrad(true);
        Init.uniform(p, 2, 3, new Generator(1));
        for (double d : p.toDoubleArray()) assertTrue(d >= 2 && d < 3);
        assertTrue(p.isLeaf());
        Init.constant(p, 0.5);
        assertArrayEquals(new double[] {0.5, 0.5, 0.5}, java.util.Arrays.copyOf(p.toDoubleArray(), 3));
        Init.zeros(p);
        assertEquals(0, p.sum().item());
        Init.ones(p);
        assertEquals(12, p.sum().item());
        Init.normal(p, 10, 0, new Generator(1));
        assertEquals(120, p.sum().item(), 1e-12);
        assertNull(p.grad(), "initialisation records no gradient");
        double[] a = Init.normal(Tensor.zeros(5), 0, 1, new Generator(9)).toDoubleArray();
        double[] b = Init.normal(Tensor.zeros(5), 0, 1, new Generator(9)).toDoubleArray();
        assertArrayEquals(a, b, "same generator seed, same values");
    }
}
