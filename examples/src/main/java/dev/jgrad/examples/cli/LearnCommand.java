package dev.jgrad.examples.cli;

import dev.jgrad.examples.Main;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * {@code ./jgrad learn}: the course in {@code docs/course/}. {@code learn list} names the ten chapters,
 * {@code learn N} runs chapter N's program (the numbers its text quotes, figures into {@code --out}), and
 * {@code learn N --check} runs the checker of chapter N's exercises against the learner's own
 * {@code MySolutionNN}.
 *
 * <p>Chapters are found by name ({@code dev.jgrad.examples.course.ChapterNN}, {@code exercises.CheckNN},
 * {@code exercises.MySolutionNN}), so the command knows no chapter in particular: a chapter that is not there yet
 * is listed as such.
 */
@Command(name = "learn", mixinStandardHelpOptions = true,
        description = "The course (docs/course): list the chapters, run chapter N's program, or check your exercises.")
public final class LearnCommand implements Callable<Integer> {

    /** How many chapters the course has. */
    public static final int CHAPTERS = 10;
    private static final String PACKAGE = "dev.jgrad.examples.course.";

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "list|N", description = "'list', or a chapter number from 1 to 10.")
    String target;
    @Option(names = "--out", paramLabel = "DIR", description = "Where the chapter writes its figures (default: runs/course-NN).")
    Path out;
    @Option(names = "--check", description = "Check your solutions to the chapter's exercises (MySolutionNN).")
    boolean check;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        if (target.equals("list")) {
            if (check || this.out != null) throw new IllegalArgumentException("'learn list' takes no --check or --out");
            for (int n = 1; n <= CHAPTERS; n++) out.printf("%2d  %s%n", n, title(n));
            return 0;
        }
        int n = chapter(target);
        if (check) {
            if (this.out != null) throw new IllegalArgumentException("--check writes no figures: give --check or --out, not both");
            return check(n, out);
        }
        Class<?> chapter = chapterClass(n);
        if (chapter == null) throw new IllegalArgumentException("chapter " + n + " is not written yet");
        Path dir = this.out != null ? this.out : main.resolve(String.format("runs/course-%02d", n));
        Outputs.checkWritable(dir, "--out");
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new IllegalArgumentException("--out " + dir + " is a file, not a directory");
        boolean created = !Files.exists(dir);
        Files.createDirectories(dir);
        try {
            invoke(chapter.getMethod("run", PrintStream.class, Path.class), null, out, dir);
        } finally {
            if (created && Outputs.absentOrEmpty(dir)) Files.delete(dir);   // a chapter without figures leaves nothing behind
        }
        if (Files.isDirectory(dir)) {
            out.println();
            out.println("figures in " + dir);
        }
        return 0;
    }

    /**
     * Runs {@code CheckNN.check(new MySolutionNN())} and prints PASS or FAIL for each exercise (a method of
     * {@code ExercisesNN}; a failure belongs to the method it names) with the reasons; 0 when all pass.
     */
    private static int check(int n, PrintStream out) throws Exception {
        Class<?> checker = find(String.format("exercises.Check%02d", n));
        Class<?> mine = find(String.format("exercises.MySolution%02d", n));
        Class<?> exercises = find(String.format("exercises.Exercises%02d", n));
        if (checker == null || mine == null || exercises == null) throw new IllegalArgumentException("chapter " + n + " has no exercises yet");
        Object solution = mine.getDeclaredConstructor().newInstance();
        Method m = null;
        for (Method c : checker.getMethods()) if (c.getName().equals("check") && c.getParameterCount() == 1) m = c;
        if (m == null) throw new IllegalStateException(checker.getName() + " has no check method");
        @SuppressWarnings("unchecked")
        List<String> failures = new ArrayList<>((List<String>) invoke(m, null, solution));
        int total = 0, passed = 0;
        for (Method exercise : exercises.getDeclaredMethods()) {
            if (!Modifier.isAbstract(exercise.getModifiers())) continue;
            total++;
            Pattern named = Pattern.compile("\\b" + Pattern.quote(exercise.getName()) + "\\b");
            List<String> mineFailed = failures.stream().filter(f -> named.matcher(f).find()).toList();
            failures.removeAll(mineFailed);
            if (mineFailed.isEmpty()) passed++;
            out.printf("%s  %s%n", mineFailed.isEmpty() ? "PASS" : "FAIL", exercise.getName());
            for (String f : mineFailed) out.println("      " + f);
        }
        for (String f : failures) out.println("FAIL  " + f);   // failures that name no exercise method
        boolean ok = passed == total && failures.isEmpty();
        out.printf("chapter %d: %d of %d exercises pass%s%n", n, passed, total, ok ? "" : " (edit " + mine.getSimpleName() + ".java)");
        return ok ? 0 : 1;
    }

    /** The chapter's title, or "(not written yet)". */
    static String title(int n) throws Exception {
        Class<?> c = chapterClass(n);
        return c == null ? "(not written yet)" : (String) invoke(c.getMethod("title"), null);
    }

    private static Class<?> chapterClass(int n) {
        return find(String.format("Chapter%02d", n));
    }

    private static Class<?> find(String simpleName) {
        try {
            return Class.forName(PACKAGE + simpleName);
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    private static int chapter(String s) {
        try {
            int n = Integer.parseInt(s);
            if (n >= 1 && n <= CHAPTERS) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("expected 'list' or a chapter number from 1 to " + CHAPTERS + ", got '" + s + "'");
    }

    /** Calls {@code m}, rethrowing what the chapter itself threw rather than the reflection wrapper. */
    private static Object invoke(Method m, Object target, Object... args) throws Exception {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Exception x) throw x;
            if (e.getCause() instanceof Error x) throw x;
            throw e;
        }
    }
}
