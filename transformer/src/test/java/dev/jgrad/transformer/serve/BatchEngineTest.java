package dev.jgrad.transformer.serve;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import dev.jgrad.core.ops.RopeStyle;
import dev.jgrad.nn.Embedding;
import dev.jgrad.nn.Linear;
import dev.jgrad.nn.Module;
import dev.jgrad.nn.init.Init;
import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.GptConfig;
import dev.jgrad.transformer.LlamaConfig;
import dev.jgrad.transformer.generate.GenerationConfig;
import dev.jgrad.transformer.generate.TextGenerator;
import dev.jgrad.transformer.gpt.GptModel;
import dev.jgrad.transformer.llama.LlamaModel;
import dev.jgrad.transformer.tokenizer.CharTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The continuous-batching engine against the single-sequence generator: greedy text equals
 * {@link TextGenerator}'s for the same prompt and length, whether a request runs alone or among others that join
 * and leave at different steps; an adapter applied per request equals a model with the adapter merged into its
 * weights; stop strings, cancellation and the queue limit.
 */
class BatchEngineTest {

    static final CharTokenizer TOKENIZER = CharTokenizer.fromText("abcdefghijklmnopqrstuvwxyz .,!?'\nABCDEFGHIJKLMNOPQRSTUVWXYZ");

    /** A tiny random model with weights large enough that greedy text varies (N(0, 0.02) gives near-flat logits). */
    static CausalLM model(String arch, long seed) {
        Generator gen = new Generator(seed);
        CausalLM m = arch.equals("gpt")
                ? new GptModel(new GptConfig(TOKENIZER.vocabSize(), 96, 32, 2, 4, 0, true, 1e-5, true, true), gen)
                : new LlamaModel(new LlamaConfig(TOKENIZER.vocabSize(), 32, 2, 4, 2, 64, 1e-5, 10000, RopeStyle.HALF, 96, false), gen);
        for (Module mod : m.namedModules().values()) {
            if (mod instanceof Linear lin) Init.normal(lin.weight(), 0, 0.25, gen);
            else if (mod instanceof Embedding e) Init.normal(e.weight(), 0, 1, gen);
        }
        return m.eval();
    }

    /** Collects a request's text and end. */
    static final class Collector implements BatchEngine.Listener {
        final StringBuilder text = new StringBuilder();
        final List<String> pieces = new ArrayList<>();
        final CompletableFuture<BatchEngine.FinishReason> done = new CompletableFuture<>();
        int promptTokens, completionTokens;

        @Override
        public void onText(String t) {
            text.append(t);
            pieces.add(t);
        }

        @Override
        public void onFinish(BatchEngine.FinishReason reason, int prompt, int completion) {
            promptTokens = prompt;
            completionTokens = completion;
            done.complete(reason);
        }

        String await() throws Exception {
            done.get(60, TimeUnit.SECONDS);
            return text.toString();
        }
    }

    static Collector submit(BatchEngine engine, String prompt, int maxTokens, Adapter adapter, String... stop) throws Exception {
        Collector c = new Collector();
        engine.submit(new BatchEngine.Request(TOKENIZER.encode(prompt), GenerationConfig.greedy(maxTokens), List.of(stop),
                adapter, c));
        return c;
    }

