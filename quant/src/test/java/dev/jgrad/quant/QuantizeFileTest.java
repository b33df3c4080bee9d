package dev.jgrad.quant;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.core.io.SafetensorsFormatException;
import dev.jgrad.core.io.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** The streaming quantizer against the numpy bitsandbytes fixture, and what it copies and refuses. */
class QuantizeFileTest {

    @TempDir
    Path tmp;

    @Test
    void writesBitsandbytesBytesForABf16Weight() throws Exception {
        Path in = tmp.resolve("in.safetensors"), out = tmp.resolve("out.safetensors");
        try (SafetensorsFile fixture = Bnb4bitFixtureTest.fixture()) {
            long[] shape = fixture.entry("nf4_dq.input").shape();
            // The fixture's input is bf16-exact: stored as BF16 it is the tensor bitsandbytes quantized.
            new SafetensorsWriter().metadata(Map.of("format", "pt"))
                    .add("layer.weight", DType.BF16, shape, fixture.readFloats("nf4_dq.input"))
                    .add("norm.weight", DType.F32, new long[] {5}, new float[] {1, 2, 3, 4, 5})
                    .addLongs("position_ids", new long[] {3}, new long[] {0, 1, 2})
                    .write(in);
            QuantizeFile.Summary s = QuantizeFile.quantize(in, out, QuantSpec.qlora(), null);
            assertEquals(1, s.quantized());
            assertEquals(2, s.copied());
            try (SafetensorsFile q = SafetensorsFile.open(out)) {
                for (String piece : new String[] {"", ".absmax", ".quant_map", ".nested_absmax", ".nested_quant_map",
                        ".quant_state.bitsandbytes__nf4"}) {
                    assertEquals(fixture.entry("nf4_dq.W" + piece).dtype(), q.entry("layer.weight" + piece).dtype(), piece);
                    assertArrayEquals(fixture.entry("nf4_dq.W" + piece).shape(), q.entry("layer.weight" + piece).shape(), piece);
                    assertArrayEquals(fixture.readBytes("nf4_dq.W" + piece), q.readBytes("layer.weight" + piece), "bytes of " + piece);
                }
                assertArrayEquals(new float[] {1, 2, 3, 4, 5}, q.readFloats("norm.weight"));
                assertArrayEquals(new long[] {0, 1, 2}, q.readLongs("position_ids"));
                assertEquals("pt", q.metadata().get("format"));
                assertArrayEquals(fixture.readFloats("nf4_dq.dequant"), Blockwise4bit.dequantize(Bnb4bitFormat.read(q, "layer.weight")));
            }
        }
    }

    @Test
    void quantizesOnlyWhatTheIncludePatternNamesAndLoadsAsLinear4bit() throws Exception {
        Path in = tmp.resolve("in.safetensors"), out = tmp.resolve("out.safetensors");
        Generator g = new Generator(5);
        float[] q = Tensor.randn(g, 96, 64).toFloatArray(), k = Tensor.randn(g, 32, 64).toFloatArray();
        float[] emb = Tensor.randn(g, 10, 64).toFloatArray(), bias = Tensor.randn(g, 96).toFloatArray();
        new SafetensorsWriter()
                .add("model.embed_tokens.weight", DType.F32, new long[] {10, 64}, emb)
                .add("model.layers.0.self_attn.q_proj.weight", DType.F32, new long[] {96, 64}, q)
                .add("model.layers.0.self_attn.q_proj.bias", DType.F32, new long[] {96}, bias)
                .add("model.layers.0.self_attn.k_proj.weight", DType.F16, new long[] {32, 64}, k)
                .write(in);
        QuantSpec fp4 = QuantSpec.of("fp4", 128, false);
        QuantizeFile.Summary s = QuantizeFile.quantize(in, out, fp4, Pattern.compile("_proj\\.weight$"));
        assertEquals(2, s.quantized());
        assertEquals(96 * 64 + 32 * 64, s.quantizedParameters());
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            assertEquals(DType.F32, f.entry("model.embed_tokens.weight").dtype(), "not matched: copied");
            Linear4bit layer = Linear4bit.read(f, "model.layers.0.self_attn.q_proj");
            assertArrayEquals(fp4.quantize(q, new long[] {96, 64}).packed(), layer.weight().packed());
            assertArrayEquals(bias, layer.bias().toFloatArray());
            Quantized4bit kq = Bnb4bitFormat.read(f, "model.layers.0.self_attn.k_proj.weight");
            assertEquals(DType.F16, kq.state().dtype(), "the source dtype is recorded");
        }
        // Quantizing the output again: the 4-bit pieces (U8 and 1-D) are copied; only the float embedding is left to do.
        QuantizeFile.Summary again = QuantizeFile.quantize(out, tmp.resolve("twice.safetensors"), fp4, null);
        assertEquals(1, again.quantized());
        try (SafetensorsFile f = SafetensorsFile.open(tmp.resolve("twice.safetensors"))) {
            assertEquals(3, Bnb4bitFormat.quantizedWeights(f).size());
            assertArrayEquals(fp4.quantize(q, new long[] {96, 64}).packed(), f.readBytes("model.layers.0.self_attn.q_proj.weight"));
        }
    }

    @Test
    void aQuantStateThatDisagreesWithItsTensorsIsRefused() throws Exception {
        Path in = tmp.resolve("in.safetensors"), out = tmp.resolve("out.safetensors"), bad = tmp.resolve("bad.safetensors");
        new SafetensorsWriter().add("w.weight", DType.F32, new long[] {8, 64}, Tensor.randn(new Generator(1), 8, 64).toFloatArray()).write(in);
        QuantizeFile.quantize(in, out, QuantSpec.qlora(), null);
        // Copy the file, with a quant_state that claims a larger shape than the packed bytes hold.
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            for (SafetensorsFile.Entry e : f.entries()) {
                byte[] bytes = f.readBytes(e.name());
                if (e.name().contains(".quant_state.")) {
                    bytes = new String(bytes, StandardCharsets.UTF_8).replace("[8, 64]", "[16, 64]").getBytes(StandardCharsets.UTF_8);
                    w.addBytes(e.name(), DType.U8, new long[] {bytes.length}, bytes);
                } else {
                    w.addBytes(e.name(), e.dtype(), e.shape(), bytes);
                }
            }
        }
        w.write(bad);
        try (SafetensorsFile f = SafetensorsFile.open(bad)) {
            SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> Linear4bit.read(f, "w"));
            assertTrue(e.getMessage().contains("4-bit weight \"w.weight\"") && e.getMessage().contains("packs into 512 bytes")
                    && e.getMessage().contains("holds 256"), e.getMessage());
        }
    }
}
