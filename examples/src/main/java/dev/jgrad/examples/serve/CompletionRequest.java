package dev.jgrad.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jgrad.transformer.chat.ChatMessage;

import java.util.ArrayList;
import java.util.List;

/**
 * The parameters of {@code POST /v1/completions} and {@code POST /v1/chat/completions}, read from the JSON body
 * and checked the way OpenAI checks them: a wrong type or an out-of-range value is a 400 naming the parameter.
 * Parameters this server does not implement are accepted at values that change nothing (penalties of 0, an empty
 * {@code logit_bias}, a text {@code response_format}) and refused otherwise (tools, logprobs, echo, best_of, n &gt; 1);
 * unknown fields ({@code user}, {@code store}, ...) are ignored.
 *
 * @param model         the base model's id or an adapter's name
 * @param prompt        the completion prompt (null for chat)
 * @param messages      the chat messages (null for completions)
 * @param maxTokens     new tokens at most; null: up to the context (chat) or 16 (completions, OpenAI's default)
 * @param temperature   0 is greedy; OpenAI's range [0, 2]
 * @param topP          nucleus mass in (0, 1]
 * @param stop          up to 4 stop strings
 * @param seed          the sampling seed, or null for a fresh one
 * @param stream        server-sent events instead of one JSON body
 * @param includeUsage  {@code stream_options.include_usage}: a last chunk with the token counts
 */
