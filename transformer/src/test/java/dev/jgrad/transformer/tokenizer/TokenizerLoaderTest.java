package dev.jgrad.transformer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerLoaderTest {

    @Test
    void detectsEachFormatFromThePath(@TempDir Path dir) throws IOException {
        Path data = TokenizerTestSupport.sharedData();
        Tokenizer model = Tokenizer.load(TokenizerTestSupport.sharedFile("llama2-tokenizer/tokenizer.model"));
        Tokenizer bin = Tokenizer.load(TokenizerTestSupport.sharedFile("llama2-tokenizer/tokenizer.bin"));
        Tokenizer llamaDir = Tokenizer.load(data.resolve("llama2-tokenizer")); // tokenizer.model wins over .bin
        Tokenizer encoder = Tokenizer.load(TokenizerTestSupport.sharedFile("gpt2-bpe/encoder.json"));
        Tokenizer vocab = Tokenizer.load(TokenizerTestSupport.sharedFile("gpt2-bpe/vocab.bpe"));
        assertTrue(model instanceof SentencePieceBpeTokenizer && bin instanceof SentencePieceBpeTokenizer);
        assertTrue(llamaDir instanceof SentencePieceBpeTokenizer);
        assertTrue(encoder instanceof ByteLevelBpeTokenizer && vocab instanceof ByteLevelBpeTokenizer);
        // "Hello world" in LLaMA-2 is [15043, 3186] (python3-sentencepiece), in GPT-2 [15496, 995]
        for (Tokenizer t : new Tokenizer[] {model, bin, llamaDir}) assertArrayEquals(new int[] {15043, 3186}, t.encode("Hello world"));
        for (Tokenizer t : new Tokenizer[] {encoder, vocab}) assertArrayEquals(new int[] {15496, 995}, t.encode("Hello world"));
        assertArrayEquals(new int[] {1, 15043, 3186, 2}, model.encode("Hello world", true, true));

        Path trainedDir = Files.createDirectory(dir.resolve("trained"));
        new BpeTrainer(300).train("hello hello world").saveHuggingFaceJson(trainedDir.resolve("tokenizer.json"));
        Tokenizer trained = Tokenizer.load(trainedDir);
        assertTrue(trained instanceof ByteLevelBpeTokenizer);
        assertEquals(" world", trained.decode(trained.encode(" world")));
    }
}
