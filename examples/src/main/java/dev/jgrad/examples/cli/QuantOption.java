package dev.jgrad.examples.cli;

import dev.jgrad.core.io.gguf.GgufType;
import dev.jgrad.quant.QuantSpec;
import dev.jgrad.quant.QuantizedModels;
import dev.jgrad.transformer.GgufLinear;
import dev.jgrad.transformer.LinearFactory;
import dev.jgrad.transformer.checkpoint.ModelLoader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The {@code --quant TYPE} option shared by {@code ./jgrad generate} and {@code ./jgrad serve}: which
 * {@link LinearFactory} builds the model's linear layers while a float checkpoint loads, so both commands run the
 * same weights for the same flag.
 *
 * <ul>
 *   <li>{@code q8_0}, {@code q4_0}: llama.cpp's blocks of 32 ({@link GgufLinear#quantizing}); the forward quantizes
 *       its input rows to int8 and takes integer dot products, one GEMM over however many rows it is given (the
 *       server's batch). q8_0 quantizes an untied classifier too; q4_0 keeps it at q8_0, as llama.cpp does.</li>
 *   <li>{@code nf4}: QLoRA's 4-bit blocks of 64 with double quantization ({@link QuantSpec#qlora()}); {@code fp4}:
 *       the same with bitsandbytes' FP4 code book. Block layers only; the classifier stays float.</li>
 * </ul>
 * Embeddings and norms stay float in every case. A GGUF file already holds its own block types and is refused.
 */
public final class QuantOption {

    /** What the option accepts, in the words of its error message. */
    public static final String TYPES = "q8_0, q4_0, nf4 or fp4";

    /** The option's help text. */
    public static final String DESCRIPTION = "Quantize the linear layers while loading: q8_0 or q4_0 (llama.cpp's blocks,"
            + " activations quantized to int8, integer dot products; q8_0 quantizes an untied classifier too, q4_0 keeps it"
            + " at q8_0), nf4 or fp4 (QLoRA's 4-bit blocks; the classifier stays float). Embeddings and norms stay float.";

    private QuantOption() {}

    /**
     * The factory for {@code quant} (null: null, the loader's own choice for the format), checked against the
     * checkpoint at {@code checkpoint} read as {@code format} (null: detect).
     *
     * @throws IllegalArgumentException for an unknown type, or a GGUF checkpoint
     */
    public static LinearFactory linears(String quant, Path checkpoint, ModelLoader.Format format) throws IOException {
        if (quant == null) return null;
        LinearFactory f = switch (quant.toLowerCase(Locale.ROOT)) {
            case "q8_0" -> GgufLinear.quantizing(path -> GgufType.Q8_0);
            case "q4_0" -> GgufLinear.quantizing(path -> path.equals("lm_head") ? GgufType.Q8_0 : GgufType.Q4_0);
            case "nf4" -> QuantizedModels.factory(QuantSpec.qlora());
            case "fp4" -> QuantizedModels.factory(QuantSpec.of("fp4", QuantSpec.qlora().blocksize(), true));
            default -> throw new IllegalArgumentException("--quant must be " + TYPES + ", got \"" + quant + "\"");
        };
        if ((format != null ? format : ModelLoader.detect(checkpoint)) == ModelLoader.Format.GGUF)
            throw new IllegalArgumentException("--quant quantizes float checkpoints; a GGUF file runs in its own block types");
        return f;
    }
}
