package dev.jgrad.optim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.Safetensors;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Sequential;
import dev.jgrad.nn.Tanh;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Access to {@code optim.safetensors} (written by nn/src/test/scripts/make_nn_goldens.py) and shared checks. */
final class Goldens {

    private Goldens() {}

    static SafetensorsFile open() throws Exception {
        return SafetensorsFile.open(Path.of(Goldens.class.getResource("/goldens/optim.safetensors").toURI()));
    }

    static JsonNode meta(SafetensorsFile f, String key) throws Exception {
        return new ObjectMapper().readTree(f.metadata().get(key));
    }

    /** |expected − actual| ≤ atol + rtol·|expected| element-wise, naming the first failure. */
    static void assertClose(String what, double[] expected, double[] actual, double rtol, double atol) {
        assertEquals(expected.length, actual.length, what + ": element count");
        for (int i = 0; i < expected.length; i++) {
            double tol = atol + rtol * Math.abs(expected[i]);
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol,
                    what + " [" + i + "]: PyTorch " + expected[i] + ", jgrad " + actual[i] + " (tolerance " + tol + ")");
        }
    }

    /** The script's MLP, 4 → 16 → tanh → 3, with its float32 initial weights, in {@code dtype}. */
    static Sequential mlp(SafetensorsFile f, DType dtype) {
        Generator g = new Generator(0);
        Sequential m = new Sequential(new Linear(4, 16, true, g), new Tanh(), new Linear(16, 3, true, g));
        m.to(dtype);
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String k : m.stateDict().keySet()) state.put(k, Safetensors.read(f, "init." + k, dtype));
        m.loadStateDict(state, true);
        return m;
    }

    /** All parameters flattened and concatenated in state-dict order, as the script stores them. */
    static double[] flatParams(Sequential m) {
        List<Double> out = new ArrayList<>();
        for (Tensor p : m.parameters()) for (double d : p.toDoubleArray()) out.add(d);
        double[] a = new double[out.size()];
        for (int i = 0; i < a.length; i++) a[i] = out.get(i);
        return a;
    }
}
