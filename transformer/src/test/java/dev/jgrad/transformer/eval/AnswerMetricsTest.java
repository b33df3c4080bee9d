package dev.jgrad.transformer.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Scores worked out by hand from the definitions (SQuAD's evaluate-v2.0.py, rouge_score's rouge_scorer). */
class AnswerMetricsTest {

    @Test
    void exactMatchNormalisesCaseArticlesAndPunctuation() {
        assertEquals(1, AnswerMetrics.exactMatch("The Eiffel Tower!", "eiffel tower"));
        assertEquals(1, AnswerMetrics.exactMatch("  a   cat ", "the cat."));
        assertEquals(0, AnswerMetrics.exactMatch("Eiffel tower in Paris", "Eiffel Tower"));
        assertEquals(1, AnswerMetrics.exactMatch("", "the"), "both empty after normalisation");
    }

    @Test
    void tokenF1CountsSharedTokensWithMultiplicity() {
        // candidate [cat, sat], reference [cat, sat, down]: P = 1, R = 2/3, F1 = 0.8
        assertEquals(0.8, AnswerMetrics.tokenF1("The cat sat.", "A cat sat down"), 1e-12);
        // candidate [red, red, blue], reference [red, green]: common 1 (red once), P = 1/3, R = 1/2, F1 = 0.4
        assertEquals(0.4, AnswerMetrics.tokenF1("red red blue", "red green"), 1e-12);
        assertEquals(0, AnswerMetrics.tokenF1("yes", "no"));
        assertEquals(0, AnswerMetrics.tokenF1("", "something"));
    }

    @Test
    void rougeLUsesTheLongestCommonSubsequence() {
        // LCS of "the cat sat on the mat" and "the cat was on the mat" is "the cat on the mat": 5 of 6 each way
        assertEquals(5.0 / 6, AnswerMetrics.rougeL("The cat sat on the mat.", "the cat was on the mat"), 1e-12);
        // candidate [police, killed, the, gunman], reference [police, kill, the, gunman]: LCS 3, F = 0.75
        assertEquals(0.75, AnswerMetrics.rougeL("police killed the gunman", "police kill the gunman"), 1e-12);
        // order matters: [b, a] against [a, b] shares a subsequence of 1, F = 0.5; token F1 would give 1
        assertEquals(0.5, AnswerMetrics.rougeL("b a", "a b"), 1e-12);
        assertEquals(1.0, AnswerMetrics.tokenF1("b a", "a b"), 1e-12);
        // non-alphanumerics separate tokens: "state-of-the-art" is four tokens
        assertEquals(1.0, AnswerMetrics.rougeL("State-of-the-art", "state of the art"), 1e-12);
    }

    @Test
    void meanAveragesEachScore() {
        AnswerMetrics.Scores m = AnswerMetrics.mean(List.of(AnswerMetrics.score("a cat", "cat"), AnswerMetrics.score("dog", "cat")));
        assertEquals(0.5, m.exactMatch(), 1e-12);
        assertEquals(0.5, m.f1(), 1e-12);
        // rouge: "a cat" vs "cat" has LCS 1, P = 1/2, R = 1, F = 2/3; "dog" vs "cat" 0
        assertEquals(1.0 / 3, m.rougeL(), 1e-12);
    }
}
