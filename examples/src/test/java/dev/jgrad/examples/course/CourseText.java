package dev.jgrad.examples.course;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Keeps the course's text and its programs from drifting apart: every line of every {@code ```output} block of
 * a chapter's Markdown must appear, verbatim, as a line of what the chapter's program printed.
 */
public final class CourseText {

    /** The repository root (tests run in {@code examples/}). */
    public static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Pattern OUTPUT_BLOCK = Pattern.compile("^```output\\n(.*?)^```$", Pattern.DOTALL | Pattern.MULTILINE);

    private CourseText() {}

    /** Chapter {@code chapter}'s Markdown file, {@code docs/course/NN-<slug>.md}. */
    public static Path chapterFile(int chapter) throws IOException {
        String prefix = String.format("%02d-", chapter);
        try (Stream<Path> s = Files.list(ROOT.resolve("docs/course"))) {
            List<Path> found = s.filter(p -> p.getFileName().toString().startsWith(prefix)
                    && p.getFileName().toString().endsWith(".md")).toList();
            if (found.size() != 1) fail("expected one docs/course/" + prefix + "*.md, found " + found);
            return found.getFirst();
        }
    }

    /** The lines of every {@code ```output} block of chapter {@code chapter}. */
    public static List<String> quotedLines(int chapter) throws IOException {
        Matcher m = OUTPUT_BLOCK.matcher(Files.readString(chapterFile(chapter)));
        List<String> lines = new ArrayList<>();
        while (m.find()) for (String line : m.group(1).split("\n")) if (!line.isBlank()) lines.add(line);
        return lines;
    }

    /** Fails naming each quoted line that the program did not print (and when the chapter quotes nothing). */
    public static void assertQuotedOutput(int chapter, String programOutput) throws IOException {
        List<String> quoted = quotedLines(chapter);
        assertFalse(quoted.isEmpty(), "chapter " + chapter + " quotes its program's output in ```output blocks");
        List<String> printed = programOutput.lines().map(String::stripTrailing).toList();
        List<String> missing = quoted.stream().filter(q -> !printed.contains(q.stripTrailing())).toList();
        if (!missing.isEmpty())
            fail("chapter " + chapter + " quotes lines its program no longer prints:\n  " + String.join("\n  ", missing)
                    + "\nthe program printed:\n" + programOutput);
    }
}
