package dev.jgrad.quant;

import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.jgrad.core.DType;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.core.io.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Byte-for-byte agreement with an independent numpy implementation of bitsandbytes' algorithm
 * (quant/src/test/scripts/make_nf4_fixture.py), whose results are stored in the bitsandbytes / Hugging Face
 * safetensors layout.
 */
class Bnb4bitFixtureTest {

    record Case(String name, QuantType type, int blocksize, boolean doubleQuant, DType dtype) {}

    static final Case[] CASES = {
            new Case("nf4_odd", QuantType.NF4, 64, false, DType.F32),
            new Case("nf4_dq", QuantType.NF4, 64, true, DType.BF16),
            new Case("nf4_dq_bs32", QuantType.NF4, 32, true, DType.F32),
            new Case("nf4_ties_zero", QuantType.NF4, 64, false, DType.F32),
            new Case("fp4_dq_odd", QuantType.FP4, 128, true, DType.F32),
            new Case("fp4_bs4096", QuantType.FP4, 4096, false, DType.F32),
    };

    @TempDir
    Path dir;

    static SafetensorsFile fixture() throws Exception {
        return SafetensorsFile.open(Path.of(Bnb4bitFixtureTest.class.getResource("/quant/bnb4bit_fixture.safetensors").toURI()));
    }

    @Test
    void dynamicMapMatches() throws Exception {
        try (SafetensorsFile f = fixture()) {
            assertArrayEquals(f.readFloats("dynamic_map"), DynamicMap.signed());
        }
    }

    @Test
    void readsTheBitsandbytesLayout() throws Exception {
        try (SafetensorsFile f = fixture()) {
            assertEquals(CASES.length, Bnb4bitFormat.quantizedWeights(f).size());
            for (Case c : CASES) {
                Quantized4bit q = Bnb4bitFormat.read(f, c.name + ".W");
                QuantState s = q.state();
                assertEquals(c.type, s.quantType(), c.name);
                assertEquals(c.blocksize, s.blocksize(), c.name);
                assertEquals(c.dtype, s.dtype(), c.name);
                assertEquals(c.doubleQuant, s.isDoubleQuantized(), c.name);
                assertArrayEquals(f.entry(c.name + ".input").shape(), s.shape(), c.name);
                assertArrayEquals(f.readFloats(c.name + ".dequant"), Blockwise4bit.dequantize(q), c.name);
            }
        }
    }

    @Test
    void quantizesByteForByte() throws Exception {
        try (SafetensorsFile f = fixture()) {
            for (Case c : CASES) {
                String w = c.name + ".W";
                float[] input = f.readFloats(c.name + ".input");
                Quantized4bit q = Blockwise4bit.quantize(input, f.entry(c.name + ".input").shape(), c.dtype, c.type, c.blocksize, c.doubleQuant);
                assertArrayEquals(f.readBytes(w), q.packed(), c.name + " packed nibbles");
                assertArrayEquals(f.readFloats(w + ".quant_map"), q.state().codebook(), c.name + " code book");
                if (c.doubleQuant) {
                    QuantState.DoubleQuant dq = q.state().doubleQuant();
                    assertArrayEquals(f.readBytes(w + ".absmax"), dq.absmax().codes(), c.name + " 8-bit absmax");
                    assertArrayEquals(f.readFloats(w + ".nested_absmax"), dq.absmax().absmax(), c.name + " nested absmax");
                    assertArrayEquals(f.readFloats(w + ".nested_quant_map"), dq.absmax().code(), c.name + " nested map");
                    float offset = Bnb4bitFormat.read(f, w).state().doubleQuant().offset();
                    assertEquals(Float.floatToIntBits(offset), Float.floatToIntBits(dq.offset()), c.name + " offset");
                } else {
                    assertArrayEquals(f.readFloats(w + ".absmax"), q.state().absmax(), c.name + " absmax");
                }
                assertArrayEquals(f.readFloats(c.name + ".dequant"), Blockwise4bit.dequantize(q), c.name + " dequantized");
            }
        }
    }

    @Test
    void blockwise8bitByteForByte() throws Exception {
        try (SafetensorsFile f = fixture()) {
            for (String name : new String[] {"q8_bs256", "q8_bs4096"}) {
                int bs = name.endsWith("256") ? 256 : 4096;
                Quantized8bit q = Blockwise8bit.quantize(f.readFloats(name + ".input"), bs);
                assertArrayEquals(f.readBytes(name + ".codes"), q.codes(), name);
                assertArrayEquals(f.readFloats(name + ".absmax"), q.absmax(), name);
                assertArrayEquals(f.readFloats(name + ".dequant"), q.dequantize(), name);
            }
        }
    }

    /** Writing what we read reproduces the fixture's tensors exactly and an equivalent quant_state JSON. */
    @Test
    void rewritesTheSameTensors() throws Exception {
        Path out = dir.resolve("rewrite.safetensors");
        try (SafetensorsFile f = fixture()) {
            SafetensorsWriter writer = new SafetensorsWriter();
            for (Case c : CASES) Bnb4bitFormat.write(writer, c.name + ".W", Bnb4bitFormat.read(f, c.name + ".W"));
            writer.write(out);
            JsonMapper json = JsonMapper.builder().build();
            try (SafetensorsFile r = SafetensorsFile.open(out)) {
                for (SafetensorsFile.Entry e : r.entries()) {
                    assertEquals(f.entry(e.name()).dtype(), e.dtype(), e.name());
                    assertArrayEquals(f.entry(e.name()).shape(), e.shape(), e.name());
                    if (e.name().contains(".quant_state.")) {
                        assertEquals(json.readTree(new String(f.readBytes(e.name()), StandardCharsets.UTF_8)),
                                json.readTree(new String(r.readBytes(e.name()), StandardCharsets.UTF_8)), e.name());
                    } else {
                        assertArrayEquals(f.readBytes(e.name()), r.readBytes(e.name()), e.name());
                    }
                }
            }
        }
    }
}
