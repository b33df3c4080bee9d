package dev.jgrad.optim;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jgrad.core.DType;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.io.Safetensors;
import dev.jgrad.core.io.SafetensorsFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** clip_grad_norm_ (norm types 2, 1, ∞, 3; clipping and not) and clip_grad_value_ against PyTorch. */
class GradClipGoldensTest {

    static SafetensorsFile goldens;

    @BeforeAll
    static void open() throws Exception {
        goldens = Goldens.open();
    }

    @AfterAll
    static void close() {
        goldens.close();
    }

    static List<Tensor> params(DType dtype) {
        List<Tensor> ps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Tensor g = Safetensors.read(goldens, "clip.grad" + i, dtype);
            Tensor p = Tensor.zeros(dtype, g.shape()).requiresGrad(true);
            p.setGrad(g);
            ps.add(p);
        }
        ps.add(Tensor.zeros(dtype, 2).requiresGrad(true)); // no gradient: skipped, as in PyTorch
        return ps;
    }

    @Test
    void clipGradNormMatchesPytorch() throws Exception {
        for (DType dtype : new DType[] {DType.F64, DType.F32}) {
            double tol = dtype == DType.F64 ? 1e-12 : 2e-6;
            for (JsonNode c : Goldens.meta(goldens, "clips")) {
                List<Tensor> ps = params(dtype);
                double normType = c.get("norm_type").isTextual() ? Double.POSITIVE_INFINITY : c.get("norm_type").asDouble();
                double total = GradClip.clipGradNorm(ps, c.get("max_norm").asDouble(), normType);
                assertEquals(c.get("total_norm").asDouble(), total, tol * c.get("total_norm").asDouble(), c + " " + dtype);
                for (int i = 0; i < 3; i++)
                    Goldens.assertClose(c.get("key").asText() + " grad" + i + " " + dtype,
                            goldens.readDoubles(c.get("key").asText() + ".grad" + i), ps.get(i).grad().toDoubleArray(), tol, tol);
            }
        }
    }

    @Test
    void clipGradValueMatchesPytorch() {
        List<Tensor> ps = params(DType.F64);
        GradClip.clipGradValue(ps, 0.75);
        for (int i = 0; i < 3; i++)
            Goldens.assertClose("clip value grad" + i, goldens.readDoubles("clip.value.grad" + i), ps.get(i).grad().toDoubleArray(), 0, 0);
    }

    @Test
    void nonFiniteNormsCanBeRefused() {
        Tensor p = Tensor.zeros(2).requiresGrad(true);
        p.setGrad(Tensor.of(new float[] {Float.NaN, 1}));
        assertThrows(IllegalStateException.class, () -> GradClip.clipGradNorm(List.of(p), 1.0, 2.0, true));
    }
}
