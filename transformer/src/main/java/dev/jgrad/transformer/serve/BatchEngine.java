package dev.jgrad.transformer.serve;

import dev.jgrad.transformer.CausalLM;
import dev.jgrad.transformer.KvCache;
import dev.jgrad.transformer.generate.GenerationConfig;
import dev.jgrad.transformer.generate.Sampler;
import dev.jgrad.transformer.tokenizer.Tokenizer;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/**
 * Continuous batching: one thread owns the model and advances every active request by one token per step, in
 * one {@link BatchedForward} step; requests join between steps and leave as soon as they finish.
 *
 * <pre>
 * loop:
 *   admit waiting requests while fewer than maxBatch are active (each gets its own KvCache)
 *   drop cancelled requests (a client that went away frees its slot here)
 *   step: new requests feed their whole prompt, the others their last token — all in one batched forward
 *   for each request: sample the next token from its logits (its own Sampler and seed), then, as TextGenerator:
 *     a stop token ends it (not emitted); else the token's text is emitted, unless it completes a stop string
 *     (the text is cut before it, and the request ends); maxNewTokens reached ends it
 * </pre>
 * Text is handed to each request's {@link Listener} on the engine thread as it is decoded, holding back only text
 * that could be the start of a stop string. The waiting queue is bounded: {@link #submit} refuses a request
 * when it is full ({@link Rejected}), which a server turns into 429.
 */
public final class BatchEngine implements AutoCloseable {

    /**
     * Why a request ended: a stop token or stop string, its token budget, cancellation (client gone, shutdown), or a
     * failure of the forward step it was part of.
     */
    public enum FinishReason { STOP, LENGTH, CANCELLED, ERROR }

    /** Receives a request's text and its end, on the engine thread; must not block. */
    public interface Listener {
        void onText(String text);

        void onFinish(FinishReason reason, int promptTokens, int completionTokens);
    }

    /**
     * A generation to run.
     *
     * @param prompt   the prompt ids (BOS included where the model wants it), at least one
     * @param sampling temperature, top-p, seed, stop tokens and {@code maxNewTokens}
     * @param stop     stop strings (may be empty): the text ends before the first occurrence of any of them
     * @param adapter  the adapter to apply, or null for the base model
     * @param listener where the text goes
     */
    public record Request(int[] prompt, GenerationConfig sampling, List<String> stop, Adapter adapter, Listener listener) {
        public Request {
            prompt = prompt.clone();
            stop = List.copyOf(stop);
        }
    }

    /** Thrown by {@link #submit} when the waiting queue is full or the engine is shutting down. */
    public static final class Rejected extends Exception {
        private final boolean shuttingDown;

        Rejected(String message, boolean shuttingDown) {
            super(message);
            this.shuttingDown = shuttingDown;
        }

        /** True when the engine no longer accepts work (as opposed to a full queue). */
        public boolean shuttingDown() {
            return shuttingDown;
        }
    }

    /** A submitted request: {@link #cancel} frees its slot at the next step. */
    public static final class Ticket {
        private volatile boolean cancelled;

        public void cancel() {
            cancelled = true;
        }
    }

    private final BatchedForward forward;
    private final Tokenizer tokenizer;
    private final int maxBatch, maxWaiting, context;
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private final List<Active> active = new ArrayList<>();
    private final Thread thread;
    private boolean closing;
    private volatile long steps;

    /**
     * An engine over {@code model} (LLaMA or GPT-2) decoding text with {@code tokenizer}: at most {@code maxBatch}
     * sequences per step, at most {@code maxWaiting} requests queued behind them, prompt plus new tokens at most
     * {@code context} (capped at the model's maximum).
     */
    public BatchEngine(CausalLM model, Tokenizer tokenizer, int maxBatch, int maxWaiting, int context) {
        if (maxBatch < 1 || maxWaiting < 0 || context < 1)
            throw new IllegalArgumentException("BatchEngine: maxBatch and context must be >= 1 and maxWaiting >= 0, got "
                    + maxBatch + ", " + context + ", " + maxWaiting);
        this.forward = new BatchedForward(model);
        this.tokenizer = tokenizer;
        this.maxBatch = maxBatch;
        this.maxWaiting = maxWaiting;
        this.context = Math.min(context, model.maxSequenceLength());
        this.thread = Thread.ofPlatform().name("jgrad-batch-engine").daemon(true).start(this::loop);
    }

