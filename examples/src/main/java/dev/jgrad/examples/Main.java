package dev.jgrad.examples;

import dev.jgrad.examples.cli.DashboardCommand;
import dev.jgrad.examples.cli.DemoCommand;
import dev.jgrad.examples.cli.ExportCommand;
import dev.jgrad.examples.cli.FinetuneCommand;
import dev.jgrad.examples.cli.GenerateCommand;
import dev.jgrad.examples.cli.LearnCommand;
import dev.jgrad.examples.cli.MergeCommand;
import dev.jgrad.examples.cli.QuantizeCommand;
import dev.jgrad.examples.cli.SearchCommand;
import dev.jgrad.examples.cli.ServeCommand;
import dev.jgrad.examples.cli.TrainCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.nio.file.Path;

/**
 * The {@code jgrad} command line. Each subcommand is a small class in {@code dev.jgrad.examples.cli} that
 * parses its options and calls the library.
 *
 * <p>Every path the user gives, and every default output ({@code runs/...}), is resolved against one working
 * directory: the process's own for {@code ./jgrad}, any folder for a test that runs the commands in-process.
 */
@Command(name = "jgrad", mixinStandardHelpOptions = true, version = "jgrad 0.1.0-SNAPSHOT",
        description = "Deep learning in pure Java: train, fine-tune and run transformers on the JVM.",
        subcommands = {DemoCommand.class, TrainCommand.class, SearchCommand.class, GenerateCommand.class,
                FinetuneCommand.class, MergeCommand.class, QuantizeCommand.class, ExportCommand.class, ServeCommand.class,
                DashboardCommand.class, LearnCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Commands of the ./jgrad launcher itself:",
                "  test      The full test suite (mvn verify).",
                "  bench     JMH benchmarks; the arguments go to JMH, e.g. ./jgrad bench Sgemm."})
public final class Main implements Runnable {

    private final Path workDir;

    private Main(Path workDir) {
        this.workDir = workDir;
    }

    /** The directory relative paths are resolved against. */
    public Path workDir() {
        return workDir;
    }

    /** {@code path} resolved against the working directory (an absolute path stays as it is). */
    public Path resolve(String path) {
        return workDir.resolve(path);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /**
     * The library reports through {@link System.Logger}; the command line prints training progress itself (see
     * {@link ConsoleProgress}), so the trainer's own events are shown only from warnings up.
     */
    private static final java.util.logging.Logger TRAINER_LOG = java.util.logging.Logger.getLogger("dev.jgrad.optim.train");

    public static void main(String[] args) {
        TRAINER_LOG.setLevel(java.util.logging.Level.WARNING);
        int code;
        try {
            code = commandLine().execute(args);
        } catch (OutOfMemoryError e) {
            System.err.println("jgrad: out of memory (the JVM may use " + (Runtime.getRuntime().maxMemory() >> 20)
                    + " MiB): use a smaller model, --batch or --block, or give Java more with JGRAD_JAVA_OPTS=-Xmx8g");
            code = 3;
        }
        System.exit(code);
    }

    /** The command line in the process's working directory. */
    public static CommandLine commandLine() {
        return commandLine(Path.of("").toAbsolutePath());
    }

    /** The configured command line, with relative paths resolved against {@code workDir} (also used by tests). */
    public static CommandLine commandLine(Path workDir) {
        CommandLine cli = new CommandLine(new Main(workDir.toAbsolutePath().normalize()));
        cli.registerConverter(Path.class, s -> workDir.toAbsolutePath().resolve(s));
        // A user error (bad option, bad file) prints one clear line, not a stack trace.
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException || e instanceof java.io.IOException
                    || e instanceof java.io.UncheckedIOException || e instanceof IllegalStateException
                    || e instanceof dev.jgrad.nn.data.CorpusException || e instanceof dev.jgrad.optim.train.NonFiniteException) {
                cmd.getErr().println("jgrad " + cmd.getCommandName() + ": " + message(e));
                return 2;
            }
            throw e;
        });
        // A malformed command line (an option's value of the wrong type, a missing required option) is one line too,
        // with where to read the options, rather than the message followed by the whole usage text.
        cli.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            String name = cmd.getCommandName(), help = cmd == cli ? "jgrad --help" : "jgrad " + name + " --help";
            cmd.getErr().println("jgrad" + (cmd == cli ? "" : " " + name) + ": " + ex.getMessage() + " (see " + help + ")");
            return 2;
        });
        return cli;
    }

    /** The message of {@code e}, with the file-system errors whose message is a bare path said in words. */
    static String message(Exception e) {
        Throwable t = e instanceof java.io.UncheckedIOException u && u.getCause() != null ? u.getCause() : e;
        return switch (t) {
            case java.nio.file.NoSuchFileException n -> "no such file or directory: " + n.getFile();
            case java.nio.file.AccessDeniedException a -> "permission denied: " + a.getFile();
            case java.nio.file.NotDirectoryException d -> "not a directory: " + d.getFile();
            case java.nio.file.FileAlreadyExistsException x -> "already exists: " + x.getFile();
            default -> e.getMessage();
        };
    }
}
