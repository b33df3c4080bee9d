package dev.jgrad.core.kernels;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A source rule for every module: no Vector API operation whose result differs between compiled and
 * interpreted code (unordered float lane sums, library transcendental functions). See {@link Lanes}.
 */
class DeterminismRulesTest {

    static final Pattern FORBIDDEN = Pattern.compile(
            "reduceLanes\\(\\s*VectorOperators\\.(ADD|MUL)\\b"
                    + "|lanewise\\(\\s*VectorOperators\\.(EXP|EXPM1|LOG|LOG1P|LOG10|TANH|SINH|COSH|SIN|COS|TAN|ASIN|ACOS|ATAN|ATAN2|POW|HYPOT|CBRT)\\b");

    @Test
    void noJitDependentVectorOperations() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent(); // the repository (tests run in core/)
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String s = f.toString();
                if (!s.endsWith(".java") || !s.contains("/src/main/java/")) continue;
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i);
                    if (line.trim().startsWith("*") || line.trim().startsWith("//")) continue;
                    if (FORBIDDEN.matcher(line).find()) offenders.add(root.relativize(f) + ":" + (i + 1) + ": " + line.trim());
                }
            }
        }
        assertTrue(offenders.isEmpty(), "JIT-dependent vector operations (use Lanes.sum / VectorMath):\n"
                + String.join("\n", offenders));
    }
}
