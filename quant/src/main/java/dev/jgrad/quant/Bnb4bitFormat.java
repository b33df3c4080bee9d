package dev.jgrad.quant;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.jgrad.core.DType;
import dev.jgrad.core.io.SafetensorsFile;
import dev.jgrad.core.io.SafetensorsFormatException;
import dev.jgrad.core.io.SafetensorsWriter;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The bitsandbytes / Hugging Face layout of a 4-bit weight in a safetensors file
 * ({@code QuantState.as_dict(packed=True)} and {@code from_dict}). A weight named {@code W} becomes:
 * <pre>
 *   W                                   U8  [(n+1)/2, 1]   packed nibbles
 *   W.absmax                            F32 [blocks]       (U8 [blocks] when double-quantized)
 *   W.quant_map                         F32 [16]           the 4-bit code book
 *   W.nested_absmax                     F32 [ceil(blocks/256)]   } only when
 *   W.nested_quant_map                  F32 [256]                } double-quantized
 *   W.quant_state.bitsandbytes__nf4     U8  [len]          UTF-8 JSON (or __fp4)
 * </pre>
 * The JSON holds what is not a tensor: {@code quant_type}, {@code blocksize}, {@code dtype} ("float32",
 * "float16", "bfloat16"), {@code shape}, and when double-quantized {@code nested_blocksize},
 * {@code nested_dtype} and {@code nested_offset}.
 *
 * <p>Reading checks that the pieces agree (a packed size that does not match the shape, an absmax count
 * that does not match the block count, an unknown quant type, missing pieces) and reports the first
 * disagreement as a {@link SafetensorsFormatException} naming the file and the weight. The code books are
 * taken from the file as stored.
 */
public final class Bnb4bitFormat {

    private static final String STATE_PREFIX = ".quant_state.bitsandbytes__";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Bnb4bitFormat() {}

    /** Declares the tensors of {@code q} under the name {@code name} in {@code writer}. */
    public static void write(SafetensorsWriter writer, String name, Quantized4bit q) {
        QuantState s = q.state();
        writer.addBytes(name, DType.U8, new long[] {s.packedLength(), 1}, q.packed());
        if (s.isDoubleQuantized()) {
            Quantized8bit nested = s.doubleQuant().absmax();
            writer.addBytes(name + ".absmax", DType.U8, new long[] {nested.numel()}, nested.codes());
            writer.add(name + ".quant_map", DType.F32, new long[] {16}, s.codebook());
            writer.add(name + ".nested_absmax", DType.F32, new long[] {nested.absmax().length}, nested.absmax());
            writer.add(name + ".nested_quant_map", DType.F32, new long[] {256}, nested.code());
        } else {
            writer.add(name + ".absmax", DType.F32, new long[] {s.absmax().length}, s.absmax());
            writer.add(name + ".quant_map", DType.F32, new long[] {16}, s.codebook());
        }
        byte[] json = stateJson(s).getBytes(StandardCharsets.UTF_8);
        writer.addBytes(name + STATE_PREFIX + s.quantType().bnbName(), DType.U8, new long[] {json.length}, json);
    }

    /** The quant_state JSON, formatted as Python's {@code json.dumps} formats bitsandbytes' dict. */
    static String stateJson(QuantState s) {
        StringBuilder b = new StringBuilder();
        b.append("{\"quant_type\": \"").append(s.quantType().bnbName()).append('"');
        b.append(", \"blocksize\": ").append(s.blocksize());
        b.append(", \"dtype\": \"").append(torchName(s.dtype())).append('"');
        b.append(", \"shape\": [");
        long[] shape = s.shape();
        for (int i = 0; i < shape.length; i++) b.append(i == 0 ? "" : ", ").append(shape[i]);
        b.append(']');
        if (s.isDoubleQuantized()) {
            b.append(", \"nested_blocksize\": ").append(s.doubleQuant().absmax().blocksize());
            b.append(", \"nested_dtype\": \"float32\"");
            // Python writes offset.item(): the float32 widened to double, in shortest round-trip form.
            b.append(", \"nested_offset\": ").append(Double.toString(s.doubleQuant().offset()));
        }
        return b.append('}').toString();
    }

