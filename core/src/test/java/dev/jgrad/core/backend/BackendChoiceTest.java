package dev.jgrad.core.backend;

import dev.jgrad.core.LogCapture;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CPU backend choice, and its one warning (through System.Logger) when the Vector API is missing. */
class BackendChoiceTest {

    @Test
    void withoutTheVectorApiTheReferenceBackendIsAnnouncedByOneLoggedWarning() {
        try (LogCapture log = LogCapture.of(Backends.class)) {
            assertInstanceOf(ReferenceBackend.class, Backends.chooseCpu("", false));
            assertEquals(1, log.warnings().size(), log.warnings().toString());
            assertTrue(log.warnings().get(0).contains("--add-modules=jdk.incubator.vector"), log.warnings().get(0));
        }
    }

    @Test
    void theVectorBackendOrAForcedReferenceBackendNeedNoWarning() {
        try (LogCapture log = LogCapture.of(Backends.class)) {
            assertInstanceOf(VectorBackend.class, Backends.chooseCpu("", true));
            assertInstanceOf(ReferenceBackend.class, Backends.chooseCpu("reference", true));
            assertEquals(List.of(), log.warnings());
        }
    }
}
