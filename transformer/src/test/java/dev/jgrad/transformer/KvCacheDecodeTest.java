package dev.jgrad.transformer;

import dev.jgrad.core.Tensor;
import dev.jgrad.core.autograd.NoGrad;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Incremental decoding with a {@link KvCache} gives the logits of the full forward: a 5-token prompt as one
 * batched forward, then a 3-token chunk, then one token at a time, for both sequences of the batch, checked
 * against PyTorch's full-sequence logits and against jgrad's own full forward.
 */
class KvCacheDecodeTest {

    private static CausalLM model(String which) throws Exception {
        CausalLM m = which.equals("gpt") ? ModelGoldens.gpt() : ModelGoldens.llama();
        m.eval();
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gpt", "llama"})
    void promptThenChunkThenSingleTokensMatchTheFullForward(String which) throws Exception {
        Map<String, Tensor> g = ModelGoldens.read(which);
        CausalLM m = model(which);
        Tensor ids = g.get("ids");                                   // (2, 16)
        int t = ids.size(1);
        KvCache cache = m.newCache(2, t);
        List<Tensor> pieces = new ArrayList<>();
        int[] cuts = {0, 5, 8};
        for (int i = 0; i < cuts.length; i++) {
            int end = i + 1 < cuts.length ? cuts[i + 1] : cuts[i] + 1;
            pieces.add(m.forward(ids.narrow(1, cuts[i], end - cuts[i]).contiguous(), cache));
        }
        for (int pos = 9; pos < t; pos++) pieces.add(m.forward(ids.narrow(1, pos, 1).contiguous(), cache));
        assertEquals(t, cache.length());
        Tensor decoded = Tensor.cat(pieces, 1);                      // (2, 16, V)
        ModelGoldens.assertClose(which + " cached logits vs PyTorch", g.get("logits"), decoded, 1e-4);
        Tensor full;
        try (NoGrad ignored = NoGrad.enter()) {
            full = m.forward(ids);
        }
        ModelGoldens.assertClose(which + " cached logits vs full forward", full, decoded, 1e-5);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gpt", "llama"})
    void decodeLastReturnsTheLastPositionOnly(String which) throws Exception {
        Map<String, Tensor> g = ModelGoldens.read(which);
        CausalLM m = model(which);
        Tensor ids = g.get("ids");
        KvCache cache = m.newCache(2, 16);
        Tensor last = m.decodeLast(ids.narrow(1, 0, 7).contiguous(), cache);   // (2, V)
        assertEquals(2, last.rank());
        assertEquals(64, last.size(1));
        ModelGoldens.assertClose(which + " decodeLast", g.get("logits").select(1, 6), last, 1e-4);
        Tensor next = m.decodeLast(ids.narrow(1, 7, 1).contiguous(), cache);
        ModelGoldens.assertClose(which + " decodeLast step", g.get("logits").select(1, 7), next, 1e-4);
        assertEquals(8, cache.length());
    }

    @Test
    void aFullCacheAndAMismatchedBatchAreClearErrors() throws Exception {
        CausalLM m = model("llama");
        KvCache cache = m.newCache(1, 4);
        m.forward(CausalLM.ids(new int[] {1, 2, 3}), cache);
        var full = assertThrows(IllegalArgumentException.class, () -> m.forward(CausalLM.ids(new int[] {4, 5}), cache));
        assertTrue(full.getMessage().contains("capacity of 4"), full.getMessage());
        var batch = assertThrows(IllegalArgumentException.class, () -> m.forward(CausalLM.ids(new int[] {4}, new int[] {5}), cache));
        assertTrue(batch.getMessage().contains("holds 1 sequences"), batch.getMessage());
        var tooLong = assertThrows(IllegalArgumentException.class, () -> m.newCache(1, 33));
        assertTrue(tooLong.getMessage().contains("maxSeqLen 32"), tooLong.getMessage());
        cache.reset();
        assertEquals(0, cache.length());
        m.forward(CausalLM.ids(new int[] {1, 2, 3, 4}), cache);
        assertEquals(4, cache.length());
    }

    @Test
    void updateWritesDenseAndStridedSourcesAtTheCurrentPosition() {
        KvCache cache = new KvCache(1, 2, 2, 4, 3);                     // (B 2, Hkv 2, capacity 4, hd 3)
        Tensor k1 = Tensor.arange(0, 24, 1).reshape(2, 2, 2, 3);           // dense rows: the array-copy path
        Tensor v1 = Tensor.arange(100, 124, 1).reshape(2, 2, 2, 3);
        Tensor[] kv = cache.update(0, k1, v1);
        assertEquals(java.util.List.of(2, 2, 2, 3), java.util.Arrays.stream(kv[0].shape()).boxed().toList());
        cache.advance(2);
        Tensor k2 = Tensor.arange(200, 212, 1).reshape(2, 2, 3, 1).transpose(2, 3);   // (2, 2, 1, 3), dense rows
        Tensor k3 = Tensor.arange(300, 312, 1).reshape(2, 3, 2, 1).permute(0, 2, 3, 1); // hd has stride 2: generic path
        Tensor[] kv2 = cache.update(0, k3, k2);
        float[] expectedKeys = Tensor.cat(java.util.List.of(k1, k3), 2).contiguous().toFloatArray();
        float[] expectedValues = Tensor.cat(java.util.List.of(v1, k2), 2).contiguous().toFloatArray();
        org.junit.jupiter.api.Assertions.assertArrayEquals(expectedKeys, kv2[0].contiguous().toFloatArray());
        org.junit.jupiter.api.Assertions.assertArrayEquals(expectedValues, kv2[1].contiguous().toFloatArray());
    }

    @Test
    void decodingBuildsNoGraph() throws Exception {
        CausalLM m = model("gpt");
        KvCache cache = m.newCache(1, 4);
        Tensor logits = m.forward(CausalLM.ids(new int[] {1, 2}), cache);
        assertEquals(null, logits.gradFn(), "decoding runs without autograd");
        assertEquals(false, logits.requiresGrad());
    }
}
