package dev.jgrad.examples.serve;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jgrad serve} as a process: it prints where it listens, serves, and on SIGTERM lets the running request
 * finish and exits without a stack trace.
 */
class ServeCommandTest {

    @TempDir
    Path dir;

    /** The first data line of an event stream (skipping keep-alive comments sent while the model was busy). */
    static String firstEvent(BufferedReader stream) throws java.io.IOException {
        String line;
        while ((line = stream.readLine()) != null) if (line.startsWith("data: ")) return line;
        return "";
    }

    /** Runs {@code jgrad ARGS} in-process, expecting exit code 2 and one line on stderr; returns it. */
    static String refused(String... args) {
        picocli.CommandLine cli = dev.jgrad.examples.Main.commandLine();
        java.io.StringWriter err = new java.io.StringWriter();
        cli.setErr(new java.io.PrintWriter(err));
        assertEquals(2, cli.execute(args), "stderr: " + err);
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        return err.toString();
    }

    @Test
    void badArgumentsAreOneLineAndExitCode2() throws Exception {
        TinyModel tiny = new TinyModel(dir);
        String ckpt = tiny.checkpoint.toString();
        assertTrue(refused("serve", "--checkpoint", dir.resolve("none").toString()).contains("does not exist"));
        assertTrue(refused("serve", "--checkpoint", ckpt, "--quant", "q5_k").contains("--quant must be q8_0, q4_0, nf4 or fp4, got \"q5_k\""));
        assertTrue(refused("serve", "--checkpoint", ckpt, "--chat-template", "vicuna").contains("unknown chat format"));
        assertTrue(refused("serve", "--checkpoint", ckpt, "--adapter", "x=" + dir).contains("adapter_config.json"));
        assertTrue(refused("serve", "--checkpoint", ckpt, "--adapter", "tiny=" + tiny.adapter).contains("already taken"));
        assertTrue(refused("serve", "--checkpoint", ckpt, "--max-batch", "0").contains("max batch"));
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertTrue(refused("serve", "--checkpoint", ckpt, "--port", Integer.toString(taken.getLocalPort())).contains("cannot listen"));
        }
    }

    @Test
    void sigtermFinishesTheRunningRequestAndExits() throws Exception {
        TinyModel tiny = new TinyModel(dir);
        String java = ProcessHandle.current().info().command().orElse("java");
        Path err = dir.resolve("stderr.txt");
        Process p = new ProcessBuilder(java, "--add-modules=jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                "dev.jgrad.examples.Main", "serve", "--checkpoint", tiny.checkpoint.toString(), "--port", "0", "--grace", "60")
                .redirectError(err.toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            assertTrue(first != null && first.matches("listening on http://127\\.0\\.0\\.1:\\d+"), "printed: " + first);
            String url = first.substring("listening on ".length());

            String body = "{\"model\": \"tiny\", \"prompt\": \"abc\", \"max_tokens\": 1200, \"temperature\": 0, \"stream\": true}";
            HttpResponse<java.io.InputStream> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/v1/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
            BufferedReader stream = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
            assertTrue(firstEvent(stream).startsWith("data: "));
            p.destroy();   // SIGTERM
            String line, last = null, finish = null;
            while ((line = stream.readLine()) != null) {
                if (line.startsWith("data: ")) last = line;
                if (line.contains("\"finish_reason\":\"")) finish = line;
            }
            assertEquals("data: [DONE]", last);
            assertTrue(finish != null && finish.contains("\"finish_reason\":\"length\""), "the request ran to its end: " + finish);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the server must exit after SIGTERM");
            List<String> log = Files.readAllLines(err);
            assertTrue(log.stream().anyMatch(l -> l.startsWith("shutting down: 1 running")), String.join("\n", log));
            assertFalse(log.stream().anyMatch(l -> l.contains("Exception") || l.startsWith("\tat ")), String.join("\n", log));
        } finally {
            p.destroyForcibly();
        }
    }
}
