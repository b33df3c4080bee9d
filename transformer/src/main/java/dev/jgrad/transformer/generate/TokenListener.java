package dev.jgrad.transformer.generate;

/** Receives each generated token as soon as it is chosen: its id and the text it completes ("" without a tokenizer). */
@FunctionalInterface
public interface TokenListener {

    void onToken(int id, String text);

    /** Called once at the end with text still held back by the decoder (an incomplete UTF-8 sequence), if any. */
    default void onEnd(String pendingText) {}
}