public record CompletionRequest(String model, String prompt, List<ChatMessage> messages, Integer maxTokens,
                                double temperature, double topP, List<String> stop, Long seed, boolean stream,
                                boolean includeUsage) {

    /** Largest {@code max_tokens} accepted before the context check: anything above is absurd for any model. */
    static final int MAX_TOKENS_LIMIT = 1 << 20;

    /** Reads a completions ({@code chat} false) or chat completions body. */
    public static CompletionRequest parse(JsonNode body, boolean chat) {
        if (body == null || !body.isObject()) throw ApiError.invalid(null, "The request body must be a JSON object");
        String model = string(body, "model", true);
        String prompt = null;
        List<ChatMessage> messages = null;
        if (chat) messages = messages(body.get("messages"));
        else prompt = prompt(body.get("prompt"));
        Integer maxTokens = integer(body, chat && body.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens",
                0, MAX_TOKENS_LIMIT);
        Double temperature = number(body, "temperature", 0, 2);
        Double topP = number(body, "top_p", 0, 1);
        if (topP != null && topP == 0) throw ApiError.invalid("top_p", "top_p must be greater than 0, got 0");
        Integer n = integer(body, "n", 1, 128);
        if (n != null && n != 1) throw ApiError.invalid("n", "only n = 1 is supported, got " + n);
        JsonNode seedNode = body.get("seed");
        Long seed = null;
        if (seedNode != null && !seedNode.isNull()) {
            if (!seedNode.isIntegralNumber() || !seedNode.canConvertToLong())
                throw ApiError.invalid("seed", "seed must be an integer, got " + seedNode);
            seed = seedNode.longValue();
        }
        boolean stream = bool(body, "stream");
        JsonNode options = body.get("stream_options");
        boolean usage = false;
        if (options != null && !options.isNull()) {
            if (!options.isObject()) throw ApiError.invalid("stream_options", "stream_options must be an object");
            if (!stream) throw ApiError.invalid("stream_options", "stream_options is only allowed when stream is true");
            usage = bool(options, "include_usage");
        }
        for (String ignoredAtZero : new String[] {"frequency_penalty", "presence_penalty"}) {
            Double v = number(body, ignoredAtZero, -2, 2);
            if (v != null && v != 0) throw ApiError.invalid(ignoredAtZero, ignoredAtZero + " is not supported (only 0)");
        }
        for (String unsupported : new String[] {"tools", "functions", "logit_bias"}) {
            JsonNode v = body.get(unsupported);
            if (v != null && !v.isNull() && !v.isEmpty()) throw ApiError.invalid(unsupported, unsupported + " is not supported by this server");
        }
        JsonNode format = body.get("response_format");
        if (format != null && !format.isNull() && !format.path("type").asText("text").equals("text"))
            throw ApiError.invalid("response_format", "only the text response format is supported");
        JsonNode echo = body.get("echo"), bestOf = body.get("best_of"), logprobs = body.get("logprobs");
        if (echo != null && echo.asBoolean(false)) throw ApiError.invalid("echo", "echo is not supported");
        if (bestOf != null && !bestOf.isNull() && bestOf.asInt(1) != 1) throw ApiError.invalid("best_of", "only best_of = 1 is supported");
        if (logprobs != null && !logprobs.isNull() && !(logprobs.isBoolean() && !logprobs.booleanValue()))
            throw ApiError.invalid("logprobs", "logprobs are not supported");
        return new CompletionRequest(model, prompt, messages, maxTokens, temperature == null ? 1 : temperature,
                topP == null ? 1 : topP, stop(body.get("stop")), seed, stream, usage);
    }

    private static String prompt(JsonNode p) {
        if (p == null || p.isNull()) throw ApiError.invalid("prompt", "prompt is required");
        if (p.isTextual()) return p.textValue();
        if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) return p.get(0).textValue();
        if (p.isArray() && p.size() > 1) throw ApiError.invalid("prompt", "only one prompt per request is supported");
        throw ApiError.invalid("prompt", "prompt must be a string, got " + kind(p));
    }

    private static List<ChatMessage> messages(JsonNode m) {
        if (m == null || m.isNull()) throw ApiError.invalid("messages", "messages is required");
        if (!m.isArray() || m.isEmpty()) throw ApiError.invalid("messages", "messages must be a non-empty array");
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < m.size(); i++) {
            JsonNode msg = m.get(i);
            String where = "messages[" + i + "]";
            if (!msg.isObject()) throw ApiError.invalid(where, where + " must be an object");
            JsonNode role = msg.get("role"), content = msg.get("content");
            if (role == null || !role.isTextual()) throw ApiError.invalid(where + ".role", where + ".role must be a string");
            String text;
            if (content != null && content.isTextual()) text = content.textValue();
            else if (content != null && content.isArray()) {   // [{"type": "text", "text": "..."}, ...]
                StringBuilder sb = new StringBuilder();
                for (JsonNode part : content) {
                    if (!part.path("type").asText().equals("text") || !part.path("text").isTextual())
                        throw ApiError.invalid(where + ".content", "only text content parts are supported");
                    sb.append(part.get("text").textValue());
                }
                text = sb.toString();
            } else if ((content == null || content.isNull()) && role.textValue().equals("assistant")) text = "";
            else throw ApiError.invalid(where + ".content", where + ".content must be a string or an array of text parts");
            if (!List.of("system", "developer", "user", "assistant").contains(role.textValue()))
                throw ApiError.invalid(where + ".role", "unsupported role \"" + role.textValue()
                        + "\" (system, developer, user or assistant)");
            // OpenAI's "developer" messages are what chat templates know as system messages
            out.add(new ChatMessage(role.textValue().equals("developer") ? ChatMessage.SYSTEM : role.textValue(), text));
        }
        if (out.stream().noneMatch(msg -> msg.role().equals(ChatMessage.USER)))
            throw ApiError.invalid("messages", "messages must contain at least one user message");
        return out;
    }

    private static List<String> stop(JsonNode s) {
        if (s == null || s.isNull()) return List.of();
        if (s.isTextual()) return s.textValue().isEmpty() ? List.of() : List.of(s.textValue());
        if (!s.isArray()) throw ApiError.invalid("stop", "stop must be a string or an array of strings, got " + kind(s));
        if (s.size() > 4) throw ApiError.invalid("stop", "stop takes at most 4 sequences, got " + s.size());
        List<String> out = new ArrayList<>();
        for (JsonNode n : s) {
            if (!n.isTextual()) throw ApiError.invalid("stop", "stop must hold strings, got " + kind(n));
            if (!n.textValue().isEmpty()) out.add(n.textValue());
        }
        return out;
    }

    private static String string(JsonNode body, String name, boolean required) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) {
            if (required) throw ApiError.invalid(name, name + " is required");
            return null;
        }
        if (!n.isTextual()) throw ApiError.invalid(name, name + " must be a string, got " + kind(n));
        return n.textValue();
    }

    private static Integer integer(JsonNode body, String name, int min, int max) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) return null;
        if (!n.isIntegralNumber()) throw ApiError.invalid(name, name + " must be an integer, got " + kind(n));
        if (!n.canConvertToInt() || n.intValue() < min || n.intValue() > max)
            throw ApiError.invalid(name, name + " must be between " + min + " and " + max + ", got " + n);
        return n.intValue();
    }

    private static Double number(JsonNode body, String name, double min, double max) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) return null;
        if (!n.isNumber()) throw ApiError.invalid(name, name + " must be a number, got " + kind(n));
        double v = n.doubleValue();
        if (!(v >= min && v <= max)) throw ApiError.invalid(name, name + " must be between " + min + " and " + max + ", got " + n);
        return v;
    }

    private static boolean bool(JsonNode body, String name) {
        JsonNode n = body.get(name);
        if (n == null || n.isNull()) return false;
        if (!n.isBoolean()) throw ApiError.invalid(name, name + " must be a boolean, got " + kind(n));
        return n.booleanValue();
    }

    private static String kind(JsonNode n) {
        return n.isTextual() ? "a string" : n.isNumber() ? "a number" : n.isBoolean() ? "a boolean" : n.isArray() ? "an array"
                : n.isObject() ? "an object" : "null";
    }
}