    /** Names of all 4-bit weights in the file (those with a {@code .quant_state.bitsandbytes__*} entry). */
    public static List<String> quantizedWeights(SafetensorsFile file) {
        List<String> names = new ArrayList<>();
        for (SafetensorsFile.Entry e : file.entries()) {
            int at = e.name().indexOf(STATE_PREFIX);
            if (at > 0) names.add(e.name().substring(0, at));
        }
        return names;
    }

    /** Reads the 4-bit weight {@code name}, checking that its pieces agree. */
    public static Quantized4bit read(SafetensorsFile file, String name) throws SafetensorsFormatException {
        String where = "4-bit weight \"" + name + "\": ";
        String stateKey = null;
        for (SafetensorsFile.Entry e : file.entries()) {
            if (e.name().startsWith(name + ".quant_state.")) {
                if (stateKey != null) throw fail(file, where + "two quant_state entries, \"" + stateKey + "\" and \"" + e.name() + "\"");
                stateKey = e.name();
            }
        }
        if (stateKey == null) throw fail(file, where + "no \"" + name + STATE_PREFIX + "nf4\" (or fp4) entry");
        if (!stateKey.startsWith(name + STATE_PREFIX)) throw fail(file, where + "unrecognized quant_state entry \"" + stateKey + "\"");
        QuantType keyType;
        try {
            keyType = QuantType.fromBnbName(stateKey.substring((name + STATE_PREFIX).length()));
        } catch (IllegalArgumentException e) {
            throw fail(file, where + e.getMessage() + " in \"" + stateKey + "\"");
        }

        JsonNode json;
        try {
            json = JSON.readTree(new String(file.readBytes(stateKey), StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            throw fail(file, where + "quant_state is not valid JSON: " + e.getOriginalMessage());
        }
        if (json == null || !json.isObject()) throw fail(file, where + "quant_state must be a JSON object");
        QuantType type;
        try {
            type = QuantType.fromBnbName(text(file, where, json, "quant_type"));
        } catch (IllegalArgumentException e) {
            throw fail(file, where + e.getMessage());
        }
        if (type != keyType) throw fail(file, where + "quant_type \"" + type.bnbName() + "\" disagrees with entry \"" + stateKey + "\"");
        int blocksize = (int) integer(file, where, json, "blocksize");
        DType dtype = fromTorchName(file, where, text(file, where, json, "dtype"));
        JsonNode shapeNode = json.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) throw fail(file, where + "quant_state needs an array \"shape\"");
        long[] shape = new long[shapeNode.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0) {
                throw fail(file, where + "shape[" + i + "] must be a non-negative integer, found " + d);
            }
            shape[i] = d.longValue();
            try {
                numel = Math.multiplyExact(numel, shape[i]);
            } catch (ArithmeticException e) {
                throw fail(file, where + "element count of shape " + shapeNode + " overflows");
            }
        }
        try {
            Blocksizes.require(blocksize);
        } catch (IllegalArgumentException e) {
            throw fail(file, where + e.getMessage());
        }
        int blocks = Blocksizes.blockCount(numel, blocksize);

        SafetensorsFile.Entry packedEntry = entry(file, where, name);
        long packedLength = (numel + 1) / 2;
        if (packedEntry.byteLength() != packedLength) {
            throw fail(file, where + "shape " + Arrays.toString(shape) + " packs into " + packedLength
                    + " bytes, but \"" + name + "\" holds " + packedEntry.byteLength());
        }
        float[] codebook = floats(file, where, name + ".quant_map", 16);

        boolean nested = file.contains(name + ".nested_absmax") || json.has("nested_offset");
        QuantState state;
        try {
            if (nested) {
                int nestedBlocksize = (int) integer(file, where, json, "nested_blocksize");
                Blocksizes.require(nestedBlocksize);
                JsonNode offsetNode = json.get("nested_offset");
                if (offsetNode == null || !offsetNode.isNumber()) throw fail(file, where + "quant_state needs a number \"nested_offset\"");
                SafetensorsFile.Entry absmaxEntry = entry(file, where, name + ".absmax");
                if (absmaxEntry.dtype() != DType.U8 || absmaxEntry.numel() != blocks) {
                    throw fail(file, where + "double-quantized \"" + name + ".absmax\" must be U8 with " + blocks + " values (one per block), found "
                            + absmaxEntry.dtype().safetensorsName() + " with " + absmaxEntry.numel());
                }
                float[] nestedAbsmax = floats(file, where, name + ".nested_absmax", Blocksizes.blockCount(blocks, nestedBlocksize));
                float[] nestedCode = floats(file, where, name + ".nested_quant_map", 256);
                Quantized8bit q8 = new Quantized8bit(file.readBytes(name + ".absmax"), nestedAbsmax, nestedBlocksize, nestedCode);
                state = new QuantState(type, blocksize, shape, dtype, codebook, null,
                        new QuantState.DoubleQuant((float) offsetNode.doubleValue(), q8));
            } else {
                float[] absmax = floats(file, where, name + ".absmax", blocks);
                state = new QuantState(type, blocksize, shape, dtype, codebook, absmax, null);
            }
        } catch (IllegalArgumentException e) {
            throw fail(file, where + e.getMessage());
        }
        return new Quantized4bit(file.readBytes(name), state);
    }

