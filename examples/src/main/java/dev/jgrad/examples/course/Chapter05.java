package dev.jgrad.examples.course;

import dev.jgrad.core.DType;
import dev.jgrad.core.Generator;
import dev.jgrad.core.Tensor;
import dev.jgrad.core.ops.Attention;
import dev.jgrad.core.ops.AttentionOptions;
import dev.jgrad.core.ops.Rope;
import dev.jgrad.core.ops.RopeStyle;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.GrayPaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.data.xy.DefaultXYZDataset;

import java.awt.Color;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Chapter 5 of the course ({@code docs/course/05-attention.md}): scaled dot-product attention written out with
 * tensor ops and compared with jgrad's fused {@link Attention}; the causal mask and what it guarantees; RoPE's
 * relative-position property; grouped-query attention as shared key/value heads, and what it saves. Float64, so
 * the numbers are the same on every machine. Writes {@code attention-map.png}.
 */
public final class Chapter05 {

    private Chapter05() {}

    public static String title() {
        return "Attention: the causal mask, RoPE, multi- and grouped-query heads";
    }

    public static void run(PrintStream out, Path outDir) throws Exception {
        Generator gen = new Generator(5);
        int t = 6, d = 8;
        Tensor q = Tensor.randn(gen, 1, 2, t, d).to(DType.F64);   // (B, H, T, D)
        Tensor k = Tensor.randn(gen, 1, 2, t, d).to(DType.F64);
        Tensor v = Tensor.randn(gen, 1, 2, t, d).to(DType.F64);

        out.println("== 1. Attention from scratch = jgrad's fused attention ==");
        for (boolean causal : new boolean[] {false, true}) {
            double diff = maxAbs(attention(q, k, v, causal).sub(
                    Attention.scaledDotProductAttention(q, k, v, AttentionOptions.DEFAULT.withCausal(causal))));
            out.printf(Locale.ROOT, "%-10s max |ours - fused| below 1e-12: %s%n", causal ? "causal" : "full", diff < 1e-12 ? "yes" : "NO");
        }

        out.println();
        out.println("== 2. The causal mask: attention weights of head 0 (row = query position, column = key) ==");
        Tensor w = weights(q, k, true).select(0, 0).select(0, 0);   // (T, T)
        for (int i = 0; i < t; i++) {
            StringBuilder row = new StringBuilder();
            for (int j = 0; j < t; j++) row.append(String.format(Locale.ROOT, " %.2f", w.get(i, j)));
            out.println("  pos " + i + ":" + row);
        }
        Tensor changed = v.copy();
        changed.select(2, t - 1).fill(100);   // rewrite the last token's value vectors
        Tensor before = attention(q, k, v, true), after = attention(q, k, changed, true);
        double earlier = maxAbs(before.narrow(2, 0, t - 1).sub(after.narrow(2, 0, t - 1)));
        double last = maxAbs(before.narrow(2, t - 1, 1).sub(after.narrow(2, t - 1, 1)));
        out.printf(Locale.ROOT, "changing the last token moves positions 0-%d by %.1f and position %d by more than 1: %s%n", t - 2, earlier,
                t - 1, last > 1 ? "yes" : "no");

        out.println();
        out.println("== 3. RoPE: a rotated query·key depends only on the distance ==");
        Tensor q1 = Tensor.randn(gen, 1, 1, 1, d).to(DType.F64), k1 = Tensor.randn(gen, 1, 1, 1, d).to(DType.F64);
        for (int[] mn : new int[][] {{2, 0}, {10, 8}, {100, 98}, {100, 90}}) {
            double dot = Rope.apply(q1, mn[0], Rope.DEFAULT_THETA, RopeStyle.INTERLEAVED)
                    .mul(Rope.apply(k1, mn[1], Rope.DEFAULT_THETA, RopeStyle.INTERLEAVED)).sum().item();
            out.printf(Locale.ROOT, "query at %3d, key at %3d (distance %2d): q·k = %.6f%n", mn[0], mn[1], mn[0] - mn[1], dot);
        }
        Tensor rotated = Rope.apply(q1, 37, Rope.DEFAULT_THETA, RopeStyle.INTERLEAVED);
        out.printf(Locale.ROOT, "|q| = %.6f, |rotated q| = %.6f (a rotation keeps lengths)%n", norm(q1), norm(rotated));

        out.println();
        out.println("== 4. Multi-head, grouped-query, multi-query (LLaMA-2-7B sizes: d 4096, 32 layers, 32 heads of 128) ==");
        for (int kvHeads : new int[] {32, 8, 1}) {
            long params = attentionParameters(4096, 32, kvHeads, 128);
            long cache = kvCacheBytes(32, kvHeads, 128, 4096, 2);
            out.printf(Locale.ROOT, "%2d kv heads: %,d attention parameters per layer, KV cache for 4096 tokens (fp16) %,d MiB%n",
                    kvHeads, params, cache >> 20);
        }
        Tensor qg = Tensor.randn(gen, 1, 4, t, d).to(DType.F64);
        Tensor kg = Tensor.randn(gen, 1, 2, t, d).to(DType.F64), vg = Tensor.randn(gen, 1, 2, t, d).to(DType.F64);
        AttentionOptions causal = AttentionOptions.DEFAULT.withCausal(true);
        Tensor gqa = Attention.scaledDotProductAttention(qg, kg, vg, causal);
        Tensor mha = Attention.scaledDotProductAttention(qg, repeatHeads(kg, 2), repeatHeads(vg, 2), causal);
        out.printf(Locale.ROOT, "GQA (4 query heads, 2 kv heads) = MHA with each kv head repeated twice: %s%n", maxAbs(gqa.sub(mha)) < 1e-12 ? "yes" : "NO");

        Files.createDirectories(outDir);
        Path png = outDir.resolve("attention-map.png");
        Tensor big = Tensor.randn(new Generator(55), 1, 1, 16, 16).to(DType.F64);
        Tensor rq = Rope.apply(big, 0, Rope.DEFAULT_THETA, RopeStyle.INTERLEAVED);
        heatmap(weights(rq, rq, true).select(0, 0).select(0, 0), png);
        out.println("figure: " + png.getFileName());
    }

