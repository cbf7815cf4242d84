package ai.kaizen.trainer.kto;

import ai.kaizen.trainer.training.TokenizedExample;
import java.util.Arrays;

/**
 * One KTO example as tokens: the prompt and the answer rendered with the chat template, the answer's
 * tokens marked, and its label.
 *
 * @param sequence the prompt and the answer, truncated ({@code assistant} marks the answer)
 * @param answerStart the index of the answer's first token (the prompt is {@code [0, answerStart)})
 * @param desirable whether the answer is desirable (a thumbs up, good stars)
 */
public record TokenizedCompletion(TokenizedExample sequence, int answerStart, boolean desirable) {

    /**
     * @param sequence the rendered conversation ending with the answer
     * @param desirable the label
     * @return the example, its answer starting at the first marked token
     */
    public static TokenizedCompletion of(TokenizedExample sequence, boolean desirable) {
        boolean[] answer = sequence.assistant();
        int start = 0;
        while (start < answer.length && !answer[start]) {
            start++;
        }
        return new TokenizedCompletion(sequence, start, desirable);
    }

    /** @return real tokens */
    public int tokens() {
        return sequence.length();
    }

    /**
     * A mismatched pair for the KL reference point: this example's prompt followed by another
     * example's answer (its template tokens after the answer included), cut at the end to
     * {@code maxLength}. Built from tokens, as TRL does, so no text is rendered again.
     *
     * @param other the example whose answer is taken
     * @param maxLength most tokens
     * @return the sequence, the other answer's tokens marked
     */
    public TokenizedExample withAnswerOf(TokenizedCompletion other, int maxLength) {
        int[] otherIds = other.sequence.ids();
        int answerLength = otherIds.length - other.answerStart;
        int length = Math.min(maxLength, answerStart + answerLength);
        int[] ids = Arrays.copyOf(sequence.ids(), length);
        boolean[] marked = new boolean[length];
        for (int i = answerStart; i < length; i++) {
            ids[i] = otherIds[other.answerStart + i - answerStart];
            marked[i] = other.sequence.assistant()[other.answerStart + i - answerStart];
        }
        return new TokenizedExample(ids, marked);
    }
}
