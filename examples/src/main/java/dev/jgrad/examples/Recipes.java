package dev.jgrad.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jgrad.optim.train.TrainingResult;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Recipes shipped with their expected result, like nanoGPT's configs: {@code recipes/NAME.json} holds the run
 * settings and what the run must reach. Data paths beginning with {@code shared:} resolve against the shared
 * data folder ({@code -Djgrad.shared}, which the launcher sets to the folder beside the repository; default
 * {@code ../shared}); {@code --data} points a recipe at its text kept anywhere else.
 */
public final class Recipes {

    /**
     * A recipe: the settings, the validation loss it must reach, the published reference it reproduces, and where its
     * data can be downloaded.
     */
    public record Recipe(String name, RunSettings settings, double maxValLoss, String reference, String source) {

        /** This recipe trained on {@code data} instead of its own file (the same text, kept elsewhere). */
        public Recipe withData(String data) {
            return new Recipe(name, settings.with(java.util.Map.of("data", data)), maxValLoss, reference, source);
        }

        /** Refuses a recipe whose data file is missing, saying what to download and how to pass it. */
        public void requireData() {
            java.nio.file.Path file = java.nio.file.Path.of(settings.data());
            if (!java.nio.file.Files.exists(file))
                throw new IllegalArgumentException("recipe " + name + " trains on " + file.getFileName() + ", which is not at "
                        + file + ": download it (" + source + ") and pass it with --data PATH");
        }
    }

    private Recipes() {}

    public static Recipe load(String name) throws IOException {
        String resource = "/dev/jgrad/examples/recipes/" + name + ".json";
        try (InputStream in = Recipes.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalArgumentException("no recipe \"" + name + "\" (known: shakespeare-char)");
            JsonNode json = RunSettings.JSON.readTree(in);
            RunSettings s = RunSettings.JSON.treeToValue(json.get("settings"), RunSettings.class);
            if (s.data().startsWith("shared:")) {
                String shared = System.getProperty("jgrad.shared", "../shared");
                s = s.with(java.util.Map.of("data", shared + "/" + s.data().substring("shared:".length())));
            }
            return new Recipe(name, s, json.path("expected").path("max_val_loss").asDouble(),
                    json.path("expected").path("reference").asText(), json.path("source").asText());
        }
    }

    /** Prints whether the run reached the recipe's target; returns that. */
    public static boolean check(Recipe r, TrainingResult result, PrintStream out) {
        double val = result.lastValLoss();
        boolean ok = val <= r.maxValLoss();
        out.printf(Locale.ROOT, "recipe %s: validation loss %.4f, target <= %.3f: %s%n  reference: %s%n", r.name(), val,
                r.maxValLoss(), ok ? "REACHED" : "MISSED", r.reference());
        return ok;
    }
}
