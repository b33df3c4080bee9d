package dev.jgrad.examples;

import dev.jgrad.examples.dashboard.DashboardServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dashboard's server and its command-line errors, without a browser. */
class DashboardCliTest {

    private static HttpResponse<String> get(String url) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void thePageAndTheChartingLibraryAreServedFromTheJarAndBadNamesAre404(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("a"));
        Files.writeString(dir.resolve("a/metrics.jsonl"), "{\"kind\":\"train\",\"step\":1,\"loss\":2.5,\"lr\":0.001,"
                + "\"grad_norm\":1.0,\"ms\":10.0,\"items_per_sec\":100.0,\"gflops\":0.0}\n");
        try (DashboardServer server = DashboardServer.start(dir, 0, null)) {
            HttpResponse<String> page = get(server.url());
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("/uplot/uPlot.iife.min.js") && page.body().contains("id=\"chart-data\""));
            HttpResponse<String> lib = get(server.url() + "uplot/uPlot.iife.min.js");
            assertEquals(200, lib.statusCode());
            assertTrue(lib.body().contains("uPlot") && lib.body().length() > 10_000, "the WebJar's script");
            assertTrue(get(server.url() + "uplot/LICENSE").body().contains("MIT"));
            assertEquals(200, get(server.url() + "dashboard.js").statusCode());

            HttpResponse<String> list = get(server.url() + "api/list");
            assertEquals("{\"runs\":[\"a\"],\"studies\":[],\"live\":null}", list.body());
            assertTrue(get(server.url() + "api/run?name=a").body().contains("\"loss\":[2.5]"));
            HttpResponse<String> outside = get(server.url() + "api/run?name=..%2F..%2Fetc");
            assertEquals(404, outside.statusCode());
            assertTrue(outside.body().contains("no such run"), outside.body());
            assertEquals("null", get(server.url() + "api/live").body(), "no run trains in this process");
        }
    }

    @Test
    void trainWithDashboardServesWhileTrainingAndStopsWithIt(@TempDir Path dir) throws Exception {
        InProcess.Result r = InProcess.run(dir, CliTest.args("train", CliTest.corpus(dir), dir.resolve("run"), "--steps", "3",
                "--dashboard", "0"));
        assertEquals(0, r.code(), r.all());
        java.util.regex.Matcher url = java.util.regex.Pattern.compile("dashboard: (http://127\\.0\\.0\\.1:\\d+/)").matcher(r.out());
        assertTrue(url.find(), r.out());
        assertTrue(Files.isRegularFile(dir.resolve("run/metrics.jsonl")));
        assertThrows(java.net.ConnectException.class, () -> get(url.group(1)), "the server stopped with training");
    }

    @Test
    void aMissingRunsFolderIsOneClearLine(@TempDir Path dir) {
        String err = CliTest.run(2, "dashboard", dir.resolve("nope").toString(), "--port", "0");
        assertTrue(err.contains("jgrad dashboard: no such directory") && !err.contains("\tat "), err);
    }

    @Test
    void aBusyDashboardPortStopsTrainingBeforeItStartsAndLeavesNoRunBehind(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            String err = CliTest.run(2, CliTest.args("train", CliTest.corpus(dir), run, "--steps", "3",
                    "--dashboard", String.valueOf(busy.getLocalPort())));
            assertTrue(err.contains("cannot serve the dashboard on 127.0.0.1:" + busy.getLocalPort()) && !err.contains("\tat "), err);
        }
        assertFalse(Files.exists(run), "no half-written run directory");
    }
}
