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
            assertTrue(stream.readLine().startsWith("data: "));
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