    /** The longest prompt plus new tokens a request may ask for. */
    public int context() {
        return context;
    }

    public CausalLM model() {
        return forward.model();
    }

    /** Batched forward steps run so far (for monitoring and tests). */
    public long steps() {
        return steps;
    }

    /** Requests being decoded and requests queued, at this moment. */
    public synchronized int[] load() {
        return new int[] {active.size(), waiting.size()};
    }

    /**
     * Queues {@code r}; its text starts flowing to its listener from the step it joins.
     *
     * @throws Rejected when {@code maxWaiting} requests are already queued, or the engine is closing
     * @throws IllegalArgumentException when the prompt is empty, has ids outside the vocabulary, or the prompt plus
     *                                  {@code maxNewTokens} exceeds the context
     */
    public Ticket submit(Request r) throws Rejected {
        int v = forward.model().vocabSize();
        if (r.prompt().length == 0) throw new IllegalArgumentException("the prompt has no tokens");
        for (int id : r.prompt())
            if (id < 0 || id >= v) throw new IllegalArgumentException("prompt id " + id + " is outside the vocabulary [0, " + v + ")");
        long total = (long) r.prompt().length + r.sampling().maxNewTokens();
        if (total > context)
            throw new IllegalArgumentException("the prompt (" + r.prompt().length + " tokens) plus max_tokens ("
                    + r.sampling().maxNewTokens() + ") exceeds the context of " + context + " tokens");
        Ticket ticket = new Ticket();
        synchronized (this) {
            if (closing) throw new Rejected("the server is shutting down", true);
            int queued = waiting.size() - (maxBatch - active.size());   // those that will not join at the next step
            if (queued >= maxWaiting)
                throw new Rejected(queued + " requests are already waiting for a slot (the limit is " + maxWaiting + ")", false);
            waiting.add(new Pending(r, ticket));
            notifyAll();
        }
        return ticket;
    }

