package dev.jgrad.nn;

import dev.jgrad.core.io.SafetensorsFile;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shared helpers for tests that replay PyTorch goldens. */
public final class Goldens {

    private Goldens() {}

    /** Opens a golden file from the test class path. */
    public static SafetensorsFile open(String resource) throws Exception {
        return SafetensorsFile.open(Path.of(Goldens.class.getResource(resource).toURI()));
    }

    /** |expected − actual| ≤ atol + rtol·|expected| element-wise, with the first failure named. */
    public static void assertClose(String what, double[] expected, double[] actual, double rtol, double atol) {
        assertEquals(expected.length, actual.length, what + ": element count");
        for (int i = 0; i < expected.length; i++) {
            double tol = atol + rtol * Math.abs(expected[i]);
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol,
                    what + " [" + i + "]: PyTorch " + expected[i] + ", jgrad " + actual[i] + " (tolerance " + tol + ")");
        }
    }
}
