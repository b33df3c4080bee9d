package dev.jgrad.optim;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A checkpoint whose training.json was damaged (edited, or cut short) is refused with the field named. */
class CheckpointJsonTest {

    @TempDir
    Path tmp;

    /**
     * Found by fuzzing (TrainingStateFuzzTest): a damaged training.json failed with a NullPointerException,
     * ClassCastException or NumberFormatException; now the message names the checkpoint and the field.
     */
    @Test
    void aDamagedTrainingJsonNamesTheFieldAndChangesNothing() throws IOException {
        CheckpointTest.Run run = new CheckpointTest.Run(16, 1, 2, 3);
        run.step();
        Path dir = tmp.resolve("ckpt");
        Checkpoint.save(dir, run.training(), 1, null);
        String json = Files.readString(dir.resolve("training.json"));
        String[][] damages = {
                {"\"files\" : {", "\"filez\" : {", "field \"files\" is missing"},
                {"\"step\" : 1,", "\"step\" : \"one\",", "field \"step\" is malformed"},
                {"\"params\" : [", "\"params\" : {\"x\": [", "optimizer.groups[0].params must be a JSON array"},
                {"\"steps\" : {", "\"steps\" : {\"abc\" : 1, ", "optimizer.steps.abc names no parameter"},
                {"\"data\" : [", "\"data\" : [ \"x\", ", "generators.data[0] must be an integer"},
        };
        for (String[] d : damages) {
            assertTrue(json.contains(d[0]), d[0]);
            String damaged = d[0].equals("\"params\" : [") ? json.replaceFirst("\"params\" : (\\[[^]]*])", "\"params\" : {\"x\": $1}")
                    : json.replaceFirst(java.util.regex.Pattern.quote(d[0]), java.util.regex.Matcher.quoteReplacement(d[1]));
            Files.writeString(dir.resolve("training.json"), damaged);
            CheckpointTest.Run fresh = new CheckpointTest.Run(16, 4, 5, 6);
            List<float[]> before = fresh.params();
            Exception e = assertThrows(Exception.class, () -> Checkpoint.load(dir, fresh.training()), d[2]);
            assertTrue(e instanceof IOException || e instanceof IllegalArgumentException, e.toString());   // as for any bad checkpoint
            assertTrue(e.getMessage().contains(dir.toAbsolutePath().resolve("training.json").toString())
                    && e.getMessage().contains(d[2]), e.getMessage());
            CheckpointTest.assertBitEqual(before, fresh.params());
        }
    }
}
