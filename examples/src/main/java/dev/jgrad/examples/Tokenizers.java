package dev.jgrad.examples;

import dev.jgrad.transformer.tokenizer.ByteLevelBpeTokenizer;
import dev.jgrad.transformer.tokenizer.CharTokenizer;
import dev.jgrad.transformer.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Saves a run's tokenizer beside its checkpoints, where {@code Tokenizer.load(dir)} finds it. */
final class Tokenizers {

    private Tokenizers() {}

    /**
     * Writes {@code tokenizer} into {@code dir} as {@code tokenizer.json} (character and byte-level BPE
     * vocabularies), or copies the file it was read from ({@code source}: SentencePiece models); returns the path.
     */
    static Path save(Tokenizer tokenizer, Path dir, String source) throws IOException {
        Files.createDirectories(dir);
        Path json = dir.resolve("tokenizer.json");
        switch (tokenizer) {
            case CharTokenizer c -> c.save(json);
            case ByteLevelBpeTokenizer b -> b.saveHuggingFaceJson(json);
            default -> {
                Path from = Path.of(source);
                if (Files.isDirectory(from)) return from;
                Path to = dir.resolve(from.getFileName().toString());
                Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
                return to;
            }
        }
        return json;
    }
}
