package dev.jgrad.transformer;

import dev.jgrad.core.DType;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.Safetensors;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.transformer.gpt.GptModel;
import dev.jgrad.transformer.llama.LlamaModel;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PyTorch goldens of {@code make_model_goldens.py} ({@code goldens/models.safetensors}) and the models they
 * describe, with the comparison used by the model tests.
 */
public final class ModelGoldens {

    /** The script's GPT: vocab 64, 32 positions, C 32, 2 layers, 4 heads, biases, tied, GELU-tanh. */
    public static final GptConfig GPT = new GptConfig(64, 32, 32, 2, 4, 0.0, true, 1e-5, true, true);
    /** The script's LLaMA in HF layout: vocab 64, dim 48, 2 layers, 4 heads, 2 kv heads, hidden 128, untied. */
    public static final LlamaConfig LLAMA = new LlamaConfig(64, 48, 2, 4, 2, LlamaConfig.llama2cHiddenDim(48, 32), 1e-5,
            10000, RopeStyle.HALF, 32, false);

    private ModelGoldens() {}

    public static Path dir() throws Exception {
        return Path.of(ModelGoldens.class.getResource("/goldens/models.safetensors").toURI()).getParent();
    }

    /** Every tensor of the golden file whose name starts with {@code prefix + "."}, the prefix removed. */
    public static Map<String, Tensor> read(String prefix) throws Exception {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(dir().resolve("models.safetensors"))) {
            for (SafetensorsFile.Entry e : f.entries()) {
                if (!e.name().startsWith(prefix + ".")) continue;
                DType as = e.dtype() == DType.F32 ? DType.F32 : e.dtype().isFloatingPoint() ? DType.F64 : DType.I64;
                out.put(e.name().substring(prefix.length() + 1), Safetensors.read(f, e.name(), as));
            }
        }
        return out;
    }

    /** Tensors under {@code prefix + ".param."} as a state dict. */
    public static Map<String, Tensor> params(Map<String, Tensor> all) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        all.forEach((k, v) -> { if (k.startsWith("param.")) out.put(k.substring(6), v); });
        return out;
    }

    public static GptModel gpt() throws Exception {
        GptModel m = new GptModel(GPT, new dev.jgrad.core.Generator(1));
        m.loadStateDict(params(read("gpt")), true);
        return m;
    }

    public static LlamaModel llama() throws Exception {
        LlamaModel m = new LlamaModel(LLAMA, new dev.jgrad.core.Generator(1));
        m.loadStateDict(params(read("llama")), true);
        return m;
    }

    /**
     * {@code |actual − expected| ≤ rtol·(|expected| + max|expected|)} element-wise: a relative error of {@code rtol}
     * measured against the larger of the element and the tensor's scale, so values that cancel to near zero are not
     * held to a tighter absolute standard than their neighbours. The first failure is named.
     */
    public static void assertClose(String what, Tensor expected, Tensor actual, double rtol) {
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        assertEquals(e.length, a.length, what + ": element count");
        double scale = 0;
        for (double v : e) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < e.length; i++) {
            double tol = rtol * (Math.abs(e[i]) + scale);
            assertTrue(Math.abs(e[i] - a[i]) <= tol, what + " [" + i + "]: PyTorch " + e[i] + ", jgrad " + a[i]
                    + " (tolerance " + tol + ")");
        }
    }

    /** The largest {@code |a − e| / max|e|}, for reporting. */
    public static double maxRelError(Tensor expected, Tensor actual) {
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        double scale = 0, err = 0;
        for (double v : e) scale = Math.max(scale, Math.abs(v));
        for (int i = 0; i < e.length; i++) err = Math.max(err, Math.abs(e[i] - a[i]));
        return err / scale;
    }
}
