package dev.jgrad.nn;

import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Loading state dicts: wrong shapes name the key; strict mode lists unknown and missing keys. */
class ModuleStateTest {

    static Sequential model(int hidden, long seed) {
        Generator g = new Generator(seed);
        return new Sequential(new Linear(4, hidden, true, g), new Tanh(), new Linear(hidden, 2, true, g));
    }

    @Test
    void aShapeMismatchNamesTheKeyAndBothShapesAndChangesNothing() {
        Sequential small = model(8, 1), big = model(16, 2);
        float[] before = small.<Linear>get(0).weight().toFloatArray();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> small.loadStateDict(big.stateDict(), true));
        assertEquals("loadStateDict: shape mismatch for 0.weight: checkpoint has [16, 4], the model has [8, 4]", e.getMessage());
        assertArrayEquals(before, small.<Linear>get(0).weight().toFloatArray(), "nothing was copied");
    }

    @Test
    void strictLoadingListsMissingAndUnexpectedKeys() {
        Sequential m = model(8, 1);
        Map<String, Tensor> state = new LinkedHashMap<>(model(8, 2).stateDict());
        state.remove("2.bias");
        state.remove("0.weight");
        state.put("3.weight", Tensor.zeros(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(state, true));
        assertEquals("loadStateDict: missing keys [0.weight, 2.bias]; unexpected keys [3.weight]", e.getMessage());
        Module.LoadResult r = m.loadStateDict(state, false);
        assertEquals(List.of("0.weight", "2.bias"), r.missingKeys());
        assertEquals(List.of("3.weight"), r.unexpectedKeys());
        assertArrayEquals(state.get("0.bias").toFloatArray(), m.<Linear>get(0).bias().toFloatArray(), "present keys were loaded");
    }
}
