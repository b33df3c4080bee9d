package dev.jgrad.examples.course;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.examples.course.exercises.Check05;
import dev.jgrad.examples.course.exercises.MySolution05;
import dev.jgrad.examples.course.solutions.Solution05;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Chapter05Test {

    @TempDir
    static Path dir;
    static String out;

    @BeforeAll
    static void runTheProgramOnce() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Chapter05.run(new PrintStream(bytes, true, StandardCharsets.UTF_8), dir);
        out = bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theChapterQuotesWhatItsProgramPrints() throws Exception {
        CourseText.assertQuotedOutput(5, out);
    }

    @Test
    void everyComparisonHolds() {
        assertFalse(out.contains("NO"), out);
        assertEquals(4, out.lines().filter(l -> l.endsWith(": yes")).count(), out);
    }

    @Test
    void causalWeightsAreLowerTriangularRowsSummingToOne() {
        Tensor q = Tensor.randn(new Generator(9), 1, 1, 5, 4).to(DType.F64), k = Tensor.randn(new Generator(10), 1, 1, 5, 4).to(DType.F64);
        Tensor w = Chapter05.weights(q, k, true).select(0, 0).select(0, 0);
        for (int i = 0; i < 5; i++) {
            double sum = 0;
            for (int j = 0; j < 5; j++) {
                if (j > i) assertEquals(0, w.get(i, j), 0);
                sum += w.get(i, j);
            }
            assertEquals(1, sum, 1e-12);
        }
    }

    /** LLaMA-2-7B's published figure: 0.5 MiB of KV cache per token in fp16 (2·32·4096·2 bytes). */
    @Test
    void kvCacheSizesMatchTheKnownFigure() {
        assertEquals(512L * 1024, Chapter05.kvCacheBytes(32, 32, 128, 1, 2));
        assertEquals(4L * 4096 * 4096, Chapter05.attentionParameters(4096, 32, 32, 128));
    }

    @Test
    void repeatHeadsPlacesCopiesNextToEachOther() {
        Tensor x = Tensor.of(new double[] {1, 2}, 1, 2, 1, 1);
        assertArrayEquals(new double[] {1, 1, 2, 2}, Chapter05.repeatHeads(x, 2).toDoubleArray(), 0);
    }

    @Test
    void theFigureIsAPng() throws Exception {
        byte[] png = Files.readAllBytes(dir.resolve("attention-map.png"));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
    }

    @Test
    void referenceSolutionsPassAndStubsFail() {
        assertEquals(List.of(), Check05.check(new Solution05()));
        List<String> stub = Check05.check(new MySolution05());
        assertEquals(3, stub.size(), stub.toString());
        assertTrue(stub.get(0).contains("exercise 5.1"), stub.toString());
    }
}
