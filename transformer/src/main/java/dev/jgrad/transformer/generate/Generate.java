package dev.jgrad.transformer.generate;

import dev.jgrad.transformer.LinearFactory;
import dev.jgrad.transformer.checkpoint.ModelLoader;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The library side of {@code ./jgrad generate}: load a checkpoint of any format, encode the prompt, generate with
 * streaming output. A command line needs only
 * <pre>
 * Generate.run(Generate.Options.parse(args), System.out, System.err);
 * </pre>
 * Flags: {@code --checkpoint PATH [--format hf|llama2c|jgrad] [--tokenizer PATH] [--prompt TEXT] [--temperature T]
 * [--top-k K] [--top-p P] [--repetition-penalty R] [--seed S] [--steps N] [--ids]}. Defaults follow llama2.c's
 * run.c: temperature 1.0, top-p 0.9, 256 steps (here: new tokens). {@code --ids} prints the generated ids
 * space-separated (the prompt excluded) instead of text; a checkpoint without a tokenizer always prints ids and
 * starts from the format's start token (BOS) unless {@code --prompt-ids} gives the prompt as ids.
 */
public final class Generate {

    private Generate() {}

    /**
     * @param checkpoint        the checkpoint (HF directory, llama2.c {@code .bin}, jgrad checkpoint directory)
     * @param format            null to detect
     * @param tokenizer         null to use the checkpoint's own (if any)
     * @param prompt            the prompt text, or null
     * @param promptIds         the prompt as ids (used when {@code prompt} is null), or null
     * @param temperature       0 is greedy
     * @param topK              0 is off
     * @param topP              1 is off
     * @param repetitionPenalty 1 is off
     * @param seed              null draws one from the clock
     * @param steps             the number of new tokens at most
     * @param idsOnly           print ids instead of text
     */
    public record Options(Path checkpoint, ModelLoader.Format format, Path tokenizer, String prompt, int[] promptIds,
                          double temperature, int topK, double topP, double repetitionPenalty, Long seed, int steps,
                          boolean idsOnly) {

        public Options {
            if (checkpoint == null) throw new IllegalArgumentException("generate: --checkpoint is required");
            if (steps < 0) throw new IllegalArgumentException("generate: --steps must be >= 0, got " + steps);
        }

        /** run.c's defaults for {@code checkpoint}. */
        public static Options defaults(Path checkpoint) {
            return new Options(checkpoint, null, null, null, null, 1.0, 0, 0.9, 1.0, null, 256, false);
        }

        /** Parses the command-line flags listed in {@link Generate}. */
        public static Options parse(String... args) {
            Path checkpoint = null, tokenizer = null;
            ModelLoader.Format format = null;
            String prompt = null;
            int[] promptIds = null;
            double temperature = 1.0, topP = 0.9, penalty = 1.0;
            int topK = 0, steps = 256;
            Long seed = null;
            boolean ids = false;
            for (int i = 0; i < args.length; i++) {
                String flag = args[i];
                if (flag.equals("--ids")) {
                    ids = true;
                    continue;
                }
                if (i + 1 >= args.length) throw new IllegalArgumentException("generate: " + flag + " needs a value");
                String v = args[++i];
                try {
                    switch (flag) {
                        case "--checkpoint" -> checkpoint = Path.of(v);
                        case "--format" -> format = ModelLoader.Format.parse(v);
                        case "--tokenizer" -> tokenizer = Path.of(v);
                        case "--prompt" -> prompt = v;
                        case "--prompt-ids" -> promptIds = Arrays.stream(v.trim().split("[\\s,]+")).mapToInt(Integer::parseInt).toArray();
                        case "--temperature" -> temperature = Double.parseDouble(v);
                        case "--top-k" -> topK = Integer.parseInt(v);
                        case "--top-p" -> topP = Double.parseDouble(v);
                        case "--repetition-penalty" -> penalty = Double.parseDouble(v);
                        case "--seed" -> seed = Long.parseLong(v);
                        case "--steps" -> steps = Integer.parseInt(v);
                        default -> throw new IllegalArgumentException("generate: unknown option " + flag);
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("generate: " + flag + " expects a number, got \"" + v + "\"");
                }
            }
            return new Options(checkpoint, format, tokenizer, prompt, promptIds, temperature, topK, topP, penalty, seed,
                    steps, ids);
        }
    }

    /**
     * Loads, generates and prints: the prompt and the streamed text to {@code out} (or the generated ids with
     * {@code --ids} or without a tokenizer), and a timing line to {@code err}. Returns the result.
     */
    public static TextGenerator.Result run(Options o, PrintStream out, PrintStream err) throws IOException {
        return run(o, null, out, err);
    }

    /**
     * {@link #run(Options, PrintStream, PrintStream)} with the linear layers built by {@code linears} (a factory
     * that quantizes while loading, as {@code generate --quant} passes); null loads as
     * {@link ModelLoader#loadForInference} does.
     */
    public static TextGenerator.Result run(Options o, LinearFactory linears, PrintStream out, PrintStream err) throws IOException {
        ModelLoader.Loaded loaded = linears == null
                ? ModelLoader.loadForInference(o.checkpoint(), o.format(), o.tokenizer())
                : ModelLoader.load(o.checkpoint(), o.format(), o.tokenizer(), linears);
        int[] prompt = prompt(o, loaded);
        long seed = o.seed() != null ? o.seed() : System.nanoTime();
        GenerationConfig config = new GenerationConfig(o.steps(), o.temperature(), o.topK(), o.topP(),
                o.repetitionPenalty(), loaded.stopTokens(), seed);
        boolean text = loaded.tokenizer() != null && !o.idsOnly();
        if (text && o.prompt() != null) out.print(o.prompt());
        TokenListener listener = !text ? null : new TokenListener() {
            @Override
            public void onToken(int id, String piece) {
                out.print(piece);
                out.flush();
            }

            @Override
            public void onEnd(String pending) {
                out.print(pending);
            }
        };
        TextGenerator.Result r = TextGenerator.generate(loaded.model(), prompt, config, text ? loaded.tokenizer() : null, listener);
        if (text) out.println();
        else out.println(Arrays.stream(r.tokens()).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
        out.flush();
        err.printf(Locale.ROOT, "%d prompt tokens in %.3f s, %d generated at %.1f tokens/s (%s, stop: %s, seed %d)%n",
                prompt.length, r.promptSeconds(), r.tokens().length, r.decodeTokensPerSecond(), loaded.format(),
                r.stopReason(), seed);
        return r;
    }

    /** The prompt ids: encoded text (with BOS where the format wants it), explicit ids, or the start token. */
    static int[] prompt(Options o, ModelLoader.Loaded loaded) {
        if (o.prompt() != null && !o.prompt().isEmpty()) {
            if (loaded.tokenizer() == null)
                throw new IllegalArgumentException("generate: --prompt needs a tokenizer; the checkpoint has none next to it,"
                        + " so pass --tokenizer PATH or give --prompt-ids");
            int[] body = loaded.tokenizer().encode(o.prompt());
            if (!loaded.addBos()) return body.length > 0 ? body : new int[] {loaded.startId()};
            int[] withBos = new int[body.length + 1];
            withBos[0] = loaded.bosId();
            System.arraycopy(body, 0, withBos, 1, body.length);
            return withBos;
        }
        if (o.promptIds() != null && o.promptIds().length > 0) return o.promptIds().clone();
        return new int[] {loaded.startId()};
    }
}
