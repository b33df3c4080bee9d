package dev.jgrad.examples.fuzz;

import static dev.jgrad.examples.fuzz.FuzzSupport.expectCleanOutcome;
import static dev.jgrad.examples.fuzz.FuzzSupport.inTempDirectory;
import static dev.jgrad.examples.fuzz.FuzzSupport.write;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jgrad.core.io.Safetensors;
import dev.jgrad.core.io.SafetensorsFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the safetensors reader ({@code SafetensorsFile}, {@code SafetensorsHeader}): open the bytes as a file, then
 * read every tensor each way a caller can (raw bytes, float32, float64, integers, as a {@code Tensor}).
 */
class SafetensorsFuzzTest {

    @FuzzTest(maxDuration = "2m")
    @Timeout(10)
    void safetensors(byte[] data) throws Exception {
        inTempDirectory(dir -> {
            Path file = write(dir, "fuzz.safetensors", data);
            expectCleanOutcome(() -> {
                try (SafetensorsFile f = SafetensorsFile.open(file)) {
                    f.metadata().forEach((k, v) -> k.length());
                    for (SafetensorsFile.Entry e : f.entries()) {
                        f.readBytes(e.name());
                        f.readFloats(e.name());
                        f.readDoubles(e.name());
                        if (!e.dtype().isFloatingPoint()) f.readLongs(e.name());
                        Safetensors.read(f, e.name());
                        f.release(e.name());
                    }
                }
            });
        });
    }
}
