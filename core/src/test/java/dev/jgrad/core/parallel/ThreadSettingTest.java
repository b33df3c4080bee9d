package dev.jgrad.core.parallel;

import dev.jgrad.core.LogCapture;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code -Djgrad.threads}: a valid count is taken, anything else is ignored with a warning through System.Logger. */
class ThreadSettingTest {

    @Test
    void aPositiveCountIsTakenSilently() {
        try (LogCapture log = LogCapture.of(Parallel.class)) {
            assertEquals(3, Parallel.configuredThreads("3"));
            assertEquals(1, Parallel.configuredThreads(" 1 "));
            assertEquals(Parallel.physicalCores(), Parallel.configuredThreads(null));
            assertEquals(List.of(), log.warnings());
        }
    }

    @Test
    void anInvalidCountFallsBackToThePhysicalCoresWithALoggedWarning() {
        try (LogCapture log = LogCapture.of(Parallel.class)) {
            assertEquals(Parallel.physicalCores(), Parallel.configuredThreads("many"));
            assertEquals(Parallel.physicalCores(), Parallel.configuredThreads("0"));
            assertEquals(2, log.warnings().size(), log.warnings().toString());
            assertTrue(log.warnings().get(0).contains("ignoring -Djgrad.threads=many"), log.warnings().get(0));
        }
    }
}
