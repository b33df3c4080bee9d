package dev.jgrad.examples.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * The training dashboard's web server (Helidon SE, like {@code ./jgrad serve}): one page that charts the runs and
 * search studies under a folder, and the run being trained in this process, if any.
 *
 * <p>The page polls a small JSON API and redraws without reloading; since the trainer flushes
 * {@code metrics.jsonl} line by line, what the page shows is at most one poll behind training:
 * <ul>
 *   <li>{@code GET /api/list}: {@code {"runs": [...], "studies": [...], "live": name or null}};</li>
 *   <li>{@code GET /api/run?name=N}: one run's metrics as columns, and its samples ({@link RunFiles#run});</li>
 *   <li>{@code GET /api/study?name=N}: one study's trials and best configuration ({@link StudyFiles#study});</li>
 *   <li>{@code GET /api/live}: progress, ETA and memory of the run training in this process ({@link LiveStatus}).</li>
 * </ul>
 * The page and the charting library (uPlot, MIT, from its WebJar) are served from the jar: nothing is fetched from
 * the internet, so the dashboard works offline. It listens on 127.0.0.1 only.
 */
public final class DashboardServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.logging.Logger HELIDON_LOG = java.util.logging.Logger.getLogger("io.helidon");
    private static final String PAGE = "/dev/jgrad/examples/dashboard/";

    private final RunFiles files;
    private final LiveStatus live;
    private final String uplot;
    private final WebServer server;

    private DashboardServer(Path root, int port, LiveStatus live) {
        this.files = new RunFiles(root);
        this.live = live;
        this.uplot = "/META-INF/resources/webjars/uplot/" + webjarVersion("uplot") + "/";
        try {
            this.server = WebServer.builder().host("127.0.0.1").port(port).shutdownHook(false)
                    .routing(this::routes).build().start();
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot listen on 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
    }

    /**
     * Serves the dashboard of the runs under {@code root}.
     *
     * @param port 0 for any free port
     * @param live the run training in this process, or null
     */
    public static DashboardServer start(Path root, int port, LiveStatus live) {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        if (port != 0) {   // a clear message instead of Helidon's logged bind failure
            try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
                probe.bind(new java.net.InetSocketAddress("127.0.0.1", port));
            } catch (IOException e) {
                throw new IllegalStateException("cannot serve the dashboard on 127.0.0.1:" + port + ": " + e.getMessage()
                        + " (choose another port)");
            }
        }
        HELIDON_LOG.setLevel(java.util.logging.Level.WARNING);
        return new DashboardServer(root, port, live);
    }

    /**
     * Serves the dashboard of a run about to be trained in this process, with the runs beside it (its parent
     * folder) to compare with; add {@link #live()} to the training's callbacks.
     */
    public static DashboardServer forTraining(Path runDir, int port) {
        Path abs = runDir.toAbsolutePath().normalize();
        Path root = abs.getParent() != null ? abs.getParent() : abs;
        return start(root, port, new LiveStatus(root.equals(abs) ? "." : abs.getFileName().toString()));
    }

    /** The live status of the run training in this process, or null. */
    public LiveStatus live() {
        return live;
    }

    public String url() {
        return "http://127.0.0.1:" + server.port() + "/";
    }

    @Override
    public void close() {
        server.stop();
    }

    private void routes(HttpRouting.Builder r) {
        r.get("/", (req, res) -> resource(res, PAGE + "index.html", "text/html; charset=utf-8"));
        r.get("/dashboard.js", (req, res) -> resource(res, PAGE + "dashboard.js", "text/javascript; charset=utf-8"));
        r.get("/uplot/uPlot.iife.min.js", (req, res) -> resource(res, uplot + "dist/uPlot.iife.min.js", "text/javascript; charset=utf-8"));
        r.get("/uplot/uPlot.min.css", (req, res) -> resource(res, uplot + "dist/uPlot.min.css", "text/css; charset=utf-8"));
        r.get("/uplot/LICENSE", (req, res) -> resource(res, uplot + "LICENSE", "text/plain; charset=utf-8"));
        r.get("/api/list", (req, res) -> json(res, () -> {
            Map<String, Object> list = new java.util.LinkedHashMap<>(files.list());
            list.put("live", live == null ? null : live.snapshot().get("run"));
            return list;
        }));
        r.get("/api/run", (req, res) -> json(res, () -> files.run(name(req))));
        r.get("/api/study", (req, res) -> json(res, () -> StudyFiles.study(files, name(req))));
        r.get("/api/live", (req, res) -> json(res, () -> live == null ? null : live.snapshot()));
    }

    private static String name(ServerRequest req) {
        return req.query().contains("name") ? req.query().get("name") : ".";
    }

    private interface Body {
        Object get() throws IOException;
    }

    /** Answers with {@code body} as JSON; a bad name is 404 with {@code {"error": ...}}, a read failure 500. */
    private static void json(ServerResponse res, Body body) {
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        try {
            Object value = body.get();
            res.send(JSON.writeValueAsBytes(value));
        } catch (IllegalArgumentException e) {
            res.status(404);
            sendError(res, e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            res.status(500);
            sendError(res, "cannot read the runs: " + e.getMessage());
        }
    }

    private static void sendError(ServerResponse res, String message) {
        try {
            res.send(JSON.writeValueAsBytes(Map.of("error", String.valueOf(message))));
        } catch (IOException e) {
            res.send();
        }
    }

    private static void resource(ServerResponse res, String path, String type) {
        try (InputStream in = DashboardServer.class.getResourceAsStream(path)) {
            if (in == null) {
                res.status(404);
                res.send("not found: " + path);
                return;
            }
            res.header(HeaderNames.CONTENT_TYPE, type);
            res.send(in.readAllBytes());
        } catch (IOException e) {
            res.status(500);
            res.send("cannot read " + path);
        }
    }

    /** The version of a WebJar on the class path, from the {@code pom.properties} Maven put in it. */
    private static String webjarVersion(String artifact) {
        String path = "/META-INF/maven/org.webjars.npm/" + artifact + "/pom.properties";
        try (InputStream in = DashboardServer.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("the " + artifact + " WebJar is missing from the class path");
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
