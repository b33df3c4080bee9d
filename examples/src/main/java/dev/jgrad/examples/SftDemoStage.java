package dev.jgrad.examples;

import dev.jgrad.quant.lora.LoraConfig;
import dev.jgrad.quant.qlora.InstructionFineTune;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.chat.ChatMessage;
import dev.jgrad.transformer.chat.ChatTemplate;
import dev.jgrad.transformer.data.InstructionData;
import dev.jgrad.transformer.data.InstructionEncoder;
import dev.jgrad.transformer.tokenizer.Tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * The demo's instruction-tuning stage ({@code ./jgrad demo --sft}): the model just pretrained on the King James
 * Bible has read every book but was never asked anything. It is taught one task with a measurable answer:
 * <pre>
 *   Verse: Blessed is the man that walketh not in the counsel of the ungodly...
 *   Book: Psalms&lt;|endoftext|&gt;
 * </pre>
 * The conversations are built from the embedded KJV: the same number of verses from each of {@link #BOOKS}
 * (so always answering one book scores only one in six), only verses whose whole
 * conversation fits the model's context. The chat template is a tiny Jinja one ({@link #TEMPLATE}) whose
 * assistant turn ends with the tokenizer's {@code <|endoftext|>}, the stop token of generation. A held-out
 * validation split of verses is answered greedily before and after LoRA training through
 * {@link InstructionFineTune}, and scored by exact match and token F1: before, the model continues the verse or
 * says anything; after, it names a book. The adapter (PEFT format) goes to {@code RUN/sft/adapter}.
 *
 * <p>The validation verses are held out from instruction tuning only: pretraining split the Bible by chapter, so
 * the model may have read them as text (but never with their book named next to them).
 */
public final class SftDemoStage {

    /** The books asked about: distinct in style (law and story, song, proverb, prophecy, gospel, apocalypse). */
    static final List<String> BOOKS = List.of("Genesis", "Psalms", "Proverbs", "Isaiah", "Matthew", "Revelation");

    /** The chat template: the user's turn is the verse, the generation prompt opens the answer with "Book:". */
    static final String TEMPLATE = "{% for m in messages %}{% if m['role'] == 'user' %}Verse: {{ m['content'] }}\n"
            + "{% elif m['role'] == 'assistant' %}Book: {{ m['content'] }}{{ eos_token }}\n{% endif %}{% endfor %}"
            + "{% if add_generation_prompt %}Book:{% endif %}";

    private SftDemoStage() {}

    /** The stage's settings: quick (well under a minute on 2 cores) or the full demo's. */
    static InstructionFineTune.Options options(boolean quick, long seed, Path dir, boolean progressBar) {
        LoraConfig lora = LoraConfig.of(8, 16, 0.0, LoraConfig.ALL_LINEAR, false);
        return quick
                ? new InstructionFineTune.Options(InstructionFineTune.Method.LORA, lora, 150, 16, 3e-3, 3e-4, 10, 0, 1.0,
                50, 4, 0, 60, 6, seed, dir, progressBar)
                : new InstructionFineTune.Options(InstructionFineTune.Method.LORA, lora, 400, 16, 2e-3, 2e-4, 30, 0, 1.0,
                100, 8, 0, 120, 6, seed, dir, progressBar);
    }

    /**
     * The book of every verse of {@link #BOOKS} in the embedded KJV ("Genesis 1" heading lines, then
     * "N text" verse lines), in corpus order.
     */
    static Map<String, List<String>> versesByBook() throws IOException {
        Map<String, List<String>> verses = new LinkedHashMap<>();
        for (String b : BOOKS) verses.put(b, new ArrayList<>());
        try (InputStream raw = SftDemoStage.class.getResourceAsStream("/dev/jgrad/examples/corpora/kjv.txt.gz")) {
            if (raw == null) throw new IllegalStateException("missing resource /dev/jgrad/examples/corpora/kjv.txt.gz");
            BufferedReader in = new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.UTF_8));
            String book = null;
            for (String line; (line = in.readLine()) != null; ) {
                line = line.strip();
                if (line.isEmpty()) continue;
                if (Character.isDigit(line.charAt(0))) {
                    int space = line.indexOf(' ');
                    if (book != null && verses.containsKey(book) && space > 0) verses.get(book).add(line.substring(space + 1).strip());
                } else {
                    int space = line.lastIndexOf(' ');
                    book = space > 0 ? line.substring(0, space) : line;
                }
            }
        }
        return verses;
    }

    /**
     * The conversations: the same number of verses of each book, {@code perBook} or fewer if some book has fewer
     * verses whose encoded conversation has at most {@code maxLength} tokens, drawn at random, shuffled.
     */
    static List<List<ChatMessage>> conversations(InstructionEncoder encoder, int maxLength, int perBook, long seed) throws IOException {
        Random random = new Random(seed);
        List<List<List<ChatMessage>>> fitting = new ArrayList<>();
        int n = perBook;
        for (Map.Entry<String, List<String>> e : versesByBook().entrySet()) {
            List<List<ChatMessage>> book = new ArrayList<>();
            for (String v : e.getValue()) {
                List<ChatMessage> c = List.of(ChatMessage.user(v), ChatMessage.assistant(e.getKey()));
                if (encoder.encode(c).tokens().length <= maxLength) book.add(c);
            }
            Collections.shuffle(book, random);
            fitting.add(book);
            n = Math.min(n, book.size());
        }
        if (n < 10) throw new IllegalStateException("fewer than 10 verses of some book fit " + maxLength + " tokens");
        List<List<ChatMessage>> out = new ArrayList<>();
        for (List<List<ChatMessage>> book : fitting) out.addAll(book.subList(0, n));
        Collections.shuffle(out, random);
        return out;
    }

    /**
     * Runs the stage on the pretrained {@code model} (changed in place: LoRA adapters attached and trained).
     */
    public static InstructionFineTune.Report run(CausalLM model, Tokenizer tokenizer, Path runDir, boolean quick, long seed,
                                                 boolean progressBar, PrintStream out) throws IOException {
        Path dir = runDir.resolve("sft");
        String eos = tokenizer.piece(tokenizer.eosId());
        InstructionEncoder encoder = new InstructionEncoder(new ChatTemplate(TEMPLATE, "", eos), tokenizer);
        int maxLength = model.maxSequenceLength();
        List<List<ChatMessage>> records = conversations(encoder, maxLength, quick ? 150 : 400, seed);
        InstructionData.Prepared data = InstructionData.prepare(records, encoder, maxLength, 0.1, seed);
        out.printf(Locale.ROOT, "      task: name the book of a verse, one of %s (chance: 1 in %d)%n", String.join(", ", BOOKS), BOOKS.size());
        out.printf(Locale.ROOT, "      data: %d conversations from the embedded KJV (verses of at most %d tokens) -> %d train / %d validation%n",
                records.size(), maxLength, data.train().size(), data.validation().size());
        InstructionFineTune.Options o = options(quick, seed, dir, progressBar);
        out.printf(Locale.ROOT, "      LoRA on a float32 base, %s; %d steps of %d conversations%n", o.lora(), o.steps(), o.batch());
        InstructionFineTune.Report r = InstructionFineTune.run(model, encoder, data, o, encoder.endOfTurnTokens(), "jgrad-demo-kjv",
                List.of(new ConsoleProgress(out, progressBar, Math.max(1, o.evalInterval() / 5)), FineTuning.lossPlot(dir)));
        out.println();
        out.printf(Locale.ROOT, "      %-38s %8s %8s%n", "", "before", "after");
        out.printf(Locale.ROOT, "      %-38s %8.4f %8.4f%n", "validation loss (answer tokens)", r.validationLossBefore(), r.validationLossAfter());
        out.printf(Locale.ROOT, "      %-38s %8.3f %8.3f%n", "exact match (" + r.answers().size() + " held-out verses)",
                r.before().exactMatch(), r.after().exactMatch());
        out.printf(Locale.ROOT, "      %-38s %8.3f %8.3f%n", "token F1", r.before().f1(), r.after().f1());
        out.println("      examples (held-out verse -> answer before / after; reference):");
        for (InstructionFineTune.Answer a : r.answers().subList(0, Math.min(4, r.answers().size()))) {
            String verse = a.prompt().get(a.prompt().size() - 1).content();
            out.printf(Locale.ROOT, "      > %s%n        before: %s | after: %s | reference: %s%n",
                    verse.length() > 70 ? verse.substring(0, 67) + "..." : verse, oneLine(a.before()), oneLine(a.after()), a.reference());
        }
        out.println("      adapter (PEFT format): " + r.saved() + "; loss plot: " + dir.resolve("loss.png"));
        return r;
    }

    private static String oneLine(String s) {
        String one = s.replace("\n", " ").strip();
        return one.isEmpty() ? "(nothing)" : one.length() > 40 ? one.substring(0, 37) + "..." : one;
    }
}
