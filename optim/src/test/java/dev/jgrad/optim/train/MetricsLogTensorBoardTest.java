package dev.jgrad.optim.train;

import dev.jgrad.optim.tensorboard.EventFiles;
import dev.jgrad.optim.tensorboard.proto.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The run's metrics reach TensorBoard: every scalar of metrics.csv, under its tag, at its step. */
class MetricsLogTensorBoardTest {

    @Test
    void stepsEvaluationsAndTextGoToTheEventFile(@TempDir Path dir) throws Exception {
        try (MetricsLog log = MetricsLog.open(dir, 0)) {
            log.step(new StepMetrics(1, 2.0, 1e-3, 0.5, 10, 256, 25600, 0));
            log.eval(new EvalMetrics(1, 1.5, Math.exp(1.5), true));
            log.text("samples", 1, "hello");
        }
        List<Event> events = EventFiles.read(EventFiles.only(dir));
        Map<String, Float> scalars = new LinkedHashMap<>();
        for (Event e : events.subList(1, events.size())) {
            assertEquals(1, e.getStep());
            var v = e.getSummary().getValue(0);
            if (v.hasTensor()) assertEquals("hello", v.getTensor().getStringVal(0).toStringUtf8());
            else scalars.put(v.getTag(), v.getSimpleValue());
        }
        assertEquals(Map.of("train/loss", 2.0f, "train/perplexity", (float) Math.exp(2.0), "train/lr", 1e-3f,
                "train/grad_norm", 0.5f, "train/tokens_per_sec", 25600f, "val/loss", 1.5f,
                "val/perplexity", (float) Math.exp(1.5)), scalars);
        assertEquals(1 + 7 + 1, events.size());
    }
}
