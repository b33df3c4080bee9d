package dev.jgrad.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.Safetensors;
import dev.jgrad.core.io.SafetensorsFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static java.util.Map.entry;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Every layer against the PyTorch module of the same name: the state dict loads under PyTorch's keys
 * (strictly), the forward output, the input gradient and every parameter gradient match, in float32 and in
 * float64, and the printed form equals PyTorch's {@code repr}.
 */
class LayerGoldensTest {

    record Case(String name, List<String> stateKeys, boolean intInput, String repr) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final Map<String, Supplier<Module>> LAYERS = Map.ofEntries(
            entry("Linear", () -> new Linear(5, 4, true, new Generator(1))),
            entry("Linear_nobias", () -> new Linear(6, 2, false, new Generator(2))),
            entry("Embedding", () -> new Embedding(10, 4, new Generator(3))),
            entry("LayerNorm", () -> new LayerNorm(12)),
            entry("LayerNorm_eps", () -> new LayerNorm(7, 1e-2, false, false)),
            entry("ReLU", ReLU::new),
            entry("GELU", GELU::new),
            entry("GELU_tanh", () -> new GELU("tanh")),
            entry("SiLU", SiLU::new),
            entry("Tanh", Tanh::new),
            entry("Sigmoid", Sigmoid::new),
            entry("Softmax_last", () -> new Softmax(-1)),
            entry("Softmax_dim0", () -> new Softmax(0)),
            entry("Dropout_eval", () -> new Dropout(0.5, new Generator(4)).eval()),
            entry("Sequential_mlp", () -> {
                Generator g = new Generator(5);
                return new Sequential(new Linear(3, 8, true, g), new ReLU(), new Linear(8, 8, true, g), new Tanh(),
                        new Linear(8, 2, true, g));
            }),
            entry("RMSNorm", () -> new RMSNorm(10, 1e-6, true)));

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
            for (JsonNode c : new ObjectMapper().readTree(f.metadata().get("layers"))) {
                List<String> keys = new ArrayList<>();
                c.get("state").forEach(k -> keys.add(k.asText()));
                out.add(new Case(c.get("name").asText(), keys, c.get("int_input").asBoolean(), c.get("repr").asText()));
            }
            return out;
        }
    }

    void check(Case c, DType dtype, double rtol, double atol) {
        Module layer = LAYERS.get(c.name()).get().to(dtype);
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (String k : c.stateKeys()) state.put(k, Safetensors.read(goldens, c.name() + ".state." + k, dtype));
        layer.loadStateDict(state, true);
        Tensor x = c.intInput() ? Safetensors.read(goldens, c.name() + ".in0", DType.I64)
                : Safetensors.read(goldens, c.name() + ".in0", dtype).requiresGrad(true);
        Tensor out = ((Forward) layer).forward(x);
        assertArrayEquals(Safetensors.intShape(goldens.entry(c.name() + ".out")), out.shape(), c + ": output shape");
        Goldens.assertClose(c + " forward (" + dtype + ")", goldens.readDoubles(c.name() + ".out"), out.toDoubleArray(), rtol, atol);
        out.backward(Safetensors.read(goldens, c.name() + ".gout", dtype));
        if (!c.intInput())
            Goldens.assertClose(c + " input grad (" + dtype + ")", goldens.readDoubles(c.name() + ".gin0"),
                    x.grad().toDoubleArray(), rtol, atol);
        Map<String, Tensor> params = layer.namedParameters();
        assertEquals(c.stateKeys(), new ArrayList<>(params.keySet()), c + ": parameter names as PyTorch's");
        for (String k : c.stateKeys()) {
            assertNotNull(params.get(k).grad(), c + ": no gradient for " + k);
            Goldens.assertClose(c + " grad of " + k + " (" + dtype + ")", goldens.readDoubles(c.name() + ".grad." + k),
                    params.get(k).grad().toDoubleArray(), rtol, atol);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void float32MatchesPytorch(Case c) {
        check(c, DType.F32, 2e-5, 2e-5);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void float64MatchesPytorch(Case c) {
        check(c, DType.F64, 1e-11, 1e-12);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void printsLikePytorch(Case c) {
        // PyTorch 1.13 has no RMSNorm (the goldens use a reference module); expect torch.nn.RMSNorm's (2.4) repr.
        String expected = c.repr().startsWith("RMSNormRef") ? "RMSNorm((10,), eps=1e-06, elementwise_affine=True)" : c.repr();
        assertEquals(expected, LAYERS.get(c.name()).get().toString());
    }
}
