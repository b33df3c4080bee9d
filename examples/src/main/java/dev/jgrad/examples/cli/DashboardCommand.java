package dev.jgrad.examples.cli;

import dev.jgrad.examples.dashboard.DashboardServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./jgrad dashboard [RUNS_DIR]}: a web page on 127.0.0.1 charting the training runs and search studies under
 * a folder, finished or still being written by another process (it rereads their files on every poll). To watch a
 * run with its ETA and memory, start it with {@code ./jgrad train --dashboard} instead.
 */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
        description = "Serve a web page charting the runs and search studies under RUNS_DIR (live as they train).")
public final class DashboardCommand implements Callable<Integer> {

    @Parameters(arity = "0..1", paramLabel = "RUNS_DIR", defaultValue = "runs",
            description = "A folder of run directories, a search directory or one run directory (default: ${DEFAULT-VALUE}).")
    Path runs;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8050", description = "Port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(runs))
            throw new IllegalArgumentException("no such directory: " + runs + " (give the folder that holds your runs, e.g. runs)");
        DashboardServer server = DashboardServer.start(runs, port, null);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "jgrad-dashboard-shutdown"));
        System.out.println("dashboard of " + runs + " at " + server.url() + " (Ctrl-C to stop)");
        System.out.flush();
        stopped.await();
        return 0;
    }
}
