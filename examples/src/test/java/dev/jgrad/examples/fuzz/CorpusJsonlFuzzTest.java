package dev.jgrad.examples.fuzz;

import static dev.jgrad.examples.fuzz.FuzzSupport.expectCleanOutcome;
import static dev.jgrad.examples.fuzz.FuzzSupport.inTempDirectory;
import static dev.jgrad.examples.fuzz.FuzzSupport.write;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jgrad.nn.data.Corpus;
import dev.jgrad.nn.data.Document;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes JSONL corpus reading ({@code Corpus.fromJsonl}): every document is read, once with the text in a property
 * ({@code "text"}) and once behind a JSON Pointer ({@code "/meta/body"}).
 */
class CorpusJsonlFuzzTest {

    @FuzzTest(maxDuration = "2m")
    @Timeout(10)
    void jsonl(byte[] data) throws Exception {
        inTempDirectory(dir -> {
            Path file = write(dir, "data.jsonl", data);
            for (String field : new String[] {"text", "/meta/body"}) {
                expectCleanOutcome(() -> {
                    try (Stream<Document> documents = Corpus.fromJsonl(file, field)) {
                        documents.forEach(d -> d.text().length());
                    }
                });
            }
        });
    }
}
