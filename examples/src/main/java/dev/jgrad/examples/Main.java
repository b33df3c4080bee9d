package dev.jgrad.examples;

import dev.jgrad.examples.cli.DemoCommand;
import dev.jgrad.examples.cli.ExportCommand;
import dev.jgrad.examples.cli.FinetuneCommand;
import dev.jgrad.examples.cli.GenerateCommand;
import dev.jgrad.examples.cli.MergeCommand;
import dev.jgrad.examples.cli.QuantizeCommand;
import dev.jgrad.examples.cli.SearchCommand;
import dev.jgrad.examples.cli.TrainCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code jgrad} command line. Each subcommand is a small class in {@code dev.jgrad.examples.cli} that
 * parses its options and calls the library.
 */
@Command(name = "jgrad", mixinStandardHelpOptions = true, version = "jgrad 0.1.0-SNAPSHOT",
        description = "Deep learning in pure Java: train, fine-tune and run transformers on the JVM.",
        subcommands = {DemoCommand.class, TrainCommand.class, SearchCommand.class, GenerateCommand.class,
                FinetuneCommand.class, MergeCommand.class, QuantizeCommand.class, ExportCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (also used by tests). */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        // A user error (bad option, bad file) prints one clear line, not a stack trace.
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof IllegalArgumentException || e instanceof java.io.IOException
                    || e instanceof java.io.UncheckedIOException || e instanceof IllegalStateException
                    || e instanceof dev.jgrad.nn.data.CorpusException || e instanceof dev.jgrad.optim.train.NonFiniteException) {
                cmd.getErr().println("jgrad " + cmd.getCommandName() + ": " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cli;
    }
}
