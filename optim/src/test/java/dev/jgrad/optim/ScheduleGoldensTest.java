package dev.jgrad.optim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.SafetensorsFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Learning-rate sequences against PyTorch's schedulers (and nanoGPT's get_lr): the rate before each of 20
 * steps; ReduceLROnPlateau on scripted metric sequences, with every mode, threshold mode, cooldown and
 * floor; and state round trips.
 */
class ScheduleGoldensTest {

    static JsonNode schedules, plateaus;

    @BeforeAll
    static void load() throws Exception {
        try (SafetensorsFile f = Goldens.open()) {
            schedules = Goldens.meta(f, "schedules");
            plateaus = Goldens.meta(f, "plateaus");
        }
    }

    static SGD sgd(double lr) {
        return new SGD(List.of(Tensor.zeros(1).requiresGrad(true)), SGD.Options.lr(lr));
    }

    static LrScheduler build(JsonNode c, Optimizer<?> opt) {
        return switch (c.get("type").asText()) {
            case "step" -> new StepLr(opt, c.get("step_size").asInt(), c.get("gamma").asDouble());
            case "linear" -> new LinearLr(opt, c.get("start_factor").asDouble(), c.get("end_factor").asDouble(), c.get("total_iters").asInt());
            case "constant" -> new ConstantLr(opt, c.get("factor").asDouble(), c.get("total_iters").asInt());
            case "warmup_cosine" -> new WarmupCosineLr(opt, c.get("warmup_iters").asInt(), c.get("lr_decay_iters").asInt(), c.get("min_lr").asDouble());
            default -> throw new IllegalArgumentException(c.toString());
        };
    }

    @Test
    void everyScheduleMatchesPytorchStepByStep() {
        for (Map.Entry<String, JsonNode> e : schedules.properties()) {
            JsonNode c = e.getValue().get("config"), lrs = e.getValue().get("lrs");
            SGD opt = sgd(c.get("base_lr").asDouble());
            LrScheduler s = build(c, opt);
            for (int it = 0; it < lrs.size(); it++) {
                double expected = lrs.get(it).asDouble(), actual = opt.paramGroups().get(0).lr();
                assertEquals(expected, actual, 1e-12 * Math.abs(expected), e.getKey() + " step " + it);
                s.step();
            }
        }
    }

    @Test
    void reduceLrOnPlateauMatchesPytorchOnScriptedMetrics() {
        for (Map.Entry<String, JsonNode> e : plateaus.properties()) {
            JsonNode c = e.getValue().get("config");
            SGD opt = sgd(0.1);
            ReduceLrOnPlateau p = new ReduceLrOnPlateau(opt,
                    ReduceLrOnPlateau.Mode.valueOf(c.get("mode").asText().toUpperCase()), c.get("factor").asDouble(),
                    c.get("patience").asInt(), c.get("threshold").asDouble(),
                    ReduceLrOnPlateau.ThresholdMode.valueOf(c.get("threshold_mode").asText().toUpperCase()),
                    c.get("cooldown").asInt(), c.get("min_lr").asDouble());
            JsonNode metrics = e.getValue().get("metrics"), lrs = e.getValue().get("lrs_after_step");
            int reductions = 0;
            double prev = 0.1;
            for (int i = 0; i < metrics.size(); i++) {
                p.step(metrics.get(i).asDouble());
                double lr = opt.paramGroups().get(0).lr();
                assertEquals(lrs.get(i).asDouble(), lr, 1e-15, e.getKey() + " after metric " + i);
                if (lr < prev) reductions++;
                prev = lr;
            }
            assertEquals(true, reductions >= 1, e.getKey() + ": the scripted sequence exercises at least one reduction");
        }
    }

    @Test
    void schedulesResumeFromTheirState() {
        SGD a = sgd(6e-4), b = sgd(6e-4);
        WarmupCosineLr sa = new WarmupCosineLr(a, 5, 15, 6e-5);
        for (int i = 0; i < 7; i++) sa.step();
        WarmupCosineLr sb = new WarmupCosineLr(b, 5, 15, 6e-5);
        sb.loadStateDict(sa.stateDict());
        for (int i = 0; i < 10; i++) {
            assertEquals(a.paramGroups().get(0).lr(), b.paramGroups().get(0).lr(), 0.0, "step " + (7 + i));
            sa.step();
            sb.step();
        }
        assertThrows(IllegalArgumentException.class, () -> new StepLr(sgd(0.1), 2, 0.5).loadStateDict(sa.stateDict()));

        SGD c = sgd(0.1), d = sgd(0.1);
        ReduceLrOnPlateau pc = new ReduceLrOnPlateau(c, ReduceLrOnPlateau.Mode.MIN, 0.5, 1, 0, ReduceLrOnPlateau.ThresholdMode.ABS, 1, 0);
        for (double m : new double[] {1, 1, 1, 1}) pc.step(m);
        ReduceLrOnPlateau pd = new ReduceLrOnPlateau(d, ReduceLrOnPlateau.Mode.MIN, 0.5, 1, 0, ReduceLrOnPlateau.ThresholdMode.ABS, 1, 0);
        pd.loadStateDict(pc.stateDict());
        for (double m : new double[] {1, 1, 0.5, 1, 1, 1}) {
            pc.step(m);
            pd.step(m);
            assertEquals(c.paramGroups().get(0).lr(), d.paramGroups().get(0).lr(), 0.0);
        }
    }
}
