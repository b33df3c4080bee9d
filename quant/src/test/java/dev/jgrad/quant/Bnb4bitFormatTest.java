package dev.jgrad.quant;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.core.io.SafetensorsFormatException;
import dev.jgrad.core.io.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class Bnb4bitFormatTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsPlainAndDoubleQuantized() throws Exception {
        float[] x = Blockwise4bitTest.gaussian(new Generator(21), 37 * 50);
        Quantized4bit plain = Blockwise4bit.quantize(x, new long[] {37, 50}, DType.BF16, QuantType.FP4, 128, false);
        Quantized4bit dq = Blockwise4bit.quantize(x, new long[] {37, 50}, QuantType.NF4, 64, true);
        Path path = dir.resolve("w.safetensors");
        SafetensorsWriter w = new SafetensorsWriter();
        Bnb4bitFormat.write(w, "layer.plain", plain);
        Bnb4bitFormat.write(w, "layer.dq", dq);
        w.write(path);
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            assertEquals(List.of("layer.plain", "layer.dq"), Bnb4bitFormat.quantizedWeights(f));
            assertEquals(List.of("layer.plain", "layer.plain.absmax", "layer.plain.quant_map",
                    "layer.plain.quant_state.bitsandbytes__fp4", "layer.dq", "layer.dq.absmax", "layer.dq.quant_map",
                    "layer.dq.nested_absmax", "layer.dq.nested_quant_map", "layer.dq.quant_state.bitsandbytes__nf4"),
                    f.entries().stream().map(SafetensorsFile.Entry::name).toList());
            assertArrayEquals(new long[] {925, 1}, f.entry("layer.plain").shape());
            assertEquals(DType.U8, f.entry("layer.dq.absmax").dtype());
            assertEquals("{\"quant_type\": \"fp4\", \"blocksize\": 128, \"dtype\": \"bfloat16\", \"shape\": [37, 50]}",
                    new String(f.readBytes("layer.plain.quant_state.bitsandbytes__fp4"), StandardCharsets.UTF_8));
            for (Quantized4bit original : new Quantized4bit[] {plain, dq}) {
                String name = original == plain ? "layer.plain" : "layer.dq";
                Quantized4bit back = Bnb4bitFormat.read(f, name);
                assertEquals(original.state(), back.state(), name);
                assertArrayEquals(original.packed(), back.packed(), name);
                assertArrayEquals(Blockwise4bit.dequantize(original), Blockwise4bit.dequantize(back), name);
            }
        }
    }

    /** A valid plain NF4 weight "w" of shape (4, 40), block 64 (3 blocks), with pieces replaceable. */
    private Path file(String stateKey, String json, byte[] packed, float[] absmax) throws Exception {
        Path path = dir.resolve("bad" + System.nanoTime() + ".safetensors");
        byte[] state = json.getBytes(StandardCharsets.UTF_8);
        new SafetensorsWriter()
                .addBytes("w", DType.U8, new long[] {packed.length, 1}, packed)
                .add("w.absmax", DType.F32, new long[] {absmax.length}, absmax)
                .add("w.quant_map", DType.F32, new long[] {16}, QuantType.NF4.codebook())
                .addBytes(stateKey, DType.U8, new long[] {state.length}, state)
                .write(path);
        return path;
    }

    private static final String GOOD = "{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"float32\", \"shape\": [4, 40]}";

    private void rejects(Path path, String fragment) throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(path)) {
            SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> Bnb4bitFormat.read(f, "w"));
            assertTrue(e.getMessage().contains("\"w\"") && e.getMessage().contains(fragment), e.getMessage());
            assertTrue(e.getMessage().startsWith(path.toString()), e.getMessage());
        }
    }

    @Test
    void acceptsTheValidBaseline() throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(file("w.quant_state.bitsandbytes__nf4", GOOD, new byte[80], new float[3]))) {
            assertEquals(160, Bnb4bitFormat.read(f, "w").numel());
        }
    }

    @Test
    void rejectsStatesThatDisagreeWithTheirTensors() throws Exception {
        rejects(file("w.quant_state.bitsandbytes__nf4", GOOD, new byte[80], new float[2]), "\"w.absmax\" must hold 3 floats");
        rejects(file("w.quant_state.bitsandbytes__nf4", GOOD, new byte[81], new float[3]), "packs into 80 bytes, but \"w\" holds 81");
        rejects(file("w.quant_state.bitsandbytes__nf4", GOOD.replace("[4, 40]", "[4, 41]"), new byte[80], new float[3]),
                "packs into 82 bytes");
        rejects(file("w.quant_state.bitsandbytes__int4", GOOD, new byte[80], new float[3]), "unknown 4-bit quant type \"int4\"");
        rejects(file("w.quant_state.bitsandbytes__fp4", GOOD, new byte[80], new float[3]), "disagrees with entry");
        rejects(file("w.quant_state.bitsandbytes__nf4", GOOD.replace("\"nf4\"", "\"nf5\""), new byte[80], new float[3]),
                "unknown 4-bit quant type \"nf5\"");
        rejects(file("w.quant_state.bitsandbytes__nf4", GOOD.replace("64", "48"), new byte[80], new float[3]), "block size 48");
        rejects(file("w.quant_state.bitsandbytes__nf4", GOOD.replace("float32", "int8"), new byte[80], new float[3]), "unsupported dtype");
        rejects(file("w.quant_state.bitsandbytes__nf4", "{\"quant_type\": \"nf4\"}", new byte[80], new float[3]), "\"blocksize\"");
        rejects(file("w.quant_state.bitsandbytes__nf4", "not json", new byte[80], new float[3]), "not valid JSON");
        rejects(file("w.other", GOOD, new byte[80], new float[3]), "no \"w.quant_state.bitsandbytes__nf4\"");
    }

    @Test
    void rejectsMissingNestedPieces() throws Exception {
        Path path = dir.resolve("nested.safetensors");
        String json = GOOD.replace("}", ", \"nested_blocksize\": 256, \"nested_dtype\": \"float32\", \"nested_offset\": 0.5}");
        byte[] state = json.getBytes(StandardCharsets.UTF_8);
        new SafetensorsWriter()
                .addBytes("w", DType.U8, new long[] {80, 1}, new byte[80])
                .addBytes("w.absmax", DType.U8, new long[] {3}, new byte[3])
                .add("w.quant_map", DType.F32, new long[] {16}, QuantType.NF4.codebook())
                .add("w.nested_absmax", DType.F32, new long[] {1}, new float[1])
                .addBytes("w.quant_state.bitsandbytes__nf4", DType.U8, new long[] {state.length}, state)
                .write(path);
        rejects(path, "missing tensor \"w.nested_quant_map\"");
    }
}