    /** softmax(q·kᵀ/√D + mask) (B, H, Tq, Tk), the mask −∞ above the diagonal when causal. */
    static Tensor weights(Tensor q, Tensor k, boolean causal) {
        int d = q.size(3), tq = q.size(2), tk = k.size(2);
        Tensor scores = q.matmul(k.transpose(2, 3)).div(Math.sqrt(d));      // (B, H, Tq, Tk)
        if (causal) {
            Tensor future = Tensor.ones(tq, tk).triu(1).gt(0);              // (Tq, Tk): true where key > query
            scores = scores.maskedFill(future, Double.NEGATIVE_INFINITY);
        }
        return scores.softmax(3);
    }

    /** Attention written with ordinary ops: the weights times v, (B, H, Tq, D). */
    static Tensor attention(Tensor q, Tensor k, Tensor v, boolean causal) {
        return weights(q, k, causal).matmul(v);
    }

    /** (B, Hkv, T, D) → (B, Hkv·r, T, D), each head repeated r times in a row (head h serves query heads h·r .. h·r+r−1). */
    static Tensor repeatHeads(Tensor x, int r) {
        int b = x.size(0), h = x.size(1), t = x.size(2), d = x.size(3);
        return x.unsqueeze(2).expand(b, h, r, t, d).reshape(b, h * r, t, d);
    }

    /** Wq (d·d) + Wk and Wv (d·kvHeads·headDim each) + Wo (d·d), no biases. */
    static long attentionParameters(int dModel, int heads, int kvHeads, int headDim) {
        return 2L * dModel * heads * headDim + 2L * dModel * kvHeads * headDim;
    }

    /** Keys and values (2) for every layer, kv head, feature and token. */
    static long kvCacheBytes(int layers, int kvHeads, int headDim, int tokens, int bytesPerValue) {
        return 2L * layers * kvHeads * headDim * tokens * bytesPerValue;
    }

    private static double maxAbs(Tensor t) {
        return t.abs().max().item();
    }

    private static double norm(Tensor t) {
        return Math.sqrt(t.square().sum().item());
    }

    private static void heatmap(Tensor w, Path png) throws Exception {
        int n = w.size(0);
        double[][] xyz = new double[3][n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                xyz[0][i * n + j] = j;
                xyz[1][i * n + j] = i;
                xyz[2][i * n + j] = w.get(i, j);
            }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("weights", xyz);
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setBlockAnchor(org.jfree.chart.ui.RectangleAnchor.CENTER);
        GrayPaintScale scale = new GrayPaintScale(0, 1);
        renderer.setPaintScale(scale);
        NumberAxis keys = new NumberAxis("key position"), queries = new NumberAxis("query position");
        queries.setInverted(true);
        XYPlot plot = new XYPlot(data, keys, queries, renderer);
        JFreeChart chart = new JFreeChart("Causal attention weights (one head, RoPE, q = k)", JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        chart.addSubtitle(new PaintScaleLegend(scale, new NumberAxis("weight")));
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 700, 640);
    }
}
