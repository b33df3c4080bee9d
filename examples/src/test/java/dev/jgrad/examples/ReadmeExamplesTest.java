package dev.jgrad.examples;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayOutputStream;
import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Keeps the README's "Use it as a library" section true. Every {@code ```java} block of README.md is taken
 * verbatim, written to a file of its own (each is a Java 25 compact source file: imports and a {@code void main()}),
 * compiled with {@link javax.tools.JavaCompiler} against the test class path and run; the tests then check what
 * each printed. The Maven snippets are checked against the build: the artifact named brings every module the Java
 * snippets import, versions and plugin versions are the build's own, and the JVM flags shown are the ones the build
 * runs its tests with.
 */
class ReadmeExamplesTest {

    static final Path ROOT = Path.of("").toAbsolutePath().getParent();   // tests run in examples/
    static final Pattern BLOCK = Pattern.compile("^```(java|xml)\\n(.*?)^```$", Pattern.DOTALL | Pattern.MULTILINE);

    static String readme;
    static List<String> javaBlocks = new ArrayList<>();
    static List<String> xmlBlocks = new ArrayList<>();
    static ClassLoader compiled;

    @BeforeAll
    static void compileEveryJavaBlock(@TempDir Path dir) throws Exception {
        readme = Files.readString(ROOT.resolve("README.md"));
        Matcher m = BLOCK.matcher(readme);
        while (m.find()) (m.group(1).equals("java") ? javaBlocks : xmlBlocks).add(m.group(2));
        assertFalse(javaBlocks.isEmpty(), "the README has Java blocks");

        List<Path> files = new ArrayList<>();
        for (int i = 0; i < javaBlocks.size(); i++) {
            Path f = dir.resolve("src").resolve(className(i) + ".java");
            Files.createDirectories(f.getParent());
            Files.writeString(f, javaBlocks.get(i));
            files.add(f);
        }
        Path classes = Files.createDirectories(dir.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "the tests run on a JDK");
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
            boolean ok = javac.getTask(null, fm, diagnostics,
                    List.of("--release", "25", "-proc:none", "-cp", classPath, "-d", classes.toString()),
                    null, fm.getJavaFileObjectsFromPaths(files)).call();
            if (!ok) {
                StringBuilder sb = new StringBuilder("a README Java block does not compile:\n");
                for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics())
                    sb.append(d.getSource() == null ? "" : Path.of(d.getSource().toUri()).getFileName() + ":")
                            .append(d.getLineNumber()).append(": ").append(d.getMessage(null)).append('\n');
                fail(sb.toString());
            }
        }
        compiled = new URLClassLoader(new URL[] {classes.toUri().toURL()}, ReadmeExamplesTest.class.getClassLoader());
    }

    static String className(int block) {
        return "ReadmeBlock" + (block + 1);
    }

    /** The one Java block containing {@code marker}. */
    static int block(String marker) {
        List<Integer> found = new ArrayList<>();
        for (int i = 0; i < javaBlocks.size(); i++) if (javaBlocks.get(i).contains(marker)) found.add(i);
        assertEquals(1, found.size(), "exactly one README Java block contains " + marker);
        return found.get(0);
    }

    /** Runs block {@code i}'s {@code void main()} (as the java launcher would) and returns what it printed. */
    static String run(int i) throws Exception {
        Class<?> c = compiled.loadClass(className(i));
        Constructor<?> k = c.getDeclaredConstructor();
        Method main = c.getDeclaredMethod("main");
        k.setAccessible(true);
        main.setAccessible(true);
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream out = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            main.invoke(k.newInstance());
        } catch (InvocationTargetException e) {
            throw new AssertionError("README Java block " + (i + 1) + " threw", e.getCause());
        } finally {
            System.setOut(out);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);
        out.print(printed);
        return printed;
    }

    /** The numbers after {@code label} in each line that has it, in order. */
    static List<Double> numbersAfter(String label, String text) {
        List<Double> values = new ArrayList<>();
        Matcher m = Pattern.compile(Pattern.quote(label) + " (-?[0-9.]+|NaN|Infinity)").matcher(text);
        while (m.find()) values.add(Double.parseDouble(m.group(1)));
        return values;
    }

    // ---- the Java blocks ------------------------------------------------------------------------------------

    @Test
    void everyJavaBlockIsOneOfTheCheckedExamples() {
        Set<Integer> checked = new TreeSet<>(List.of(block("System.out.println(w.grad())"),
                block("DataLoader.builder"), block("GptModel model"), block("Lora.attach")));
        assertEquals(javaBlocks.size(), checked.size(), "a README Java block that no test checks the output of");
    }

    @Test
    void autogradPrintsTheWeightGradient() throws Exception {
        String out = run(block("System.out.println(w.grad())"));
        assertTrue(out.startsWith("tensor([[") && out.contains("shape=[3, 4], dtype=F32"), out);
        assertFalse(out.contains("NaN") || out.contains("Inf"), out);
        Matcher values = Pattern.compile("-?\\d+\\.\\d+").matcher(out.substring(0, out.indexOf("shape")));
        int nonZero = 0;
        while (values.find()) if (Double.parseDouble(values.group()) != 0) nonZero++;
        assertEquals(12, nonZero, "twelve non-zero gradient entries: " + out);
    }

    @Test
    void theDataLoaderExampleFitsTheSine() throws Exception {
        List<Double> mse = numbersAfter("mse", run(block("DataLoader.builder")));
        assertEquals(4, mse.size(), "epochs 25, 50, 75, 100");
        // sin(x) on [-3, 3) has a variance of about 0.5: predicting its mean would give that much.
        assertTrue(mse.get(3) < 0.01, "the fit is close: " + mse);
        assertTrue(mse.get(3) < mse.get(0), "the error falls: " + mse);
    }

    @Test
    void theGptExampleTrainsAndSamples() throws Exception {
        String out = run(block("GptModel model"));
        List<Double> loss = numbersAfter("loss", out);
        assertEquals(4, loss.size(), "steps 0, 20, 40, 60: " + out);
        // 20 characters: a uniform guess costs ln 20 = 3.0; the text is three lines repeated, so it is learned fast.
        assertTrue(loss.get(3) < loss.get(0) - 1.0, "training lowers the loss: " + loss);
        String sample = out.substring(out.indexOf("step 60:")).lines().skip(1).reduce("", (a, b) -> a + b + "\n");
        assertFalse(sample.isBlank(), "a sample is printed");
        String alphabet = "To be, or not to be, that is the question:\nWhether 'tis nobler in the mind to suffer\n"
                + "The slings and arrows of outrageous fortune,\n";
        for (int cp : sample.codePoints().toArray())
            assertTrue(alphabet.indexOf(cp) >= 0, "the sample uses the training alphabet: " + sample);
    }

    @Test
    void theQloraExampleTrainsOnlyTheAdapters() throws Exception {
        String out = run(block("Lora.attach"));
        // 2 blocks x 7 linears; LoRA r = 8 adds r·(in + out) per linear: q 64+64, k 64+32, v 64+32, o 64+64,
        // gate 64+256, up 64+256, down 256+64 (SwiGLU width 256 from Meta's rule for dim 64) = 1408 x 8 x 2 blocks.
        assertTrue(out.startsWith("14 4-bit layers, 22528 trainable parameters"), out);
        List<Double> loss = numbersAfter("loss", out);
        assertEquals(8, loss.size(), out);
        assertTrue(loss.get(7) < loss.get(0), "the adapters learn: " + loss);
    }

    // ---- the Maven blocks -----------------------------------------------------------------------------------

    static Document xml(String text) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    static String child(Element e, String name) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling())
            if (n instanceof Element c && c.getTagName().equals(name)) return c.getTextContent().trim();
        return null;
    }

    static Element pom(String module) throws Exception {
        return xml(Files.readString(ROOT.resolve(module.isEmpty() ? "pom.xml" : module + "/pom.xml"))).getDocumentElement();
    }

    /** The jgrad modules {@code module} brings, itself included, from the modules' poms. */
    static Set<String> moduleClosure(String module) throws Exception {
        Set<String> seen = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(module));
        while (!todo.isEmpty()) {
            String m = todo.pop();
            if (!seen.add(m)) continue;
            NodeList deps = pom(m).getElementsByTagName("dependency");
            for (int i = 0; i < deps.getLength(); i++) {
                Element d = (Element) deps.item(i);
                if ("dev.jgrad".equals(child(d, "groupId")) && !"test".equals(child(d, "scope")))
                    todo.push(child(d, "artifactId").replaceFirst("^jgrad-", ""));
            }
        }
        return seen;
    }

    /** The version of {@code artifactId} in the root pom's pluginManagement. */
    static String managedPluginVersion(String artifactId) throws Exception {
        NodeList plugins = pom("").getElementsByTagName("plugin");
        for (int i = 0; i < plugins.getLength(); i++) {
            Element p = (Element) plugins.item(i);
            if (artifactId.equals(child(p, "artifactId")) && child(p, "version") != null) return child(p, "version");
        }
        throw new AssertionError(artifactId + " is not in the root pom");
    }

    static String jvmFlags() throws Exception {
        return child((Element) pom("").getElementsByTagName("properties").item(0), "jgrad.jvm.flags");
    }

    @Test
    void theDependencyNamedBringsEveryModuleTheJavaBlocksImport() throws Exception {
        Element dependency = xmlBlocks.stream().filter(b -> b.startsWith("<dependency>")).findFirst()
                .map(b -> {
                    try {
                        return xml(b).getDocumentElement();
                    } catch (Exception e) {
                        throw new AssertionError("the README's dependency block is not well-formed XML", e);
                    }
                }).orElseThrow(() -> new AssertionError("the README shows no <dependency> block"));
        Element root = pom("");
        assertEquals(child(root, "groupId"), child(dependency, "groupId"));
        assertEquals(child(root, "version"), child(dependency, "version"));
        String module = child(dependency, "artifactId").replaceFirst("^jgrad-", "");
        assertTrue(Files.isRegularFile(ROOT.resolve(module).resolve("pom.xml")), module + " is a module");
        Set<String> brought = moduleClosure(module);
        Set<String> imported = new TreeSet<>();
        Map<String, Integer> firstBlock = new HashMap<>();
        for (int i = 0; i < javaBlocks.size(); i++) {
            Matcher m = Pattern.compile("^import dev\\.jgrad\\.(\\w+)\\.", Pattern.MULTILINE).matcher(javaBlocks.get(i));
            while (m.find()) {
                imported.add(m.group(1));
                firstBlock.putIfAbsent(m.group(1), i + 1);
            }
        }
        assertTrue(imported.containsAll(List.of("core", "nn", "optim", "transformer", "quant")), imported.toString());
        for (String m : imported)
            assertTrue(brought.contains(m), "README Java block " + firstBlock.get(m) + " imports dev.jgrad." + m
                    + ", which jgrad-" + module + " does not bring (it brings " + brought + ")");
    }

    @Test
    void theBuildSnippetPassesTheBuildsJvmFlagsToTestsAndToJava() throws Exception {
        String flags = jvmFlags();
        assertEquals("--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED", flags);
        String buildBlock = xmlBlocks.stream().filter(b -> b.startsWith("<build>")).findFirst()
                .orElseThrow(() -> new AssertionError("the README shows no <build> block"));
        NodeList plugins = xml(buildBlock).getElementsByTagName("plugin");
        Map<String, Element> byId = new HashMap<>();
        for (int i = 0; i < plugins.getLength(); i++) {
            Element p = (Element) plugins.item(i);
            byId.put(child(p, "artifactId"), p);
        }
        Element surefire = byId.get("maven-surefire-plugin"), exec = byId.get("exec-maven-plugin");
        assertNotNull(surefire, "the snippet configures Surefire");
        assertNotNull(exec, "the snippet configures exec-maven-plugin");
        assertEquals(managedPluginVersion("maven-surefire-plugin"), child(surefire, "version"));
        assertEquals(managedPluginVersion("exec-maven-plugin"), child(exec, "version"));
        assertEquals(flags, surefire.getElementsByTagName("argLine").item(0).getTextContent().trim());
        assertEquals("java", exec.getElementsByTagName("executable").item(0).getTextContent().trim());
        List<String> arguments = new ArrayList<>();
        NodeList args = exec.getElementsByTagName("argument");
        for (int i = 0; i < args.getLength(); i++) arguments.add(args.item(i).getTextContent().trim());
        assertEquals(List.of(flags.split(" ")), arguments.subList(0, 2), "the JVM flags come first");
        assertTrue(readme.contains("\njava " + flags + " ..."), "the plain java command line shows the same flags");
    }
}
