package dev.jgrad.transformer.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jgrad.transformer.chat.ChatMessage;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an instruction-tuning JSONL file ({@link InstructionFormat}) into conversations. Blank lines are
 * skipped. A malformed record stops reading with an {@link IllegalArgumentException} that names the file, the
 * line and what is wrong ("chat.jsonl line 12: messages[1].content is not a string").
 */
public final class InstructionRecords {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private InstructionRecords() {}

    /** Every record of {@code file}, in file order. */
    public static List<List<ChatMessage>> read(Path file, InstructionFormat format) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no such instruction data file");
        List<List<ChatMessage>> out = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int lineNo = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lineNo++;
                if (line.isBlank()) continue;
                String where = file.getFileName() + " line " + lineNo;
                out.add(parse(line, format, where));
            }
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + ": not valid UTF-8");
        }
        if (out.isEmpty()) throw new IllegalArgumentException(file + ": no records");
        return out;
    }

    /** One record; {@code where} prefixes error messages. */
    static List<ChatMessage> parse(String line, InstructionFormat format, String where) {
        JsonNode root;
        try {
            root = MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(where + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException(where + ": not a JSON object");
        return switch (format) {
            case CHAT -> chat(root, where);
            case ALPACA -> InstructionFormat.alpaca(text(root, "instruction", where, true),
                    text(root, "input", where, false), text(root, "output", where, true));
            case COMPLETION -> List.of(ChatMessage.user(text(root, "prompt", where, true)),
                    ChatMessage.assistant(text(root, "completion", where, true)));
        };
    }

    private static List<ChatMessage> chat(JsonNode root, String where) {
        JsonNode messages = root.get("messages");
        if (messages == null || !messages.isArray())
            throw new IllegalArgumentException(where + ": no \"messages\" array (is this the chat format?)");
        if (messages.isEmpty()) throw new IllegalArgumentException(where + ": \"messages\" is empty");
        List<ChatMessage> out = new ArrayList<>();
        boolean answered = false;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            if (!m.isObject()) throw new IllegalArgumentException(where + ": messages[" + i + "] is not an object");
            String role = text(m, "role", where + ": messages[" + i + "]", true);
            String content = text(m, "content", where + ": messages[" + i + "]", true);
            answered |= role.equals(ChatMessage.ASSISTANT);
            out.add(new ChatMessage(role, content));
        }
        if (!answered) throw new IllegalArgumentException(where + ": no assistant message, so nothing to learn");
        return out;
    }

    private static String text(JsonNode node, String field, String where, boolean required) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) throw new IllegalArgumentException(where + ": \"" + field + "\" is missing");
            return "";
        }
        if (!v.isTextual()) throw new IllegalArgumentException(where + ": \"" + field + "\" is not a string");
        return v.textValue();
    }
}
