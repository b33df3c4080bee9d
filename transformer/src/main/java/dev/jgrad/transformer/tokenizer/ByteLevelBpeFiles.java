package dev.jgrad.transformer.tokenizer;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reading and writing byte-level BPE files: GPT-2's {@code encoder.json} + {@code vocab.bpe}, and the
 * Hugging Face {@code tokenizer.json} (BPE model, ByteLevel pre-tokenizer). Every inconsistency is a
 * {@link TokenizerFormatException} naming the file and the entry, line or id.
 */
final class ByteLevelBpeFiles {

    private static final JsonFactory JSON_FACTORY = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper(JSON_FACTORY);

    private ByteLevelBpeFiles() {}

    // ---------------------------------------------------------------------------------------------------
    // GPT-2: encoder.json + vocab.bpe

    static ByteLevelBpeTokenizer readGpt2(Path encoderJson, Path vocabBpe) throws IOException {
        String source = encoderJson.toString();
        Map<String, Integer> vocab = readTokenToId(SentencePieceModel.readBounded(encoderJson), source);
        String[] pieces = piecesById(vocab, source);
        boolean[] special = new boolean[pieces.length];
        Integer eot = vocab.get("<|endoftext|>");
        if (eot != null) special[eot] = true;
        List<String[]> merges = readVocabBpe(SentencePieceModel.readBounded(vocabBpe), vocabBpe.toString());
        return build(pieces, special, merges, ByteLevelSplitting.GPT2, vocabBpe.toString());
    }