    static String reference(CausalLM model, String prompt, int maxTokens) {
        return TextGenerator.generate(model, TOKENIZER.encode(prompt), GenerationConfig.greedy(maxTokens), TOKENIZER, null).text();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"llama", "gpt"})
    void greedyTextEqualsTheSingleSequenceGeneratorAloneAndAmongOthers(String arch) throws Exception {
        CausalLM model = model(arch, 7);
        String[] prompts = {"the quick brown fox", "Hello", "a", "PONIES and mice, said she. ", "why?"};
        int[] lengths = {30, 12, 40, 5, 25};
        String[] expected = new String[prompts.length];
        for (int i = 0; i < prompts.length; i++) expected[i] = reference(model, prompts[i], lengths[i]);
        assertNotEquals(expected[0], expected[1], "the test model must produce prompt-dependent text");

        try (BatchEngine engine = new BatchEngine(model, TOKENIZER, 3, 16, 96)) {
            for (int i = 0; i < prompts.length; i++)
                assertEquals(expected[i], submit(engine, prompts[i], lengths[i], null).await(), "alone: " + prompts[i]);
            // All at once with room for 3: two wait, then join as others leave; a late one joins mid-way.
            List<Collector> running = new ArrayList<>();
            for (int i = 0; i < prompts.length - 1; i++) running.add(submit(engine, prompts[i], lengths[i], null));
            Thread.sleep(5);
            running.add(submit(engine, prompts[4], lengths[4], null));
            for (int i = 0; i < prompts.length; i++) {
                assertEquals(expected[i], running.get(i).await(), "batched: " + prompts[i]);
                assertEquals(BatchEngine.FinishReason.LENGTH, running.get(i).done.get());
                assertEquals(TOKENIZER.encode(prompts[i]).length, running.get(i).promptTokens);
                assertEquals(lengths[i], running.get(i).completionTokens);
            }
        }
    }

    @Test
    void batchingSharesSteps() throws Exception {
        CausalLM model = model("llama", 3);
        try (BatchEngine engine = new BatchEngine(model, TOKENIZER, 8, 16, 96)) {
            List<Collector> all = new ArrayList<>();
            synchronized (engine) {   // hold the engine so that all four join the same first step
                for (int i = 0; i < 4; i++) all.add(submit(engine, "prompt " + (char) ('a' + i), 20, null));
            }
            for (Collector c : all) c.await();
            assertTrue(engine.steps() <= 21, "4 requests of 20 tokens took " + engine.steps() + " steps, not ~20");
        }
    }

    /** A random rank-2 adapter on q_proj and down_proj of every layer. */
    static Adapter adapter(CausalLM model, long seed) {
        Generator gen = new Generator(seed);
        Map<String, Adapter.Layer> layers = new java.util.HashMap<>();
        for (var e : model.namedModules().entrySet()) {
            if (!(e.getValue() instanceof Linear lin) || !(e.getKey().endsWith("q_proj") || e.getKey().endsWith("down_proj"))) continue;
            Tensor a = Tensor.zeros(2, lin.inFeatures()), b = Tensor.zeros(lin.outFeatures(), 2);
            Init.normal(a, 0, 0.5, gen);
            Init.normal(b, 0, 0.5, gen);
            layers.put(e.getKey(), new Adapter.Layer(a, b, 1.5));
        }
        return new Adapter("tuned", layers);
    }

    /** The oracle for an adapter: the same model with {@code W + scaling·B·A} written into each adapted weight. */
    static CausalLM merged(String arch, long seed, Adapter adapter) {
        CausalLM m = model(arch, seed);
        try (NoGrad ignored = NoGrad.enter()) {
            for (var e : adapter.layers().entrySet()) {
                Linear lin = (Linear) m.module(e.getKey());
                lin.weight().addInPlace(e.getValue().b().matmul(e.getValue().a()).mul(e.getValue().scaling()));
            }
        }
        return m;
    }

    @Test
    void adaptersApplyPerRequestInAMixedBatch() throws Exception {
        CausalLM base = model("llama", 11);
        Adapter tuned = adapter(base, 5);
        CausalLM oracle = merged("llama", 11, tuned);
        String[] prompts = {"once upon", "the sea", "maybe, maybe"};
        try (BatchEngine engine = new BatchEngine(base, TOKENIZER, 8, 16, 96)) {
            List<Collector> withAdapter = new ArrayList<>(), without = new ArrayList<>();
            synchronized (engine) {   // all six join the same first step
                for (String p : prompts) {
                    withAdapter.add(submit(engine, p, 24, tuned));
                    without.add(submit(engine, p, 24, null));
                }
            }
            for (int i = 0; i < prompts.length; i++) {
                String adapted = withAdapter.get(i).await(), plain = without.get(i).await();
                assertEquals(reference(oracle, prompts[i], 24), adapted, "adapter: " + prompts[i]);
                assertEquals(reference(base, prompts[i], 24), plain, "base: " + prompts[i]);
                assertNotEquals(plain, adapted, "the adapter must change the text");
            }
        }
    }

    @Test
    void stopStringsCutTheTextAndAreNeverStreamedInPart() throws Exception {
        CausalLM model = model("llama", 7);
        String full = reference(model, "the quick brown fox", 40);
        String stop = full.substring(10, 13);
        String expected = full.substring(0, full.indexOf(stop));
        try (BatchEngine engine = new BatchEngine(model, TOKENIZER, 4, 4, 96)) {
            Collector c = submit(engine, "the quick brown fox", 40, null, stop, "never-there");
            assertEquals(expected, c.await());
            assertEquals(BatchEngine.FinishReason.STOP, c.done.get());
            for (String piece : c.pieces) assertTrue(!piece.isEmpty());
        }
    }

    @Test
    void cancelledRequestsLeaveAndTheQueueIsBounded() throws Exception {
        CausalLM model = model("llama", 7);
        try (BatchEngine engine = new BatchEngine(model, TOKENIZER, 1, 1, 96)) {
            BatchEngine.Ticket first;
            Collector c1 = new Collector(), c2 = new Collector();
            synchronized (engine) {
                first = engine.submit(new BatchEngine.Request(TOKENIZER.encode("abc"), GenerationConfig.greedy(90),
                        List.of(), null, c1));
                engine.submit(new BatchEngine.Request(TOKENIZER.encode("abc"), GenerationConfig.greedy(5), List.of(), null, c2));
                BatchEngine.Rejected full = assertThrows(BatchEngine.Rejected.class, () -> submit(engine, "x", 3, null));
                assertTrue(!full.shuttingDown());
            }
            first.cancel();
            assertEquals(BatchEngine.FinishReason.CANCELLED, c1.done.get(60, TimeUnit.SECONDS));
            assertTrue(c1.completionTokens < 90);
            assertEquals(5, c2.await().length());
            assertThrows(IllegalArgumentException.class, () -> submit(engine, "abc", 94, null));
            engine.shutdown(Duration.ofSeconds(5));
            BatchEngine.Rejected closed = assertThrows(BatchEngine.Rejected.class, () -> submit(engine, "x", 3, null));
            assertTrue(closed.shuttingDown());
        }
    }
}
