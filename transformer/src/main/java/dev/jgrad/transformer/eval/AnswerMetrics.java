package dev.jgrad.transformer.eval;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How close a generated answer is to a reference answer, by the measures instruction-tuning papers report:
 * <ul>
 *   <li><b>exact match</b> and <b>token F1</b> as the SQuAD evaluation script defines them: both texts are
 *       normalised (lower case, punctuation removed, the articles a/an/the removed, whitespace collapsed) and
 *       split on whitespace; EM is 1 when the token lists are equal, F1 is the harmonic mean of the precision
 *       and recall of the tokens they share (counted with multiplicity). Two empty answers score 1.</li>
 *   <li><b>ROUGE-L</b> (Lin 2004), as Google's {@code rouge_score} computes it without stemming: both texts
 *       lower-cased, every run of characters other than a–z and 0–9 a separator; with L the length of the
 *       longest common subsequence of the token lists, P = L/|candidate|, R = L/|reference|, F = 2PR/(P+R).
 *       It rewards answers that say the reference's words in the reference's order, so it suits longer
 *       answers where exact match is hopeless.</li>
 * </ul>
 */
public final class AnswerMetrics {

    private static final Pattern PUNCTUATION = Pattern.compile("\\p{P}|\\p{S}");
    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b");
    private static final Pattern ROUGE_SEPARATORS = Pattern.compile("[^a-z0-9]+");

    /** The three scores of one answer, each in [0, 1]. */
    public record Scores(double exactMatch, double f1, double rougeL) {}

    private AnswerMetrics() {}

    /** The scores of {@code candidate} against {@code reference}. */
    public static Scores score(String candidate, String reference) {
        return new Scores(exactMatch(candidate, reference), tokenF1(candidate, reference), rougeL(candidate, reference));
    }

    /** The mean of each score over several answers (NaN for none). */
    public static Scores mean(List<Scores> scores) {
        double em = 0, f1 = 0, rl = 0;
        for (Scores s : scores) {
            em += s.exactMatch();
            f1 += s.f1();
            rl += s.rougeL();
        }
        int n = scores.size();
        return new Scores(em / n, f1 / n, rl / n);
    }

    /** SQuAD exact match: 1 if the normalised answers are equal, else 0. */
    public static double exactMatch(String candidate, String reference) {
        return squadTokens(candidate).equals(squadTokens(reference)) ? 1 : 0;
    }

    /** SQuAD token F1 over normalised tokens. */
    public static double tokenF1(String candidate, String reference) {
        List<String> c = squadTokens(candidate);
        List<String> r = squadTokens(reference);
        if (c.isEmpty() || r.isEmpty()) return c.equals(r) ? 1 : 0;
        Map<String, Integer> counts = new HashMap<>();
        for (String t : r) counts.merge(t, 1, Integer::sum);
        int common = 0;
        for (String t : c) {
            Integer left = counts.get(t);
            if (left != null && left > 0) {
                common++;
                counts.put(t, left - 1);
            }
        }
        if (common == 0) return 0;
        double precision = (double) common / c.size();
        double recall = (double) common / r.size();
        return 2 * precision * recall / (precision + recall);
    }

    /** ROUGE-L F-measure over {@code rouge_score}'s tokens. */
    public static double rougeL(String candidate, String reference) {
        String[] c = rougeTokens(candidate);
        String[] r = rougeTokens(reference);
        if (c.length == 0 || r.length == 0) return 0;
        int lcs = lcsLength(c, r);
        if (lcs == 0) return 0;
        double precision = (double) lcs / c.length;
        double recall = (double) lcs / r.length;
        return 2 * precision * recall / (precision + recall);
    }

    static List<String> squadTokens(String s) {
        String t = s.toLowerCase(Locale.ROOT);
        t = PUNCTUATION.matcher(t).replaceAll("");
        t = ARTICLES.matcher(t).replaceAll(" ");
        List<String> out = new ArrayList<>();
        for (String w : t.trim().split("\\s+")) if (!w.isEmpty()) out.add(w);
        return out;
    }

    static String[] rougeTokens(String s) {
        String t = Normalizer.normalize(s, Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
        return Arrays.stream(ROUGE_SEPARATORS.split(t)).filter(w -> !w.isEmpty()).toArray(String[]::new);
    }

    /** Length of the longest common subsequence, by the two-row dynamic programme. */
    static int lcsLength(String[] a, String[] b) {
        int[] prev = new int[b.length + 1];
        int[] cur = new int[b.length + 1];
        for (String x : a) {
            for (int j = 1; j <= b.length; j++)
                cur[j] = x.equals(b[j - 1]) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            int[] tmp = prev;
            prev = cur;
            cur = tmp;
        }
        return prev[b.length];
    }
}
