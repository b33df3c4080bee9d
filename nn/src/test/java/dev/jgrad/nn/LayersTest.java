package dev.jgrad.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.SafetensorsFile;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Layer behaviour the goldens cannot carry: default initialisation, dropout masks, paths in errors. */
class LayersTest {

    /** A model shaped like Hugging Face's LLaMA, to give layers deep paths. */
    static final class Mlp extends Module {
        Mlp() {
            registerModule("up_proj", new Linear(64, 256, false, new Generator(1)));
        }
    }

    static final class Block extends Module {
        Block() {
            registerModule("mlp", new Mlp());
        }
    }

    static final class Inner extends Module {
        Inner() {
            registerModule("layers", new ModuleList(new Block(), new Block()));
        }
    }

    static final class Root extends Module {
        Root() {
            registerModule("model", new Inner());
        }
    }

    @Test
    void linearGivenTheWrongWidthNamesItsPathAndBothShapes() {
        Root root = new Root();
        Linear up = (Linear) root.module("model.layers.0.mlp.up_proj");
        assertEquals("model.layers.0.mlp.up_proj", up.path());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> up.forward(Tensor.zeros(2, 8, 32)));
        assertEquals("model.layers.0.mlp.up_proj (Linear in=64, out=256): input of shape [2, 8, 32] has 32 features,"
                + " expected 64", e.getMessage());
    }

    @Test
    void replacedModulesTakeOverThePath() {
        Root root = new Root();
        Linear old = (Linear) root.module("model.layers.1.mlp.up_proj");
        Linear fresh = new Linear(64, 256, false, new Generator(9));
        assertEquals("", fresh.path());
        assertSame(old, root.replaceModule("model.layers.1.mlp.up_proj", fresh));
        assertEquals("model.layers.1.mlp.up_proj", fresh.path());
        assertEquals("", old.path(), "the detached module is a root again");
        assertSame(fresh, ((ModuleList) root.module("model.layers")).<Block>get(1).module("mlp.up_proj"));
    }

    @Test
    void normsAndEmbeddingNameTheirPathOnBadInput() {
        Sequential s = new Sequential(new LayerNorm(8), new RMSNorm(8), new Embedding(5, 3, new Generator(1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.<LayerNorm>get(0).forward(Tensor.zeros(2, 7)));
        assertEquals("0 (LayerNorm 8): input of shape [2, 7] has 7 features, expected 8", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.<RMSNorm>get(1).forward(Tensor.zeros(3)));
        assertEquals("1 (RMSNorm 8): input of shape [3] has 3 features, expected 8", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.<Embedding>get(2).forward(Tensor.of(new long[] {0, 5})));
        assertEquals("2 (Embedding 5, 3): id 5 at position 1 of ids [2] is out of range [0, 5)", e.getMessage());
    }

    @Test
    void linearDefaultInitIsPytorchsKaimingUniform() throws Exception {
        JsonNode lin;
        try (SafetensorsFile f = Goldens.open("/goldens/nn.safetensors")) {
            lin = new ObjectMapper().readTree(f.metadata().get("init")).get("linear_256");
        }
        double bound = lin.get("weight_abs_max_le").asDouble();       // 1/sqrt(256) from PyTorch
        Linear l = new Linear(256, 100, true, new Generator(7));
        float[] w = l.weight().toFloatArray(), b = l.bias().toFloatArray();
        double max = 0, sumSq = 0;
        for (float v : w) {
            max = Math.max(max, Math.abs(v));
            sumSq += v * v;
        }
        assertTrue(max <= bound, "weights within ±1/√fan_in");
        assertTrue(max > 0.99 * bound, "the bound is reached (uniform, not a narrower distribution): " + max);
        // U(−b, b) has variance b²/3; with 25600 draws the sample variance is within 2% with overwhelming odds
        double var = sumSq / w.length;
        assertEquals(bound * bound / 3, var, 0.02 * bound * bound / 3);
        for (float v : b) assertTrue(Math.abs(v) <= lin.get("bias_abs_max_le").asDouble());
        assertTrue(Arrays.stream(toDoubles(b)).distinct().count() > 90, "bias is drawn, not constant");
    }

    @Test
    void initialisationIsDeterministicPerGeneratorAndDiffersAcrossSeeds() {
        float[] a = new Linear(8, 4, true, new Generator(3)).weight().toFloatArray();
        float[] b = new Linear(8, 4, true, new Generator(3)).weight().toFloatArray();
        float[] c = new Linear(8, 4, true, new Generator(4)).weight().toFloatArray();
        assertArrayEquals(a, b);
        assertNotEquals(Arrays.toString(a), Arrays.toString(c));
    }

    @Test
    void embeddingIsStandardNormalAndNormsStartAtIdentity() {
        float[] e = new Embedding(1000, 50, new Generator(11)).weight().toFloatArray();
        double mean = 0, sq = 0;
        for (float v : e) mean += v;
        mean /= e.length;
        for (float v : e) sq += (v - mean) * (v - mean);
        double std = Math.sqrt(sq / e.length);
        // 50000 N(0,1) draws: standard error of the mean 0.0045, of the std 0.0032
        assertEquals(0, mean, 0.02);
        assertEquals(1, std, 0.015);
        LayerNorm ln = new LayerNorm(6);
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, ln.weight().toFloatArray());
        assertArrayEquals(new float[6], ln.bias().toFloatArray());
        assertArrayEquals(new float[] {1, 1, 1}, new RMSNorm(3).weight().toFloatArray());
    }

    @Test
    void dropoutZeroesAboutPAndScalesSurvivorsInTrainingOnly() {
        Dropout d = new Dropout(0.3, new Generator(21));
        Tensor x = Tensor.full(2.0, 100, 100).requiresGrad(true);
        Tensor y = d.forward(x);
        float[] v = y.toFloatArray();
        int zeros = 0;
        for (float f : v) {
            if (f == 0) zeros++;
            else assertEquals(2.0 / 0.7, f, 1e-6, "survivors scaled by 1/(1 − p)");
        }
        // 10000 Bernoulli(0.3) draws: standard deviation 46
        assertEquals(3000, zeros, 200);
        y.sum().backward();
        float[] g = x.grad().toFloatArray();
        for (int i = 0; i < v.length; i++) assertEquals(v[i] == 0 ? 0.0 : 1 / 0.7, g[i], 1e-6, "gradient is the mask");

        d.eval();
        Tensor e1 = d.forward(x), e2 = d.forward(x);
        assertSame(x, e1, "evaluation mode passes the input through");
        assertArrayEquals(e1.toFloatArray(), e2.toFloatArray());

        Dropout a = new Dropout(0.5, new Generator(5)), b = new Dropout(0.5, new Generator(5));
        Tensor in = Tensor.ones(50);
        assertArrayEquals(a.forward(in).toFloatArray(), b.forward(in).toFloatArray(), "same seed, same mask");
        assertNotEquals(Arrays.toString(a.forward(in).toFloatArray()), Arrays.toString(b.forward(Tensor.ones(51)).toFloatArray()));
        assertArrayEquals(new float[4], new Dropout(1.0, new Generator(1)).forward(Tensor.ones(4)).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5));
    }

    @Test
    void sequentialChainsForwardModulesAndNamesThemByPosition() {
        Sequential s = new Sequential(new Linear(3, 4, true, new Generator(1)), new ReLU(), new Linear(4, 2, true, new Generator(2)));
        assertEquals(java.util.List.of("0.weight", "0.bias", "2.weight", "2.bias"), java.util.List.copyOf(s.namedParameters().keySet()));
        Tensor x = Tensor.randn(new Generator(3), 5, 3);
        Tensor manual = s.<Linear>get(2).forward(s.<Linear>get(0).forward(x).relu());
        assertArrayEquals(manual.toFloatArray(), s.forward(x).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> s.add(new ModuleList()));
        ModuleList list = new ModuleList(new ReLU(), new Tanh());
        assertEquals(2, list.size());
        int n = 0;
        for (Module m : list) n += m instanceof Forward ? 1 : 0;
        assertEquals(2, n);
        assertTrue(list.get(1) instanceof Tanh);
    }

    @Test
    void moduleToFloat64ConvertsParametersInPlace() {
        Linear l = new Linear(3, 2, true, new Generator(1));
        Tensor w = l.weight();
        float[] before = w.toFloatArray();
        l.to(dev.jgrad.core.DType.F64);
        assertSame(w, l.weight());
        assertEquals(dev.jgrad.core.DType.F64, w.dtype());
        assertArrayEquals(toDoubles(before), w.toDoubleArray());
        assertTrue(w.requiresGrad());
    }

    @Test
    void reprOfANestedModelIsATree() {
        Sequential s = new Sequential(new Linear(2, 3, true, new Generator(1)), new Dropout(0.1, new Generator(1)),
                new GELU("tanh"), new Softmax(-1));
        assertEquals("Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)\n  (1): Dropout(p=0.1, inplace=False)\n"
                + "  (2): GELU(approximate='tanh')\n  (3): Softmax(dim=-1)\n)", s.toString());
        assertEquals("LayerNorm((768,), eps=0.0001, elementwise_affine=True)", new LayerNorm(768, 1e-4, true, true).toString());
        assertEquals("RMSNorm((8,), eps=1e-05, elementwise_affine=False)", new RMSNorm(8, 1e-5, false).toString());
        Map<String, Tensor> none = new LayerNorm(4, 1e-5, false, false).namedParameters();
        assertTrue(none.isEmpty());
    }

    static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