    private static float[] floats(SafetensorsFile file, String where, String key, int expected) throws SafetensorsFormatException {
        SafetensorsFile.Entry e = entry(file, where, key);
        if (!e.dtype().isFloatingPoint() || e.numel() != expected) {
            throw fail(file, where + "\"" + key + "\" must hold " + expected + " floats, found "
                    + e.dtype().safetensorsName() + Arrays.toString(e.shape()));
        }
        return file.readFloats(key);
    }

    private static SafetensorsFile.Entry entry(SafetensorsFile file, String where, String key) throws SafetensorsFormatException {
        if (!file.contains(key)) throw fail(file, where + "missing tensor \"" + key + "\"");
        return file.entry(key);
    }

    private static String text(SafetensorsFile file, String where, JsonNode json, String field) throws SafetensorsFormatException {
        JsonNode v = json.get(field);
        if (v == null || !v.isTextual()) throw fail(file, where + "quant_state needs a string \"" + field + "\"");
        return v.textValue();
    }

    private static long integer(SafetensorsFile file, String where, JsonNode json, String field) throws SafetensorsFormatException {
        JsonNode v = json.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
            throw fail(file, where + "quant_state needs an integer \"" + field + "\"");
        }
        return v.intValue();
    }

    /** torch's dtype names as bitsandbytes writes them ({@code str(dtype)} with or without "torch."). */
    static String torchName(DType dtype) {
        return switch (dtype) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> throw new IllegalArgumentException(dtype + " is not a 4-bit source dtype");
        };
    }

    private static DType fromTorchName(SafetensorsFile file, String where, String name) throws SafetensorsFormatException {
        String bare = name.startsWith("torch.") ? name.substring(6) : name;
        return switch (bare) {
            case "float32" -> DType.F32;
            case "float16" -> DType.F16;
            case "bfloat16" -> DType.BF16;
            default -> throw fail(file, where + "unsupported dtype \"" + name + "\" (expected float32, float16 or bfloat16)");
        };
    }

    private static SafetensorsFormatException fail(SafetensorsFile file, String problem) {
        return new SafetensorsFormatException(file.path(), problem);
    }
}
