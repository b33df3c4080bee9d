package dev.jgrad.transformer.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Text to token ids and back.
 *
 * <p>Implementations: {@link ByteLevelBpeTokenizer} (GPT-2's byte-level BPE, also Hugging Face
 * {@code tokenizer.json} BPE and what {@link BpeTrainer} learns), {@link SentencePieceBpeTokenizer}
 * (LLaMA-2's SentencePiece BPE from {@code tokenizer.model} or llama2.c's {@code tokenizer.bin}) and
 * {@link CharTokenizer} (one id per code point, nanoGPT's shakespeare_char). {@link #load(Path)} picks the
 * right one from a path.
 *
 * <p>All implementations are immutable after loading and safe to share between threads; a
 * {@link StreamDecoder} is not (one per generated stream).
 */
public interface Tokenizer {

    /** Returned by {@link #bosId()} and {@link #eosId()} when the vocabulary has no such token. */
    int NO_ID = -1;

    /** The ids of {@code text}, without BOS or EOS. Special-token spellings in the text are ordinary text. */
    int[] encode(String text);

    /**
     * The special tokens by spelling: those an exact occurrence of which {@link #encodeWithSpecialTokens} turns
     * into one id. By default the BOS and EOS pieces; tokenizers with added tokens (chat markers such as
     * {@code <|im_start|>}) list those too.
     */
    default Map<String, Integer> specialTokens() {
        Map<String, Integer> specials = new LinkedHashMap<>();
        if (bosId() != NO_ID) specials.put(piece(bosId()), bosId());
        if (eosId() != NO_ID) specials.put(piece(eosId()), eosId());
        return specials;
    }

    /**
     * Like {@link #encode}, but an exact occurrence of a special token's spelling ({@link #specialTokens()})
     * becomes that token's id, and the text between occurrences is encoded on its own, as Hugging Face's
     * tokenizers match added tokens before the model runs. At each position the longest special token wins.
     * This is how rendered chat templates, which spell out {@code <s>} or {@code <|eot_id|>}, are encoded.
     */
    default int[] encodeWithSpecialTokens(String text) {
        Map<String, Integer> specials = specialTokens();
        IntList out = new IntList(text.length() / 3 + 4);
        int from = 0;
        int i = 0;
        while (i < text.length()) {
            String match = null;
            for (String s : specials.keySet()) {
                if (!s.isEmpty() && text.startsWith(s, i) && (match == null || s.length() > match.length())) match = s;
            }
            if (match == null) {
                i++;
                continue;
            }
            if (i > from) out.addAll(encode(text.substring(from, i)));
            out.add(specials.get(match));
            i += match.length();
            from = i;
        }
        if (from < text.length()) out.addAll(encode(text.substring(from)));
        return out.toArray();
    }

    /**
     * The ids of {@code text}, with BOS in front and/or EOS at the end as asked.
     *
     * @throws IllegalStateException if a BOS or EOS is asked for and the vocabulary has none
     */
    default int[] encode(String text, boolean addBos, boolean addEos) {
        int[] body = encode(text);
        if (addBos && bosId() == NO_ID) throw new IllegalStateException("this tokenizer has no BOS token");
        if (addEos && eosId() == NO_ID) throw new IllegalStateException("this tokenizer has no EOS token");
        int offset = addBos ? 1 : 0;
        int[] out = new int[body.length + offset + (addEos ? 1 : 0)];
        if (addBos) out[0] = bosId();
        System.arraycopy(body, 0, out, offset, body.length);
        if (addEos) out[out.length - 1] = eosId();
        return out;
    }

    /**
     * The text of {@code ids}. Byte tokens that do not form valid UTF-8 become U+FFFD, the way the reference
     * implementation of each format does it.
     *
     * @throws IllegalArgumentException naming the position of an id outside {@code [0, vocabSize())}
     */
    String decode(int[] ids);

    /** Number of ids; every id is in {@code [0, vocabSize())}. */
    int vocabSize();

    /** The beginning-of-sequence id, or {@link #NO_ID}. */
    int bosId();

    /** The end-of-sequence (end-of-text) id, or {@link #NO_ID}. */
    int eosId();

    /**
     * The vocabulary entry of {@code id} as the file spells it, for display and debugging: "Ġthe" (GPT-2),
     * "▁the" or "&lt;0x0A&gt;" (SentencePiece), "a" (characters).
     */
    String piece(int id);

    /**
     * A decoder for ids that arrive one at a time, as in generation. Concatenating what {@link
     * StreamDecoder#next} returns for each id and then what {@link StreamDecoder#finish} returns gives
     * exactly {@code decode(ids)}; bytes of a character split across tokens are held back until the
     * character is complete.
     */
    StreamDecoder streamDecoder();

    /** Incremental decoding of one stream of ids; see {@link Tokenizer#streamDecoder()}. */
    interface StreamDecoder {
        /** Takes the next id and returns the text it completes (often empty while a character is pending). */
        String next(int id);

        /** Ends the stream, returning held-back bytes as replacement characters. */
        String finish();
    }

    /**
     * Loads the tokenizer at {@code path}, deciding the format from the name and, for JSON, the content:
     * <ul>
     *   <li>a directory: {@code tokenizer.json}, then {@code encoder.json} + {@code vocab.bpe}, then
     *       {@code tokenizer.model}, then {@code tokenizer.bin}, the first that exists;</li>
     *   <li>{@code *.model}: SentencePiece {@code ModelProto}; {@code *.bin}: llama2.c's export;</li>
     *   <li>{@code encoder.json} or {@code vocab.bpe}: GPT-2's pair, the other file next to it;</li>
     *   <li>other {@code *.json}: a Hugging Face {@code tokenizer.json} (BPE), or jgrad's character
     *       vocabulary ({@link CharTokenizer#save}).</li>
     * </ul>
     */
    static Tokenizer load(Path path) throws IOException {
        return TokenizerLoader.load(path);
    }
}
