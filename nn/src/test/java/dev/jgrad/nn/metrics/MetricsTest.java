package dev.jgrad.nn.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgrad.nn.metrics.Metrics.Average;
import java.io.IOException;
import java.io.InputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MetricsTest {

    private static final double TOLERANCE = 1e-12;

    // ---- hand-computed ---------------------------------------------------------------------------

    /**
     * yTrue = [0,0,1,1,2,2], yPred = [0,1,1,1,0,2]. Confusion rows (true) = [[1,1,0],[0,2,0],[1,0,1]].
     * TP = 1,2,1; predicted = 2,3,1; support = 2,2,2.
     * precision = 1/2, 2/3, 1; recall = 1/2, 1, 1/2; F1 = 1/2, 4/5, 2/3.
     */
    private static final int[] TRUE = {0, 0, 1, 1, 2, 2};
    private static final int[] PRED = {0, 1, 1, 1, 0, 2};

    @Test
    void handComputedThreeClassCase() {
        ConfusionMatrix m = ConfusionMatrix.of(TRUE, PRED, 3);
        assertArrayEquals(new long[][] {{1, 1, 0}, {0, 2, 0}, {1, 0, 1}}, m.toArray());
        assertEquals(4.0 / 6, Metrics.accuracy(TRUE, PRED), TOLERANCE);
        assertArrayEquals(new double[] {0.5, 2.0 / 3, 1.0}, Metrics.precisionPerClass(m), TOLERANCE);
        assertArrayEquals(new double[] {0.5, 1.0, 0.5}, Metrics.recallPerClass(m), TOLERANCE);
        assertArrayEquals(new double[] {0.5, 0.8, 2.0 / 3}, Metrics.f1PerClass(m), TOLERANCE);
        assertEquals((0.5 + 2.0 / 3 + 1) / 3, Metrics.precision(m, Average.MACRO), TOLERANCE);
        assertEquals((0.5 + 0.8 + 2.0 / 3) / 3, Metrics.f1(m, Average.MACRO), TOLERANCE);
        // Equal supports: weighted = macro. Micro = accuracy for single-label data.
        assertEquals(Metrics.recall(m, Average.MACRO), Metrics.recall(m, Average.WEIGHTED), TOLERANCE);
        assertEquals(4.0 / 6, Metrics.precision(m, Average.MICRO), TOLERANCE);
        assertEquals(4.0 / 6, Metrics.f1(m, Average.MICRO), TOLERANCE);
        assertEquals(1, m.falsePositives(0)); // column 0 holds 2 predictions, 1 correct
        assertEquals(0, m.falseNegatives(1));
    }

    @Test
    void zeroDivisionGivesZeroLikeScikitLearn() {
        // Class 1 never occurs and is never predicted: precision 0/0, recall 0/0, F1 all 0.
        ConfusionMatrix m = ConfusionMatrix.of(new int[] {0, 0}, new int[] {0, 0}, 2);
        assertArrayEquals(new double[] {1, 0}, Metrics.precisionPerClass(m), 0);
        assertArrayEquals(new double[] {1, 0}, Metrics.recallPerClass(m), 0);
        assertArrayEquals(new double[] {1, 0}, Metrics.f1PerClass(m), 0);
        assertEquals(0.5, Metrics.f1(m, Average.MACRO), 0);
        assertEquals(1.0, Metrics.f1(m, Average.WEIGHTED), 0);
    }

    @Test
    void regressionAndPerplexityByHand() {
        assertEquals(4.0 / 3, Metrics.mse(new double[] {1, 2, 3}, new double[] {1, 2, 5}), TOLERANCE);
        assertEquals(2.0 / 3, Metrics.mae(new double[] {1, 2, 3}, new double[] {1, 2, 5}), TOLERANCE);
        assertEquals(0.25, Metrics.mse(new float[] {0.5f, -0.5f}, new float[] {0f, -1f}), TOLERANCE);
        assertEquals(4.0, Metrics.perplexity(Math.log(4)), 1e-12);
        assertEquals(10.0, Metrics.perplexity(3 * Math.log(10), 3), 1e-12);
        assertEquals(Math.exp(1.5), Metrics.perplexity(new double[] {1, 2}), 1e-12);
        assertEquals(1.0, Metrics.perplexity(0.0), 0);
    }

    // ---- scikit-learn fixture --------------------------------------------------------------------

    private static JsonNode fixture() throws IOException {
        try (InputStream in = MetricsTest.class.getResourceAsStream("sklearn_metrics.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    static Stream<JsonNode> classificationCases() throws IOException {
        return Stream.iterate(fixture().get("classification").elements(), it -> it.hasNext(), it -> it).map(it -> it.next());
    }

    @ParameterizedTest(name = "{index}: sklearn case")
    @MethodSource("classificationCases")
    void classificationMatchesScikitLearn(JsonNode c) {
        int[] yTrue = ints(c.get("yTrue"));
        int[] yPred = ints(c.get("yPred"));
        ConfusionMatrix m = ConfusionMatrix.of(yTrue, yPred, c.get("numClasses").asInt());
        String name = c.get("name").asText();
        JsonNode confusion = c.get("confusion");
        for (int i = 0; i < m.numClasses(); i++)
            for (int j = 0; j < m.numClasses(); j++)
                assertEquals(confusion.get(i).get(j).asLong(), m.count(i, j), name + " confusion[" + i + "][" + j + "]");
        assertEquals(c.get("accuracy").asDouble(), Metrics.accuracy(yTrue, yPred), TOLERANCE, name);
        check(name, "precision", c.get("precision"), Metrics.precisionPerClass(m),
                Metrics.precision(m, Average.MACRO), Metrics.precision(m, Average.MICRO), Metrics.precision(m, Average.WEIGHTED));
        check(name, "recall", c.get("recall"), Metrics.recallPerClass(m),
                Metrics.recall(m, Average.MACRO), Metrics.recall(m, Average.MICRO), Metrics.recall(m, Average.WEIGHTED));
        check(name, "f1", c.get("f1"), Metrics.f1PerClass(m),
                Metrics.f1(m, Average.MACRO), Metrics.f1(m, Average.MICRO), Metrics.f1(m, Average.WEIGHTED));
    }

    private static void check(String name, String metric, JsonNode expected, double[] perClass,
                              double macro, double micro, double weighted) {
        assertArrayEquals(doubles(expected.get("perClass")), perClass, TOLERANCE, name + " " + metric + " per class");
        assertEquals(expected.get("macro").asDouble(), macro, TOLERANCE, name + " " + metric + " macro");
        assertEquals(expected.get("micro").asDouble(), micro, TOLERANCE, name + " " + metric + " micro");
        assertEquals(expected.get("weighted").asDouble(), weighted, TOLERANCE, name + " " + metric + " weighted");
    }

    @Test
    void regressionMatchesScikitLearn() throws IOException {
        JsonNode r = fixture().get("regression");
        double[] y = doubles(r.get("yTrue")), yHat = doubles(r.get("yPred"));
        assertEquals(57, y.length);
        assertEquals(r.get("mse").asDouble(), Metrics.mse(y, yHat), 1e-14);
        assertEquals(r.get("mae").asDouble(), Metrics.mae(y, yHat), 1e-14);
    }

    @Test
    void perplexityMatchesNumpy() throws IOException {
        JsonNode p = fixture().get("perplexity");
        double expected = p.get("perplexity").asDouble();
        assertEquals(expected, Metrics.perplexity(doubles(p.get("nll"))), expected * 1e-13);
        assertEquals(expected, Metrics.perplexity(p.get("sum").asDouble(), p.get("count").asLong()), expected * 1e-13);
    }

    // ---- bad input -------------------------------------------------------------------------------

    @Test
    void badInputIsRejectedClearly() {
        assertEquals("arrays differ in length: 2 vs 3", assertThrows(IllegalArgumentException.class,
                () -> Metrics.accuracy(new int[2], new int[3])).getMessage());
        assertEquals("no samples: arrays are empty", assertThrows(IllegalArgumentException.class,
                () -> ConfusionMatrix.of(new int[0], new int[0], 2)).getMessage());
        assertEquals("yPred[1] = 3 is outside [0, 3)", assertThrows(IllegalArgumentException.class,
                () -> ConfusionMatrix.of(new int[] {0, 1}, new int[] {0, 3}, 3)).getMessage());
        assertEquals("yTrue[0] = -1 is outside [0, 3)", assertThrows(IllegalArgumentException.class,
                () -> ConfusionMatrix.of(new int[] {-1}, new int[] {0}, 3)).getMessage());
        assertEquals("numClasses must be positive, got 0", assertThrows(IllegalArgumentException.class,
                () -> ConfusionMatrix.of(new int[] {0}, new int[] {0}, 0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Metrics.mse(new double[1], new double[2]));
        assertThrows(IllegalArgumentException.class, () -> Metrics.mae(new double[0], new double[0]));
        assertEquals("token count must be positive, got 0", assertThrows(IllegalArgumentException.class,
                () -> Metrics.perplexity(1.0, 0)).getMessage());
        assertEquals("mean NLL must be finite and >= 0, got NaN", assertThrows(IllegalArgumentException.class,
                () -> Metrics.perplexity(Double.NaN)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Metrics.perplexity(-0.5));
        assertThrows(IllegalArgumentException.class, () -> Metrics.perplexity(new double[0]));
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asDouble();
        return out;
    }
}
