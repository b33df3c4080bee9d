package dev.jgrad.quant;

/**
 * The two 4-bit code books of bitsandbytes: a 4-bit code (a "nibble", 0..15) is an index into a table of
 * 16 floats in [-1, 1], and a weight is stored as the nibble whose table value is nearest to the weight
 * divided by its block's absolute maximum.
 *
 * <h2>NF4, NormalFloat (QLoRA, Dettmers et al. 2023)</h2>
 * Pretrained weights are close to normally distributed, and after dividing a block by its absolute maximum
 * they are close to a normal distribution squeezed into [-1, 1]. A code book is best for such data when
 * every code is used equally often, i.e. when the codes are <em>quantiles</em> of N(0, 1): the k-th code
 * sits where the normal CDF reaches probability p_k, so each bin holds the same probability mass and no
 * code is wasted on the thin tails. bitsandbytes builds the table ({@code create_normal_map}) as
 * <ol>
 *   <li>8 positive values {@code Φ⁻¹(p)} for p = 9 evenly spaced probabilities from δ down to 0.5, the last
 *       (p = 0.5, value 0) dropped;</li>
 *   <li>7 negative values {@code -Φ⁻¹(p)} for p = 8 evenly spaced probabilities from δ down to 0.5, the
 *       last dropped;</li>
 *   <li>an exact 0; then everything divided by the largest value, so the table spans exactly [-1, 1].</li>
 * </ol>
 * δ = 0.9677083 = ½((1 − 1/30) + (1 − 1/32)), the mean of the outermost quantile positions for 15 and 16
 * bins: it keeps {@code Φ⁻¹(δ)} finite (Φ⁻¹(1) = ∞) while placing ±1 where the tails of a normalized block
 * actually are.
 *
 * <p>The table is <em>asymmetric</em> (8 positive codes, 7 negative, one zero) because 16 is even: a
 * symmetric table would have either no zero or two. An exact zero matters (zero weights, padding, pruned
 * rows must stay exactly zero), and giving the spare code to one side costs less than dropping zero. Since
 * every block contains its absolute maximum, either +1 or −1 is always hit exactly.
 *
 * <h2>FP4</h2>
 * A 4-bit float: 1 sign bit (bit 3), 2 exponent bits, 1 mantissa bit, with a subnormal. Bits {@code eem}
 * decode to magnitudes {@code [0, 0.0625, 8, 12, 4, 6, 2, 3]} and the table is that divided by 12, its
 * largest value. Quantization follows bitsandbytes' CUDA kernel: the sign bit is set for negative inputs,
 * and the magnitude is the nearest of the 8, a tie going to the smaller magnitude.
 *
 * <p>For both types, "nearest" is measured in float32 arithmetic, {@code |x − code[i]|}, and an exact tie
 * goes to the smaller value (for NF4, the lower index).
 */
public enum QuantType {
    NF4("nf4", new float[] {
            (float) -1.0, (float) -0.6961928009986877, (float) -0.5250730514526367, (float) -0.39491748809814453,
            (float) -0.28444138169288635, (float) -0.18477343022823334, (float) -0.09105003625154495, (float) 0.0,
            (float) 0.07958029955625534, (float) 0.16093020141124725, (float) 0.24611230194568634,
            (float) 0.33791524171829224, (float) 0.44070982933044434, (float) 0.5626170039176941,
            (float) 0.7229568362236023, (float) 1.0}),
    FP4("fp4", fp4Table());

    /** FP4 magnitude codes (bits 0-2) in increasing order of magnitude (a holder: enum constructors cannot read statics). */
    private static final class Fp4 {
        static final int[] BY_MAGNITUDE = {0b000, 0b001, 0b110, 0b111, 0b100, 0b101, 0b010, 0b011};
    }

    private final String bnbName;
    private final float[] codebook;
    private final float[] fp4Magnitudes; // sorted, FP4 only

    QuantType(String bnbName, float[] codebook) {
        this.bnbName = bnbName;
        this.codebook = codebook;
        if (bnbName.equals("fp4")) {
            fp4Magnitudes = new float[8];
            for (int i = 0; i < 8; i++) fp4Magnitudes[i] = codebook[Fp4.BY_MAGNITUDE[i]];
        } else {
            fp4Magnitudes = null;
        }
    }

    /** bitsandbytes' table: values {@code [0, 0.0625, 8, 12, 4, 6, 2, 3]} with sign bit 3, divided by 12 in float32. */
    private static float[] fp4Table() {
        float[] raw = {0f, 0.0625f, 8f, 12f, 4f, 6f, 2f, 3f, -0f, -0.0625f, -8f, -12f, -4f, -6f, -2f, -3f};
        float[] t = new float[16];
        for (int i = 0; i < 16; i++) t[i] = raw[i] / 12f;
        return t;
    }

    /** The name bitsandbytes uses: "nf4" or "fp4". */
    public String bnbName() {
        return bnbName;
    }

    /** The type bitsandbytes calls {@code name}, or an exception listing the known ones. */
    public static QuantType fromBnbName(String name) {
        for (QuantType t : values()) if (t.bnbName.equals(name)) return t;
        throw new IllegalArgumentException("unknown 4-bit quant type \"" + name + "\" (known: nf4, fp4)");
    }

    /** A copy of the 16-entry table: {@code codebook()[nibble]} is the value a nibble decodes to (before scaling). */
    public float[] codebook() {
        return codebook.clone();
    }

    /** The table value of one nibble. */
    public float decode(int nibble) {
        return codebook[nibble];
    }

    /** The nibble that encodes 0.0 (used for padding and all-zero blocks). */
    public int zeroCode() {
        return this == NF4 ? 7 : 0;
    }

    /** The nibble nearest to {@code x}, which must lie in [-1, 1]. */
    public int encode(float x) {
        if (this == NF4) return nearestSorted(codebook, x);
        int sign = x < 0 ? 0b1000 : 0;
        return sign | Fp4.BY_MAGNITUDE[nearestSorted(fp4Magnitudes, Math.abs(x))];
    }

    /**
     * Index of the value of the ascending table {@code sorted} nearest to {@code x}: binary search for the last
     * value not above {@code x}, then compare it with the next one in float32; an exact tie keeps the lower.
     */
    static int nearestSorted(float[] sorted, float x) {
        int lo = 0, hi = sorted.length - 1; // find the last j with sorted[j] <= x (0 if x is below the table)
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (sorted[mid] <= x) lo = mid;
            else hi = mid - 1;
        }
        int j = lo;
        if (j + 1 < sorted.length && Math.abs(x - sorted[j + 1]) < Math.abs(x - sorted[j])) j++;
        return j;
    }
}
