package dev.jgrad.transformer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** {@link Tokenizer#load(Path)}: picks the format from the path (and, for JSON, the content). */
final class TokenizerLoader {

    private TokenizerLoader() {}

    static Tokenizer load(Path path) throws IOException {
        if (Files.isDirectory(path)) return loadDirectory(path);
        if (!Files.isRegularFile(path)) throw new NoSuchFileException(path.toString());
        String name = path.getFileName().toString();
        if (name.endsWith(".model")) return new SentencePieceBpeTokenizer(SentencePieceModel.readModelProto(path));
        if (name.endsWith(".bin")) return new SentencePieceBpeTokenizer(SentencePieceModel.readLlama2cBin(path));
        if (name.equals("encoder.json")) return ByteLevelBpeTokenizer.fromGpt2Files(path, sibling(path, "vocab.bpe"));
        if (name.equals("vocab.bpe")) return ByteLevelBpeTokenizer.fromGpt2Files(sibling(path, "encoder.json"), path);
        if (name.endsWith(".json")) {
            JsonNode root = ByteLevelBpeFiles.readTree(path);
            if (CharTokenizer.TYPE.equals(root.path("type").asText())) return CharTokenizer.fromJson(root, path.toString());
            if (root.has("model")) {
                // BOS and EOS as the model's tokenizer_config.json beside it names them, when there is one
                Path config = path.resolveSibling(TokenizerConfig.FILE_NAME);
                TokenizerConfig c = Files.isRegularFile(config) ? TokenizerConfig.read(config) : null;
                return ByteLevelBpeFiles.fromHuggingFaceTree(root, path.toString(), c == null ? "" : c.bosToken(),
                        c == null ? "" : c.eosToken());
            }
            throw new TokenizerFormatException(path + ": JSON is neither a Hugging Face tokenizer.json (no \"model\")"
                    + " nor a jgrad character vocabulary (\"type\": \"" + CharTokenizer.TYPE + "\")");
        }
        throw new TokenizerFormatException(path + ": unknown tokenizer format; expected tokenizer.model, *.bin,"
                + " tokenizer.json, encoder.json/vocab.bpe or a jgrad .json file");
    }

    private static Tokenizer loadDirectory(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve("tokenizer.json"))) return load(dir.resolve("tokenizer.json"));
        if (Files.isRegularFile(dir.resolve("encoder.json")) && Files.isRegularFile(dir.resolve("vocab.bpe"))) {
            return ByteLevelBpeTokenizer.fromGpt2Files(dir.resolve("encoder.json"), dir.resolve("vocab.bpe"));
        }
        if (Files.isRegularFile(dir.resolve("tokenizer.model"))) return load(dir.resolve("tokenizer.model"));
        if (Files.isRegularFile(dir.resolve("tokenizer.bin"))) return load(dir.resolve("tokenizer.bin"));
        throw new TokenizerFormatException(dir + ": no tokenizer.json, encoder.json + vocab.bpe, tokenizer.model"
                + " or tokenizer.bin in this directory");
    }

    private static Path sibling(Path path, String name) throws NoSuchFileException {
        Path other = path.resolveSibling(name);
        if (!Files.isRegularFile(other)) throw new NoSuchFileException(other.toString(), null, "needed next to " + path);
        return other;
    }
}
