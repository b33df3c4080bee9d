package dev.jgrad.optim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A damaged or hand-edited {@code training.json} fails with one message that names the file and the field, before
 * anything is allocated or changed: a negative, absurd or non-numeric step, a manifest whose sizes are not numbers.
 */
class CheckpointValidationTest {

    @TempDir
    Path tmp;

    private Path saved() throws IOException {
        Path dir = tmp.resolve("ckpt");
        Checkpoint.save(dir, new CheckpointTest.Run(8, 1, 2, 3).training(), 10, null);
        return dir;
    }

    private static void edit(Path dir, Consumer<ObjectNode> change) throws IOException {
        Path json = dir.resolve("training.json");
        ObjectNode node = (ObjectNode) JsonState.MAPPER.readTree(json.toFile());
        change.accept(node);
        JsonState.MAPPER.writeValue(json.toFile(), node);
    }

    private static void assertNamed(Exception e, String field) {
        assertTrue(e.getMessage().contains("training.json"), e.getMessage());
        assertTrue(e.getMessage().contains("\"" + field + "\""), e.getMessage());
    }

    @Test
    void aStepThatIsNegativeAbsurdOrNotANumberIsNamed() throws Exception {
        Path dir = saved();
        assertEquals(10, Checkpoint.savedStep(dir));
        for (Consumer<ObjectNode> bad : java.util.List.<Consumer<ObjectNode>>of(
                j -> j.put("step", -5), j -> j.put("step", 1099511627776L), j -> j.put("step", "abc"),
                j -> j.put("step", 2.5), j -> j.remove("step"),
                j -> j.put("step", new java.math.BigInteger("123456789012345678901234567890")))) {
            edit(dir, bad);
            CheckpointTest.Run fresh = new CheckpointTest.Run(8, 1, 2, 3);
            float[] before = fresh.model.parameters().get(0).toFloatArray();
            IOException e = assertThrows(IOException.class, () -> Checkpoint.load(dir, fresh.training()));
            assertNamed(e, "step");
            assertNamed(assertThrows(IOException.class, () -> Checkpoint.savedStep(dir)), "step");
            org.junit.jupiter.api.Assertions.assertArrayEquals(before, fresh.model.parameters().get(0).toFloatArray(),
                    "nothing changed");
        }
        edit(dir, j -> j.put("step", Integer.MAX_VALUE));   // the largest step the trainer counts
        assertEquals(Integer.MAX_VALUE, Checkpoint.load(dir, new CheckpointTest.Run(8, 1, 2, 3).training()).step());
    }

    @Test
    void malformedSectionsAreNamed() throws Exception {
        Path dir = saved();
        edit(dir, j -> ((ObjectNode) j.get("files").get("model.safetensors")).put("bytes", "many"));
        assertNamed(assertThrows(IOException.class, () -> Checkpoint.load(dir, new CheckpointTest.Run(8, 1, 2, 3).training())),
                "files.model.safetensors.bytes");
        Path other = tmp.resolve("other");
        Checkpoint.save(other, new CheckpointTest.Run(8, 1, 2, 3).training(), 10, null);
        edit(other, j -> j.put("generators", "none"));
        assertNamed(assertThrows(IOException.class, () -> Checkpoint.load(other, new CheckpointTest.Run(8, 1, 2, 3).training())),
                "generators");
        edit(other, j -> j.put("generators", 1).put("optimizer", "x"));
        assertNamed(assertThrows(IOException.class, () -> Checkpoint.load(other, new CheckpointTest.Run(8, 1, 2, 3).training())),
                "optimizer");
        Path sched = tmp.resolve("sched");
        Checkpoint.save(sched, new CheckpointTest.Run(8, 1, 2, 3).training(), 10, null);
        edit(sched, j -> ((ObjectNode) j.get("schedule")).put("last_epoch", -5));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.load(sched, new CheckpointTest.Run(8, 1, 2, 3).training()));
        assertNamed(bad, "schedule.last_epoch");
        assertTrue(bad.getMessage().contains("-5"), bad.getMessage());
        java.nio.file.Files.writeString(other.resolve("training.json"), "{\"format\": ");
        IOException e = assertThrows(IOException.class, () -> Checkpoint.load(other, new CheckpointTest.Run(8, 1, 2, 3).training()));
        assertTrue(e.getMessage().contains("training.json") && e.getMessage().contains("not valid JSON"), e.getMessage());
    }
}
