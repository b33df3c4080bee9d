package dev.jgrad.core.ops;

/** Which features a rotary embedding rotates together (see {@link Rope}). */
public enum RopeStyle {
    /** Pairs {@code (i, i + D/2)}: Hugging Face's {@code rotate_half} (GPT-NeoX layout, HF LLaMA checkpoints). */
    HALF,
    /** Pairs {@code (2i, 2i + 1)}: Meta's LLaMA reference code ({@code view_as_complex}) and llama2.c. */
    INTERLEAVED
}