    /**
     * Stops accepting requests, lets the queued and active ones run for up to {@code grace}, cancels what is left
     * and stops the engine thread.
     */
    public void shutdown(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        synchronized (this) {
            closing = true;
            notifyAll();
            while (!(active.isEmpty() && waiting.isEmpty()) && System.nanoTime() < deadline) {
                try {
                    wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            for (Pending p : waiting) p.ticket.cancel();
            for (Active a : active) a.ticket.cancel();
            notifyAll();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@link #shutdown} without grace: cancels everything. */
    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }

    private record Pending(Request request, Ticket ticket) {}

    /** A request being decoded: its cache, sampler, sequence so far and text state. */
    private final class Active {
        final Request request;
        final Ticket ticket;
        final KvCache cache;
        final Sampler sampler;
        final Tokenizer.StreamDecoder decoder;
        final int[] sequence;
        final StringBuilder text = new StringBuilder();
        int length, generated, emitted;
        int[] next;   // the tokens the next step feeds: the prompt, then the last sampled token

        Active(Request r, Ticket ticket) {
            this.request = r;
            this.ticket = ticket;
            int capacity = r.prompt().length + Math.max(r.sampling().maxNewTokens(), 1);
            this.cache = forward.model().newCache(1, capacity);
            this.sampler = new Sampler(r.sampling());
            this.decoder = tokenizer.streamDecoder();
            this.sequence = Arrays.copyOf(r.prompt(), capacity);
            this.length = r.prompt().length;
            this.next = r.prompt();
        }
    }

    private void loop() {
        while (true) {
            List<Active> batch;
            synchronized (this) {
                while (active.size() < maxBatch && !waiting.isEmpty()) {
                    Pending p = waiting.poll();
                    if (p.ticket.cancelled) {
                        finish(p.request, FinishReason.CANCELLED, 0);
                        continue;
                    }
                    Active a = new Active(p.request, p.ticket);
                    if (p.request.sampling().maxNewTokens() == 0) finish(p.request, FinishReason.LENGTH, 0);
                    else active.add(a);
                }
                for (Iterator<Active> it = active.iterator(); it.hasNext(); ) {
                    Active a = it.next();
                    if (a.ticket.cancelled) {
                        it.remove();
                        finish(a.request, FinishReason.CANCELLED, a.generated);
                    }
                }
                if (active.isEmpty()) {
                    notifyAll();   // wakes shutdown()
                    if (closing && waiting.isEmpty()) return;
                    try {
                        wait(closing ? 10 : 1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                    continue;
                }
                batch = new ArrayList<>(active);
            }
            List<BatchedForward.Sequence> sequences = new ArrayList<>(batch.size());
            for (Active a : batch) sequences.add(new BatchedForward.Sequence(a.cache, a.next, a.request.adapter()));
            float[][] logits;
            try {
                logits = forward.step(sequences);
            } catch (RuntimeException | OutOfMemoryError e) {   // ends this step's requests, never the engine
                synchronized (this) {
                    for (Active a : batch) {
                        active.remove(a);
                        finish(a.request, FinishReason.ERROR, a.generated);
                    }
                }
                continue;
            }
            steps++;
            for (int i = 0; i < batch.size(); i++) {
                Active a = batch.get(i);
                FinishReason end = advance(a, logits[i]);
                if (end != null) {
                    synchronized (this) {
                        active.remove(a);
                    }
                    finish(a.request, end, a.generated);
                }
            }
        }
    }

    /** Samples and emits one token of {@code a}; returns why it ended, or null to continue. */
    private FinishReason advance(Active a, float[] logits) {
        GenerationConfig config = a.request.sampling();
        int id = a.sampler.next(logits, a.sequence, a.length);
        if (config.isStop(id)) return flush(a, FinishReason.STOP);
        a.sequence[a.length++] = id;
        a.generated++;
        a.text.append(a.decoder.next(id));
        if (emit(a, false)) return FinishReason.STOP;
        if (a.generated >= config.maxNewTokens()) return flush(a, FinishReason.LENGTH);
        a.next = new int[] {id};
        return null;
    }

    /** Ends the stream decoder and emits what is left; a stop string in it still ends the text there. */
    private FinishReason flush(Active a, FinishReason reason) {
        a.text.append(a.decoder.finish());
        return emit(a, true) ? FinishReason.STOP : reason;
    }

    /**
     * Hands the listener the text that is now certain: up to the first stop string (returns true: the request is
     * done), else everything except a tail that could still grow into a stop string (all of it when {@code last}).
     */
    private boolean emit(Active a, boolean last) {
        int cut = -1;
        for (String s : a.request.stop()) {
            int at = a.text.indexOf(s, Math.max(0, a.emitted - s.length() + 1));
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        int end = cut >= 0 ? cut : last ? a.text.length() : a.text.length() - heldBack(a);
        if (end > a.emitted) {
            deliver(a, a.text.substring(a.emitted, end));
            a.emitted = end;
        }
        return cut >= 0;
    }

    /** The length of the longest tail of the text that is a proper prefix of some stop string. */
    private static int heldBack(Active a) {
        int hold = 0;
        for (String s : a.request.stop())
            for (int n = Math.min(s.length() - 1, a.text.length() - a.emitted); n > hold; n--)
                if (s.startsWith(a.text.substring(a.text.length() - n))) {
                    hold = n;
                    break;
                }
        return hold;
    }

    private static void deliver(Active a, String text) {
        try {
            a.request.listener().onText(text);
        } catch (RuntimeException e) {
            a.ticket.cancel();
        }
    }

    private static void finish(Request r, FinishReason reason, int generated) {
        try {
            r.listener().onFinish(reason, r.prompt().length, generated);
        } catch (RuntimeException ignored) {
            // the listener's owner is gone; nothing is waiting for this request any more
        }
    }
}
