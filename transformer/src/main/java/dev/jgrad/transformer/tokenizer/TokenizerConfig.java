package dev.jgrad.transformer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What a Hugging Face {@code tokenizer_config.json} says beyond the vocabulary: the spellings of the BOS and EOS
 * tokens, whether a BOS is put in front of encoded text, and the chat template.
 *
 * <p>The file writes a special token either as a string ({@code "bos_token": "<s>"}) or as an added-token
 * object ({@code "bos_token": {"content": "<s>", ...}}); and the chat template either as a string or as a list
 * of named templates ({@code [{"name": "default", "template": ...}, {"name": "tool_use", ...}]}), of which the
 * one named "default" is taken.
 *
 * @param bosToken     the BOS spelling, or "" when the file names none
 * @param eosToken     the EOS spelling, or "" when the file names none
 * @param addBosToken  whether encoding puts a BOS in front ({@code add_bos_token}, false when absent)
 * @param chatTemplate the Jinja chat template, if the file has one
 */
public record TokenizerConfig(String bosToken, String eosToken, boolean addBosToken, Optional<String> chatTemplate) {

    /** The name of the file in a model directory. */
    public static final String FILE_NAME = "tokenizer_config.json";

    /**
     * Reads {@code path}, or {@code path/tokenizer_config.json} when {@code path} is a directory.
     *
     * @throws TokenizerFormatException naming the file and field when it is not valid JSON or a field has the
     *                                  wrong type
     */
    public static TokenizerConfig read(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve(FILE_NAME) : path;
        JsonNode root = ByteLevelBpeFiles.readTree(file);
        if (!root.isObject()) throw new TokenizerFormatException(file + ": not a JSON object");
        return new TokenizerConfig(token(root, "bos_token", file), token(root, "eos_token", file),
                root.path("add_bos_token").asBoolean(false), template(root.path("chat_template"), file));
    }

    /**
     * The first {@code tokenizer_config.json} in (or, for a file, beside) {@code places}, read; null when there is
     * none. Null entries are skipped.
     */
    public static TokenizerConfig find(Path... places) throws IOException {
        for (Path p : places) {
            if (p == null) continue;
            Path dir = Files.isDirectory(p) ? p : p.toAbsolutePath().getParent();
            if (dir != null && Files.isRegularFile(dir.resolve(FILE_NAME))) return read(dir.resolve(FILE_NAME));
        }
        return null;
    }

    private static String token(JsonNode root, String field, Path file) throws TokenizerFormatException {
        JsonNode node = root.path(field);
        if (node.isMissingNode() || node.isNull()) return "";
        if (node.isTextual()) return node.textValue();
        if (node.isObject() && node.path("content").isTextual()) return node.get("content").textValue();
        throw new TokenizerFormatException(file + ": " + field + " is neither a string nor {\"content\": ...}");
    }

    private static Optional<String> template(JsonNode node, Path file) throws TokenizerFormatException {
        if (node.isMissingNode() || node.isNull()) return Optional.empty();
        if (node.isTextual()) return Optional.of(node.textValue());
        if (node.isArray()) {
            for (JsonNode named : node) {
                if (named.path("name").asText("").equals("default") && named.path("template").isTextual())
                    return Optional.of(named.get("template").textValue());
            }
            throw new TokenizerFormatException(file + ": chat_template is a list without a template named \"default\"");
        }
        throw new TokenizerFormatException(file + ": chat_template is neither a string nor a list of named templates");
    }
}
