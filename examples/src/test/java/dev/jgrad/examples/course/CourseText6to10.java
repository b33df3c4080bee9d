package dev.jgrad.examples.course;

import java.io.IOException;
import java.io.UncheckedIOException;
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
 * Keeps a chapter's text and its program from drifting apart: every line inside every {@code ```output} block of
 * {@code docs/course/NN-*.md} must appear, verbatim, as a line of what the chapter's program printed.
 */
final class CourseText6to10 {

    static final Path ROOT = Path.of("").toAbsolutePath().getParent();   // tests run in examples/
    private static final Pattern OUTPUT_BLOCK = Pattern.compile("^```output\\n(.*?)^```$", Pattern.DOTALL | Pattern.MULTILINE);

    private CourseText6to10() {}

    /** The chapter's Markdown file, {@code docs/course/NN-<slug>.md}. */
    static Path chapterFile(int chapter) {
        String prefix = String.format("%02d-", chapter);
        try (Stream<Path> files = Files.list(ROOT.resolve("docs/course"))) {
            List<Path> found = files.filter(p -> p.getFileName().toString().startsWith(prefix)
                    && p.getFileName().toString().endsWith(".md")).toList();
            if (found.size() != 1) fail("expected one docs/course/" + prefix + "*.md, found " + found);
            return found.getFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fails unless each line of each {@code ```output} block of chapter {@code chapter} is a line of the output. */
    static void assertQuotedOutput(int chapter, String programOutput) {
        String text;
        try {
            text = Files.readString(chapterFile(chapter));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> printed = programOutput.lines().toList();
        List<String> missing = new ArrayList<>();
        int quoted = 0;
        Matcher m = OUTPUT_BLOCK.matcher(text);
        while (m.find()) {
            for (String line : m.group(1).split("\n")) {
                if (line.isBlank()) continue;
                quoted++;
                if (!printed.contains(line)) missing.add(line);
            }
        }
        assertFalse(quoted == 0, "chapter " + chapter + " quotes no output");
        if (!missing.isEmpty())
            fail("chapter " + chapter + " quotes lines its program did not print:\n" + String.join("\n", missing)
                    + "\n--- program output ---\n" + programOutput);
    }
}
