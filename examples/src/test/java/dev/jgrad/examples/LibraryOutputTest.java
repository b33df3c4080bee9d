package dev.jgrad.examples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library modules speak through {@link System.Logger}, never by printing: an application that embeds jgrad
 * decides where messages go. Only the command line (this module) prints, including the training progress line.
 */
class LibraryOutputTest {

    static final List<String> LIBRARY_MODULES = List.of("core", "cuda", "nn", "optim", "transformer", "quant");
    /** Files allowed to print (none: the Trainer reports through callbacks and System.Logger). */
    static final Set<String> ALLOWED = Set.of();
    static final Pattern PRINT = Pattern.compile("System\\.(out|err)\\s*\\.\\s*(print|println|printf|format|write)\\b");

    @Test
    void libraryMainSourcesDoNotPrint() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();   // tests run in examples/
        List<String> offenders = new ArrayList<>();
        int files = 0;
        for (String module : LIBRARY_MODULES) {
            Path sources = root.resolve(module).resolve("src/main/java");
            assertTrue(Files.isDirectory(sources), sources + " exists");
            try (Stream<Path> walk = Files.walk(sources)) {
                for (Path f : walk.filter(p -> p.toString().endsWith(".java")).toList()) {
                    files++;
                    if (ALLOWED.contains(f.getFileName().toString())) continue;
                    String[] lines = Files.readString(f).split("\n", -1);
                    for (int i = 0; i < lines.length; i++) {
                        Matcher m = PRINT.matcher(lines[i]);
                        if (m.find()) offenders.add(root.relativize(f) + ":" + (i + 1) + ": " + lines[i].trim());
                    }
                }
            }
        }
        assertTrue(files > 100, "the scan found the sources (" + files + " files)");
        assertEquals(List.of(), offenders, "library code prints instead of logging through System.Logger");
    }

    @Test
    void thePatternCatchesPrintsAndNotMentions() {
        assertTrue(PRINT.matcher("System.err.println(\"x\")").find());
        assertTrue(PRINT.matcher("System.out.printf(\"%d\", 1)").find());
        assertTrue(!PRINT.matcher(" * Generate.run(options, System.out, System.err);").find());
    }
}
