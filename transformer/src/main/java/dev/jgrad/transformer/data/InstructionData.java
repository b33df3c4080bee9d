package dev.jgrad.transformer.data;

import dev.jgrad.core.Generator;
import dev.jgrad.transformer.chat.ChatMessage;

import java.util.ArrayList;
import java.util.List;

/**
 * From conversations to training and validation examples: render and tokenize each
 * ({@link InstructionEncoder}), apply the truncation rule, split off a validation set.
 *
 * <p><b>Truncation</b>: an example longer than {@code maxLength} tokens keeps its first {@code maxLength}
 * tokens (the prompt and the beginning of the answer). An example left with no assistant target after that
 * (its prompt alone fills the window), or one without any assistant token at all (empty answers), is dropped;
 * both are counted in the {@link Report}.
 *
 * <p><b>Validation split</b>: the conversations are shuffled with {@code seed} and the first
 * {@code round(validationFraction · n)} (at least one when the fraction is positive and there are at least two
 * examples) become the validation set. Splitting before tokenizing keeps the same conversations in the same
 * split whatever the tokenizer.
 */
public final class InstructionData {

    /** The examples of each split and what was dropped or cut. */
    public record Prepared(List<SftExample> train, List<SftExample> validation, Report report) {}

    /**
     * @param records         conversations read
     * @param truncated       examples cut to the maximum length
     * @param droppedTooLong  examples dropped because no assistant token fits in the maximum length
     * @param droppedNoAnswer examples dropped because no assistant token was found (empty answers)
     * @param trainTargets    assistant targets (tokens the loss counts) in the training split
     * @param validationTargets assistant targets in the validation split
     */
    public record Report(int records, int truncated, int droppedTooLong, int droppedNoAnswer, long trainTargets,
                         long validationTargets) {}

    private InstructionData() {}

    public static Prepared prepare(List<List<ChatMessage>> conversations, InstructionEncoder encoder, int maxLength,
                                   double validationFraction, long seed) {
        if (maxLength < 2) throw new IllegalArgumentException("max length must be >= 2, got " + maxLength);
        if (!(validationFraction >= 0 && validationFraction < 1))
            throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + validationFraction);
        int n = conversations.size();
        int[] order = new int[n];
        new Generator(seed).permutation(order);
        int nValidation = validationFraction == 0 || n < 2 ? 0
                : Math.max(1, (int) Math.round(validationFraction * n));
        List<SftExample> train = new ArrayList<>();
        List<SftExample> validation = new ArrayList<>();
        int truncated = 0, tooLong = 0, noAnswer = 0;
        long trainTargets = 0, validationTargets = 0;
        for (int k = 0; k < n; k++) {
            SftExample e = encoder.encode(conversations.get(order[k]));
            if (e.trainedTargets() == 0) {
                noAnswer++;
                continue;
            }
            if (e.length() > maxLength) {
                e = e.truncate(maxLength);
                if (e.trainedTargets() == 0) {
                    tooLong++;
                    continue;
                }
                truncated++;
            }
            if (k < nValidation) {
                validation.add(e);
                validationTargets += e.trainedTargets();
            } else {
                train.add(e);
                trainTargets += e.trainedTargets();
            }
        }
        return new Prepared(train, validation,
                new Report(n, truncated, tooLong, noAnswer, trainTargets, validationTargets));
    }
}
