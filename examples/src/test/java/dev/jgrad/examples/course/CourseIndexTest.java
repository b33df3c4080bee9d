package dev.jgrad.examples.course;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The course's index links the ten chapters by their agreed file names, and every written chapter has its text. */
class CourseIndexTest {

    static final List<String> FILES = List.of("01-autograd.md", "02-tensors.md", "03-training-loop.md", "04-tokenization.md",
            "05-attention.md", "06-gpt.md", "07-generation.md", "08-fine-tuning.md", "09-performance.md", "10-evaluation.md");

    @Test
    void theIndexLinksTheTenChaptersInOrder() throws Exception {
        String index = Files.readString(CourseText.ROOT.resolve("docs/course/README.md"));
        Matcher m = Pattern.compile("\\]\\(([0-9]{2}-[a-z-]+\\.md)\\)").matcher(index);
        List<String> linked = new ArrayList<>();
        while (m.find()) linked.add(m.group(1));
        assertEquals(FILES, linked);
    }

    @Test
    void everyChapterProgramHasItsText() throws Exception {
        for (int n = 1; n <= 10; n++) {
            boolean program;
            try {
                Class.forName(String.format("dev.jgrad.examples.course.Chapter%02d", n));
                program = true;
            } catch (ClassNotFoundException e) {
                program = false;
            }
            if (program) assertTrue(Files.isRegularFile(CourseText.ROOT.resolve("docs/course").resolve(FILES.get(n - 1))), FILES.get(n - 1));
        }
    }

    @Test
    void theReadmeLinksTheCourse() throws Exception {
        assertTrue(Files.readString(CourseText.ROOT.resolve("README.md")).contains("(docs/course/README.md)"));
    }
}
