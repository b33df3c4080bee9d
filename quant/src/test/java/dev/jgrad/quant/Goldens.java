package dev.jgrad.quant;

import dev.jgrad.core.io.SafetensorsFile;

import java.nio.file.Path;

/** The fixtures written by quant/src/test/scripts/make_lora_goldens.py. */
public final class Goldens {

    private Goldens() {}

    /** A resource directory or file under {@code src/test/resources/lora}. */
    public static Path lora(String name) {
        try {
            return Path.of(Goldens.class.getResource("/lora/" + name).toURI());
        } catch (Exception e) {
            throw new IllegalStateException("missing test resource /lora/" + name, e);
        }
    }

    /** The golden tensors (PyTorch float64 results and their float32 inputs). */
    public static SafetensorsFile open() throws Exception {
        return SafetensorsFile.open(lora("lora_goldens.safetensors"));
    }

    /** A fixture of the transformer module's tests (read-only), e.g. {@code llama2c/model.bin}. */
    public static Path transformerGolden(String name) {
        return Path.of("..", "transformer", "src", "test", "resources", "goldens", name).toAbsolutePath().normalize();
    }

    /** Asserts |expected − actual| ≤ tol·(1 + |expected|) elementwise, naming the first miss. */
    public static void assertClose(double[] expected, float[] actual, double tol, String what) {
        org.junit.jupiter.api.Assertions.assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            if (!(Math.abs(e - actual[i]) <= tol * (1 + Math.abs(e))))
                org.junit.jupiter.api.Assertions.fail(what + ": element " + i + " is " + actual[i] + ", expected " + e + " (tolerance " + tol + ")");
        }
    }
}
