package dev.jgrad.examples.fuzz;

import static dev.jgrad.examples.fuzz.FuzzSupport.expectCleanOutcome;
import static dev.jgrad.examples.fuzz.FuzzSupport.inTempDirectory;
import static dev.jgrad.examples.fuzz.FuzzSupport.write;

import dev.jgrad.transformer.tokenizer.Tokenizer;
import java.nio.file.Path;

/**
 * The body of the tokenizer fuzz tests: the bytes become a file of the given name, {@link Tokenizer#load} picks the
 * format from that name, and a tokenizer it accepts must then encode and decode a short text and name its pieces
 * (a file that loads but breaks on first use is a parser bug too).
 */
final class TokenizerFuzzing {

    /** ASCII, a repeated space, a newline, accented letters, a CJK character and an emoji (a surrogate pair). */
    private static final String TEXT = "Hello,  world!\nnaïve café 東 😀 123";

    private TokenizerFuzzing() {}

    static void loadAndUse(String fileName, byte[] data) throws Exception {
        inTempDirectory(dir -> {
            Path file = write(dir, fileName, data);
            expectCleanOutcome(() -> {
                Tokenizer tokenizer = Tokenizer.load(file);
                int[] ids = tokenizer.encode(TEXT);
                tokenizer.decode(ids);
                Tokenizer.StreamDecoder stream = tokenizer.streamDecoder();
                for (int id : ids) stream.next(id);
                stream.finish();
                for (int id = 0; id < Math.min(tokenizer.vocabSize(), 300); id++) tokenizer.piece(id);
            });
        });
    }
}
