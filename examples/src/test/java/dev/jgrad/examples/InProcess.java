package dev.jgrad.examples;

import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Runs a {@code jgrad} command in this JVM as a user in {@code cwd} would: relative paths resolve against
 * {@code cwd} (not the test's own working directory), and what the command prints to stdout and stderr is kept.
 */
final class InProcess {

    /** The exit code and everything printed. */
    record Result(int code, String out, String err) {
        /** Stdout and stderr together, for messages that may go to either. */
        String all() {
            return out + err;
        }
    }

    private InProcess() {}

    static synchronized Result run(Path cwd, String... args) {
        PrintStream savedOut = System.out, savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), errBytes = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            CommandLine cli = Main.commandLine(cwd);
            cli.setErr(new PrintWriter(err, true));
            code = cli.execute(args);
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err + errBytes.toString(StandardCharsets.UTF_8));
    }
}
