package dev.jgrad.examples;

import dev.jgrad.examples.dashboard.DashboardServer;
import dev.jgrad.optim.train.StepMetrics;
import dev.jgrad.optim.train.TrainerCallback;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The dashboard in a real browser (headless Chromium) while a run trains: the page's script must have fetched the
 * metrics and drawn them, and the hidden {@code #chart-data} table and the charts' {@code data-points} say what it
 * drew. Training is held at steps 10 and 20 by a callback, so each load sees a known state; the expected counts
 * come from the metrics files themselves. Skipped when Chromium is not installed ({@code apt-get install -y chromium}).
 * It leaves a screenshot in {@code examples/target/dashboard.png} (the one in {@code docs/images} is such a shot).
 */
class DashboardBrowserTest {

    /** Holds the training thread at the given steps until the test lets it go on. */
    private static final class Gate implements TrainerCallback {
        final Semaphore arrived = new Semaphore(0), proceed = new Semaphore(0);
        final Set<Integer> stops;

        Gate(Integer... stops) {
            this.stops = Set.of(stops);
        }

        @Override
        public void onStep(StepMetrics m) {
            if (!stops.contains(m.step())) return;
            arrived.release();
            proceed.acquireUninterruptibly();
        }

        void awaitArrival() throws InterruptedException {
            assertTrue(arrived.tryAcquire(300, TimeUnit.SECONDS), "training did not reach the next stop");
        }
    }

    @Test
    void theChartsGrowWhileARunTrainsAndAFinishedRunCanBeOverlaid(@TempDir Path dir) throws Exception {
        Path chromium = chromium();
        assumeTrue(chromium != null, "chromium is not installed (apt-get install -y chromium): browser test skipped");

        Path runs = dir.resolve("runs"), finished = runs.resolve("b"), live = runs.resolve("a");
        CliTest.run(0, CliTest.args("train", CliTest.corpus(dir), finished, "--steps", "10"));

        RunSettings settings = RunSettings.load(finished.resolve("config.json")).withSteps(30);
        Session session = new Session(settings, live, new PrintStream(OutputStream.nullOutputStream()));
        session.prepareData(live.resolve("data"));
        session.buildModel();
        Gate gate = new Gate(10, 20);
        List<Throwable> failure = new ArrayList<>();
        try (DashboardServer board = DashboardServer.forTraining(live, 0)) {
            session.addCallback(board.live()).addCallback(gate);
            Thread training = Thread.ofPlatform().name("dashboard-test-training").start(() -> {
                try {
                    session.train(false, false);
                } catch (Throwable t) {
                    failure.add(t);
                }
            });
            try {
                gate.awaitArrival();   // held inside step 10: metrics.jsonl has its row
                String first = dumpDom(chromium, dir, board.url() + "?runs=a");
                assertEquals(List.of("a"), runsIn(first), "only the chosen run is drawn");
                assertEquals(10, points(first, "a", "train"));
                assertEquals(rows(live, "val"), points(first, "a", "val"));
                assertEquals(10 + rows(live, "val"), chartPoints(first, "loss"));
                assertTrue(first.contains("step: 10 / 30"), "live progress shown: " + liveBox(first));
                assertTrue(first.contains("ETA: "), liveBox(first));

                gate.proceed.release();
                gate.awaitArrival();   // held at step 20
                String url = board.url() + "?runs=a,b";
                String second = dumpDom(chromium, dir, url);
                assertEquals(List.of("a", "b"), runsIn(second), "the finished run is overlaid");
                assertEquals(20, points(second, "a", "train"), "the live run's points grew");
                assertTrue(points(second, "a", "val") > points(first, "a", "val"));
                assertEquals(rows(finished, "train"), points(second, "b", "train"));
                assertEquals(rows(finished, "val"), points(second, "b", "val"));
                assertEquals(20 + rows(live, "val") + rows(finished, "train") + rows(finished, "val"), chartPoints(second, "loss"));
                assertTrue(second.contains("data-series=\"a train|a val|b train|b val\""), "loss chart series");
                assertTrue(second.contains("step: 20 / 30"), liveBox(second));
                assertTrue(second.contains("a at step"), "samples shown");

                Path shot = Path.of("target", "dashboard.png").toAbsolutePath();
                Files.deleteIfExists(shot);
                chrome(chromium, dir, "--window-size=1280,900", "--screenshot=" + shot, url);
                byte[] png = Files.readAllBytes(shot);
                assertTrue(png.length > 20_000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a screenshot of the charts");
            } finally {
                gate.proceed.release(2);
                training.join(300_000);
            }
            assertTrue(failure.isEmpty(), () -> "training failed: " + failure);
        }
    }

    @Test
    void aStudyShowsItsTrialsSortedByTheChosenColumnAndEachParameterAgainstTheObjective(@TempDir Path dir) throws Exception {
        Path chromium = chromium();
        assumeTrue(chromium != null, "chromium is not installed (apt-get install -y chromium): browser test skipped");
        Path study = Files.createDirectories(dir.resolve("runs/search"));
        // As HyperparameterSearch.save writes it: ranked by metric, a failed trial last.
        Files.writeString(study.resolve("results.csv"), """
                rank,trial,metric,steps,seconds,params,note
                1,3,1.0,10,1.00,"lr=0.003000 act=gelu","completed"
                2,1,2.0,10,1.00,"lr=0.0001000 act=relu","completed"
                3,2,3.0,10,1.00,"lr=0.001000 act=gelu","completed"
                4,4,,0,0.10,"lr=0.002000 act=relu","failed: diverged"
                """);
        Files.writeString(study.resolve("best.json"), "{\"metric\": 1.0, \"trial\": 3, \"params\": {\"lr\": 0.003, \"act\": \"gelu\"}}");
        try (DashboardServer board = DashboardServer.start(dir.resolve("runs"), 0, null)) {
            String dom = dumpDom(chromium, dir, board.url() + "?view=study&study=search&sort=-metric");
            Matcher table = Pattern.compile("<table class=\"trials\" id=\"trials\"[^>]*>").matcher(dom);
            assertTrue(table.find(), "no trials table");
            assertTrue(table.group().contains("data-trials=\"4\"") && table.group().contains("data-sort-column=\"metric\"")
                    && table.group().contains("data-sort-ascending=\"false\""), table.group());
            List<String> order = new ArrayList<>();
            Matcher row = Pattern.compile("<tr data-trial=\"(\\d+)\"").matcher(dom);
            while (row.find()) order.add(row.group(1));
            assertEquals(List.of("2", "1", "3", "4"), order, "highest objective first, the failed trial last");
            assertTrue(dom.contains("<tr data-trial=\"3\" class=\"best\">"), "the best trial is marked");
            assertTrue(dom.contains("best: trial 3"), "best.json shown");
            for (String chart : List.of("study-best", "study-param-lr", "study-param-act"))
                assertTrue(Pattern.compile("id=\"" + chart + "\"[^>]*data-points=\"3\"").matcher(dom).find(), chart + " draws the 3 finished trials");
        }
    }

    /** Chromium from $JGRAD_CHROMIUM or the usual places, or null. */
    private static Path chromium() {
        List<String> candidates = new ArrayList<>();
        if (System.getenv("JGRAD_CHROMIUM") != null) candidates.add(System.getenv("JGRAD_CHROMIUM"));
        candidates.addAll(List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"));
        return candidates.stream().map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
    }

    private static String dumpDom(Path chromium, Path dir, String url) throws Exception {
        return chrome(chromium, dir, "--dump-dom", url);
    }

    /** Runs headless Chromium once, with a fresh profile and the page's script given 5 s of virtual time. */
    private static String chrome(Path chromium, Path dir, String... args) throws Exception {
        Path profile = Files.createTempDirectory(dir, "chromium-"), out = profile.resolve("stdout"), log = profile.resolve("stderr");
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile.resolve("data"), "--virtual-time-budget=5000"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s: " + Files.readString(log));
        }
        assertEquals(0, p.exitValue(), () -> "chromium failed: " + read(log));
        return Files.readString(out);
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static List<String> runsIn(String dom) {
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("<tr data-run=\"([^\"]+)\"").matcher(dom);
        while (m.find()) names.add(m.group(1));
        return names;
    }

    /** The train or val point count the page reports for a run. */
    private static int points(String dom, String run, String part) {
        Matcher row = Pattern.compile("<tr data-run=\"" + Pattern.quote(run) + "\"[^>]*>").matcher(dom);
        assertTrue(row.find(), "no row for run " + run + " in #chart-data");
        Matcher n = Pattern.compile("data-" + part + "-points=\"(\\d+)\"").matcher(row.group());
        assertTrue(n.find(), row.group());
        return Integer.parseInt(n.group(1));
    }

    /** The points drawn in one chart, from its data-points attribute. */
    private static int chartPoints(String dom, String chart) {
        Matcher m = Pattern.compile("id=\"chart-" + chart + "\"[^>]*data-points=\"(\\d+)\"").matcher(dom);
        assertTrue(m.find(), "no chart " + chart);
        return Integer.parseInt(m.group(1));
    }

    private static String liveBox(String dom) {
        int at = dom.indexOf("id=\"live\"");
        return at < 0 ? "(no live box)" : dom.substring(at, Math.min(dom.length(), at + 600));
    }

    /** Rows of one kind in a run's metrics.jsonl: what the page should show. */
    private static int rows(Path run, String kind) throws IOException {
        return (int) Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .filter(l -> l.startsWith("{\"kind\":\"" + kind + "\"")).count();
    }
}