    /** A JSON object {token: id}, read with a streaming parser so that errors carry line and column. */
    private static Map<String, Integer> readTokenToId(byte[] json, String source) throws TokenizerFormatException {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        try (JsonParser p = JSON_FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw jsonError(source, p, "expected a JSON object {token: id}");
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String token = p.currentName();
                if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
                    throw jsonError(source, p, "the id of token '" + token + "' is not an integer");
                }
                long id = p.getLongValue();
                if (id < 0 || id >= json.length) throw jsonError(source, p, "token '" + token + "' has id " + id + " out of range");
                if (vocab.put(token, (int) id) != null) throw jsonError(source, p, "token '" + token + "' appears twice");
            }
            if (t != JsonToken.END_OBJECT) throw jsonError(source, p, "expected the end of the object");
            if (p.nextToken() != null) throw jsonError(source, p, "unexpected content after the object");
        } catch (JsonProcessingException e) {
            throw new TokenizerFormatException(source + ": not valid JSON: " + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr(), e);
        } catch (TokenizerFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new TokenizerFormatException(source + ": " + e.getMessage(), e);
        }
        return vocab;
    }

    private static TokenizerFormatException jsonError(String source, JsonParser p, String message) {
        return new TokenizerFormatException(source + ": " + message + " at line " + p.currentLocation().getLineNr()
                + ", column " + p.currentLocation().getColumnNr());
    }

    /** The tokens indexed by id; ids must be exactly 0..n-1. */
    private static String[] piecesById(Map<String, Integer> vocab, String source) throws TokenizerFormatException {
        String[] pieces = new String[vocab.size()];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            int id = e.getValue();
            if (id >= pieces.length) {
                throw new TokenizerFormatException(source + ": token '" + e.getKey() + "' has id " + id
                        + ", but ids must be 0.." + (pieces.length - 1) + " for " + pieces.length + " tokens");
            }
            if (pieces[id] != null) {
                throw new TokenizerFormatException(source + ": id " + id + " is given to both '" + pieces[id]
                        + "' and '" + e.getKey() + "'");
            }
            pieces[id] = e.getKey();
        }
        return pieces;
    }

    /**
     * vocab.bpe: an optional "#version" first line, then one merge per line, two tokens separated by one
     * space, in rank order. Blank lines are ignored (the file ends with a newline).
     */
    static List<String[]> readVocabBpe(byte[] bytes, String source) throws TokenizerFormatException {
        String text;
        try {
            text = Utf8.decodeStrict(bytes, 0, bytes.length);
        } catch (IllegalArgumentException e) {
            throw new TokenizerFormatException(source + ": " + e.getMessage());
        }
        List<String[]> merges = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) continue;
            int space = line.indexOf(' ');
            if (space <= 0 || space == line.length() - 1 || line.indexOf(' ', space + 1) >= 0) {
                throw new TokenizerFormatException(source + ": line " + (i + 1)
                        + " is not two tokens separated by one space: '" + line + "'");
            }
            merges.add(new String[] {line.substring(0, space), line.substring(space + 1)});
        }
        return merges;
    }

    // ---------------------------------------------------------------------------------------------------
    // Hugging Face tokenizer.json

    static ByteLevelBpeTokenizer readHuggingFace(Path path) throws IOException {
        String source = path.toString();
        JsonNode root = readTree(path);
        return fromHuggingFaceTree(root, source);
    }

    static JsonNode readTree(Path path) throws IOException {
        byte[] bytes = SentencePieceModel.readBounded(path);
        try {
            return MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new TokenizerFormatException(path + ": not valid JSON: " + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr(), e);
        }
    }

    static ByteLevelBpeTokenizer fromHuggingFaceTree(JsonNode root, String source) throws TokenizerFormatException {
        return fromHuggingFaceTree(root, source, "", "");
    }

    /** As above, BOS and EOS being the tokens a {@code tokenizer_config.json} names ("": by name). */
    static ByteLevelBpeTokenizer fromHuggingFaceTree(JsonNode root, String source, String bosToken, String eosToken)
            throws TokenizerFormatException {
        JsonNode model = root.path("model");
        if (!model.isObject()) throw new TokenizerFormatException(source + ": no \"model\" object");
        String type = model.path("type").asText("");
        if (!type.equals("BPE")) {
            throw new TokenizerFormatException(source + ": model.type is '" + type + "'; only BPE is supported");
        }
        JsonNode normalizer = root.path("normalizer");
        boolean nfc = normalizer.path("type").asText("").equals("NFC");
        if (!nfc && !normalizer.isNull() && !normalizer.isMissingNode()) {
            throw new TokenizerFormatException(source + ": normalizer " + normalizer.path("type")
                    + " is not supported (byte-level BPE takes none or NFC)");
        }
        if (!model.path("dropout").isNull() && !model.path("dropout").isMissingNode()) {
            throw new TokenizerFormatException(source + ": BPE dropout is not supported");
        }
        for (String field : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            if (!model.path(field).asText("").isEmpty()) {
                throw new TokenizerFormatException(source + ": model." + field + " is not supported");
            }
        }
        if (model.path("byte_fallback").asBoolean(false)) {
            throw new TokenizerFormatException(source + ": model.byte_fallback is for non-byte-level BPE; not supported");
        }
        ByteLevelSplitting splitting = splitting(root.path("pre_tokenizer"), nfc,
                model.path("ignore_merges").asBoolean(false), source);

        JsonNode vocabNode = model.path("vocab");
        if (!vocabNode.isObject()) throw new TokenizerFormatException(source + ": model.vocab is not an object");
        // Ids must be dense, 0..n-1, so none can reach the number of entries: checked before any array is sized.
        long entries = vocabNode.size() + root.path("added_tokens").size();
        Map<String, Integer> vocab = new LinkedHashMap<>();
        long size = 0;   // 1 + the largest id; a long, since an id may be Integer.MAX_VALUE
        for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
            JsonNode id = e.getValue();
            if (!id.isIntegralNumber() || !id.canConvertToLong() || id.longValue() < 0 || id.longValue() >= entries) {
                throw new TokenizerFormatException(source + ": model.vocab['" + e.getKey() + "'] has id " + id
                        + "; ids must be integers from 0 to " + (entries - 1) + " (one per token)");
            }
            vocab.put(e.getKey(), id.intValue());
            size = Math.max(size, id.intValue() + 1);
        }
        Map<Integer, String> added = new HashMap<>();
        for (JsonNode token : root.path("added_tokens")) {
            JsonNode id = token.path("id");
            if (!id.isIntegralNumber() || !token.path("content").isTextual()) {
                throw new TokenizerFormatException(source + ": added_tokens entry " + token + " needs an integer id and a content");
            }
            if (!id.canConvertToLong() || id.longValue() < 0 || id.longValue() >= entries) {
                throw new TokenizerFormatException(source + ": added token '" + token.get("content").textValue() + "' has id "
                        + id + "; ids must be integers from 0 to " + (entries - 1) + " (one per token)");
            }
            added.put(id.intValue(), token.get("content").textValue());
            size = Math.max(size, id.intValue() + 1);
        }
        if (size > vocab.size() + added.size()) {
            throw new TokenizerFormatException(source + ": ids go up to " + (size - 1) + " but only "
                    + (vocab.size() + added.size()) + " tokens are defined");
        }
        String[] pieces = new String[(int) size];
        boolean[] special = new boolean[(int) size];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            if (pieces[e.getValue()] != null) {
                throw new TokenizerFormatException(source + ": id " + e.getValue() + " is given to both '"
                        + pieces[e.getValue()] + "' and '" + e.getKey() + "'");
            }
            pieces[e.getValue()] = e.getKey();
        }
        for (Map.Entry<Integer, String> e : added.entrySet()) {
            int id = e.getKey();
            if (pieces[id] != null && !pieces[id].equals(e.getValue())) {
                throw new TokenizerFormatException(source + ": added token '" + e.getValue() + "' has id " + id
                        + ", which model.vocab gives to '" + pieces[id] + "'");
            }
            pieces[id] = e.getValue();
            special[id] = true;
        }
        for (int id = 0; id < size; id++) {
            if (pieces[id] == null) throw new TokenizerFormatException(source + ": no token has id " + id);
        }
        List<String[]> merges = new ArrayList<>();
        JsonNode mergesNode = model.path("merges");
        if (!mergesNode.isArray()) throw new TokenizerFormatException(source + ": model.merges is not an array");
        for (int i = 0; i < mergesNode.size(); i++) {
            JsonNode m = mergesNode.get(i);
            if (m.isTextual()) { // "a b" (tokenizers < 0.20)
                String line = m.textValue();
                int space = line.indexOf(' ');
                if (space <= 0 || space == line.length() - 1 || line.indexOf(' ', space + 1) >= 0) {
                    throw new TokenizerFormatException(source + ": model.merges[" + i
                            + "] is not two tokens separated by one space: '" + line + "'");
                }
                merges.add(new String[] {line.substring(0, space), line.substring(space + 1)});
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) { // ["a", "b"]
                merges.add(new String[] {m.get(0).textValue(), m.get(1).textValue()});
            } else {
                throw new TokenizerFormatException(source + ": model.merges[" + i + "] is neither \"a b\" nor [\"a\", \"b\"]");
            }
        }
        return build(pieces, special, merges, splitting, bosToken, eosToken, source);
    }

    /**
     * The pre-tokenizer: ByteLevel with GPT-2's regex (alone or the only step of a Sequence), or a Sequence of a
     * Split (a regex, behaviour Isolated, not inverted) and a ByteLevel without regex, as Llama 3 and Qwen2 have.
     */
    private static ByteLevelSplitting splitting(JsonNode pre, boolean nfc, boolean ignoreMerges, String source)
            throws TokenizerFormatException {
        JsonNode split = null;
        if (pre.path("type").asText("").equals("Sequence")) {
            JsonNode steps = pre.path("pretokenizers");
            if (steps.size() == 2 && steps.get(0).path("type").asText("").equals("Split")) {
                split = steps.get(0);
                pre = steps.get(1);
            } else if (steps.size() == 1) {
                pre = steps.get(0);
            }
        }
        if (!pre.path("type").asText("").equals("ByteLevel")) {
            throw new TokenizerFormatException(source + ": pre_tokenizer " + pre.path("type")
                    + " is not supported; only ByteLevel (GPT-2's regex) or Split followed by ByteLevel are");
        }
        boolean addPrefixSpace = pre.path("add_prefix_space").asBoolean(true); // the Hugging Face default is true
        if (split == null) {
            if (!pre.path("use_regex").asBoolean(true))
                throw new TokenizerFormatException(source + ": ByteLevel pre_tokenizer with use_regex=false and no Split is not supported");
            return new ByteLevelSplitting(nfc, addPrefixSpace, null, ignoreMerges);
        }
        if (pre.path("use_regex").asBoolean(true))
            throw new TokenizerFormatException(source + ": a Split followed by ByteLevel with use_regex=true is not supported");
        String regex = split.path("pattern").path("Regex").asText(null);
        if (regex == null)
            throw new TokenizerFormatException(source + ": the Split pre_tokenizer needs a {\"Regex\": ...} pattern");
        if (!split.path("behavior").asText("").equals("Isolated") || split.path("invert").asBoolean(false))
            throw new TokenizerFormatException(source + ": only Split with behavior Isolated and invert false is supported, got "
                    + split.path("behavior") + ", invert " + split.path("invert"));
        ByteLevelSplitting s = new ByteLevelSplitting(nfc, addPrefixSpace, regex, ignoreMerges);
        try {
            s.compile();
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new TokenizerFormatException(source + ": the Split regex does not compile: " + e.getDescription());
        }
        return s;
    }

    // ---------------------------------------------------------------------------------------------------
    // Common checks

    /** Resolves merges to ids and checks them; a later duplicate of a merge overrides the earlier rank, as in encoder.py. */
    static ByteLevelBpeTokenizer build(String[] pieces, boolean[] special, List<String[]> merges,
                                       ByteLevelSplitting splitting, String source) throws TokenizerFormatException {
        return build(pieces, special, merges, splitting, "", "", source);
    }

    static ByteLevelBpeTokenizer build(String[] pieces, boolean[] special, List<String[]> merges, ByteLevelSplitting splitting,
                                       String bosToken, String eosToken, String source) throws TokenizerFormatException {
        Map<String, Integer> idOf = new HashMap<>();
        for (int id = 0; id < pieces.length; id++) {
            if (!special[id] && ByteLevel.decode(pieces[id]) == null) {
                throw new TokenizerFormatException(source + ": token " + id + " '" + pieces[id]
                        + "' has characters outside GPT-2's byte-level alphabet");
            }
            idOf.putIfAbsent(pieces[id], id);
        }
        int[] left = new int[merges.size()];
        int[] right = new int[merges.size()];
        int[] result = new int[merges.size()];
        for (int r = 0; r < merges.size(); r++) {
            String a = merges.get(r)[0];
            String b = merges.get(r)[1];
            Integer ia = idOf.get(a);
            Integer ib = idOf.get(b);
            Integer ir = idOf.get(a + b);
            if (ia == null || ib == null || ir == null) {
                String missing = ia == null ? a : ib == null ? b : a + b;
                throw new TokenizerFormatException(source + ": merge " + (r + 1) + " '" + a + " " + b + "' needs token '"
                        + missing + "', which is not in the vocabulary");
            }
            left[r] = ia;
            right[r] = ib;
            result[r] = ir;
        }
        try {
            return new ByteLevelBpeTokenizer(pieces, special, left, right, result, splitting, bosToken, eosToken);
        } catch (IllegalArgumentException e) {
            throw new TokenizerFormatException(source + ": " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Writing tokenizer.json

    static void writeHuggingFace(ByteLevelBpeTokenizer tokenizer, Path path) throws IOException {
        try (OutputStream os = Files.newOutputStream(path);
             JsonGenerator g = JSON_FACTORY.createGenerator(os, JsonEncoding.UTF8)) {
            DefaultPrettyPrinter pretty = new DefaultPrettyPrinter()
                    .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                    .withArrayIndenter(new DefaultIndenter("  ", "\n"));
            g.setPrettyPrinter(pretty);
            g.writeStartObject();
            g.writeStringField("version", "1.0");
            g.writeNullField("truncation");
            g.writeNullField("padding");
            g.writeArrayFieldStart("added_tokens");
            for (int id : tokenizer.specialIds()) {
                g.writeStartObject();
                g.writeNumberField("id", id);
                g.writeStringField("content", tokenizer.piece(id));
                g.writeBooleanField("single_word", false);
                g.writeBooleanField("lstrip", false);
                g.writeBooleanField("rstrip", false);
                g.writeBooleanField("normalized", false);
                g.writeBooleanField("special", true);
                g.writeEndObject();
            }
            g.writeEndArray();
            ByteLevelSplitting splitting = tokenizer.splitting();
            if (splitting.nfc()) {
                g.writeObjectFieldStart("normalizer");
                g.writeStringField("type", "NFC");
                g.writeEndObject();
            } else {
                g.writeNullField("normalizer");
            }
            if (splitting.splitRegex() == null) {
                writeByteLevel(g, "pre_tokenizer", splitting.addPrefixSpace(), true, true);
            } else {
                g.writeObjectFieldStart("pre_tokenizer");
                g.writeStringField("type", "Sequence");
                g.writeArrayFieldStart("pretokenizers");
                g.writeStartObject();
                g.writeStringField("type", "Split");
                g.writeObjectFieldStart("pattern");
                g.writeStringField("Regex", splitting.splitRegex());
                g.writeEndObject();
                g.writeStringField("behavior", "Isolated");
                g.writeBooleanField("invert", false);
                g.writeEndObject();
                writeByteLevel(g, null, splitting.addPrefixSpace(), true, false);
                g.writeEndArray();
                g.writeEndObject();
            }
            writeByteLevel(g, "post_processor", true, false, true);
            writeByteLevel(g, "decoder", true, true, true);
            g.writeObjectFieldStart("model");
            g.writeStringField("type", "BPE");
            g.writeNullField("dropout");
            g.writeNullField("unk_token");
            g.writeStringField("continuing_subword_prefix", "");
            g.writeStringField("end_of_word_suffix", "");
            g.writeBooleanField("fuse_unk", false);
            g.writeBooleanField("byte_fallback", false);
            g.writeBooleanField("ignore_merges", splitting.ignoreMerges());
            g.writeObjectFieldStart("vocab");
            List<String> pieces = tokenizer.piecesList();
            for (int id = 0; id < pieces.size(); id++) g.writeNumberField(pieces.get(id), id);
            g.writeEndObject();
            g.writeArrayFieldStart("merges");
            for (int r = 0; r < tokenizer.mergeCount(); r++) {
                String[] m = tokenizer.merge(r);
                g.writeString(m[0] + " " + m[1]);
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndObject();
            g.writeRaw('\n');
        }
    }

    /** A ByteLevel object, as the value of {@code field} (or as an array element when {@code field} is null). */
    private static void writeByteLevel(JsonGenerator g, String field, boolean addPrefixSpace, boolean trimOffsets,
                                       boolean useRegex) throws IOException {
        if (field == null) g.writeStartObject();
        else g.writeObjectFieldStart(field);
        g.writeStringField("type", "ByteLevel");
        g.writeBooleanField("add_prefix_space", addPrefixSpace);
        g.writeBooleanField("trim_offsets", trimOffsets);
        g.writeBooleanField("use_regex", useRegex);
        g.writeEndObject();
    }
}
