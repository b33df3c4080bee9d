package dev.jgrad.examples.cli;

import dev.jgrad.examples.serve.OpenAiServer;
import dev.jgrad.examples.serve.ServedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;

/** {@code ./jgrad serve}: an OpenAI-compatible HTTP server with continuous batching and per-request LoRA adapters. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a checkpoint over OpenAI's API: GET /v1/models, POST /v1/completions, POST /v1/chat/completions"
                + " (with \"stream\": true for server-sent events), GET /health.",
                "Prints \"listening on http://HOST:PORT\" once it accepts requests; SIGTERM (Ctrl-C) lets running requests"
                        + " finish for --grace seconds, cancels the rest and exits."})
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, paramLabel = "PATH",
            description = "The model: a Hugging Face directory, a llama2.c .bin, a jgrad checkpoint or a training run directory.")
    Path checkpoint;
    @Option(names = "--tokenizer", paramLabel = "PATH", description = "Tokenizer file or directory (default: the checkpoint's own).")
    Path tokenizer;
    @Option(names = "--quant", paramLabel = "TYPE", description = QuantOption.DESCRIPTION)
    String quant;
    @Option(names = "--adapter", paramLabel = "NAME=DIR",
            description = "A PEFT LoRA adapter directory, served as model NAME on the shared base (repeatable).")
    Map<String, Path> adapters = new LinkedHashMap<>();
    @Option(names = "--name", paramLabel = "MODEL_ID", description = "The base model's id in the API (default: the checkpoint's file name).")
    String name;
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Interface to listen on (default: ${DEFAULT-VALUE}, this machine only).")
    String host;
    @Option(names = "--port", defaultValue = "8080", description = "Port, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port;
    @Option(names = "--max-batch", defaultValue = "8", paramLabel = "N", description = "Sequences decoded together per step (default: ${DEFAULT-VALUE}).")
    int maxBatch;
    @Option(names = "--max-waiting", defaultValue = "64", paramLabel = "N",
            description = "Requests queued for a slot before answering 429 (default: ${DEFAULT-VALUE}).")
    int maxWaiting;
    @Option(names = "--context", paramLabel = "N", description = "Prompt plus max_tokens at most (default: the model's maximum).")
    Integer context;
    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require \"Authorization: Bearer KEY\" on every request (default: $JGRAD_API_KEY, else none).")
    String apiKey;
    @Option(names = "--chat-template", paramLabel = "NAME|FILE",
            description = "chatml, llama-2, llama-3 or mistral, or a file holding a Jinja chat template (default: the"
                    + " chat_template of the model's tokenizer_config.json, else chatml).")
    String chatTemplate;
    @Option(names = "--max-body", defaultValue = "1048576", paramLabel = "BYTES",
            description = "Largest request body; larger ones get 413 (default: ${DEFAULT-VALUE}).")
    long maxBody;
    @Option(names = "--grace", defaultValue = "30", paramLabel = "SECONDS",
            description = "On SIGTERM, how long running requests may take to finish (default: ${DEFAULT-VALUE}).")
    int grace;

    /** Helidon logs through java.util.logging; its INFO lines would bury the one line that says where we listen. */
    private static final Logger HELIDON_LOG = Logger.getLogger("io.helidon");

    @Override
    public Integer call() throws Exception {
        String key = apiKey != null ? apiKey : System.getenv("JGRAD_API_KEY");
        if (key != null && key.isBlank()) throw new IllegalArgumentException("--api-key must not be blank");
        OpenAiServer.Settings settings = new OpenAiServer.Settings(host, port, maxBatch, maxWaiting,
                context != null ? context : Integer.MAX_VALUE, key, maxBody);
        if (context != null && context < 1) throw new IllegalArgumentException("--context must be >= 1, got " + context);
        if (grace < 0) throw new IllegalArgumentException("--grace must be >= 0, got " + grace);
        checkPortIsFree();   // before loading a model that may take minutes, and before Helidon logs a failed bind
        Path resolved = Runs.checkpoint(checkpoint, System.out);
        ServedModel model = ServedModel.load(resolved, tokenizer, QuantOption.linears(quant, resolved, null), adapters, name,
                chatTemplate);
        HELIDON_LOG.setLevel(Level.WARNING);
        OpenAiServer server = OpenAiServer.start(model, settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            int[] load = server.engine().load();
            System.err.println("shutting down: " + load[0] + " running and " + load[1] + " waiting requests get up to "
                    + grace + " s");
            server.stop(Duration.ofSeconds(grace));
            stopped.countDown();
        }, "jgrad-serve-shutdown"));
        System.err.println("serving " + String.join(", ", model.ids()) + " (" + model.model().getClass().getSimpleName()
                + ", context " + server.engine().context() + ", batches of " + maxBatch
                + (chatTemplate != null ? ", chat template " + chatTemplate : "")
                + (model.endOfTurn() != null ? ", chat turns end at " + model.endOfTurn() : "") + ")");
        System.out.println("listening on " + server.url());
        System.out.flush();
        stopped.await();
        return 0;
    }

    private void checkPortIsFree() {
        if (port == 0) return;
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.bind(new java.net.InetSocketAddress(host, port));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + e.getMessage());
        }
    }
}
