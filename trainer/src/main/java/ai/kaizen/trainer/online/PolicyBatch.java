package ai.kaizen.trainer.online;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * A micro-batch of scored answers as padded arrays, for a critic-free policy update: per-token quantities sit at
 * the answer's positions (prompt and padding positions are 0 and masked out), one advantage per answer.
 *
 * @param padded prompt and answer token ids, right-padded, and their attention mask
 * @param mask (B, T) float, 1 on answer tokens
 * @param oldLogprobs (B, T) the policy's log-probabilities at sampling time
 * @param refLogprobs (B, T) the frozen reference's
 * @param advantages (B, 1) one advantage per answer
 * @param rows answers in the micro-batch
 * @param stepTokens answer tokens in the whole optimizer step (every micro-batch of it), for token-level
 *     normalisation across gradient accumulation
 * @param accumulation micro-batches per optimizer step
 */
public record PolicyBatch(PaddedBatch padded, NDArray mask, NDArray oldLogprobs, NDArray refLogprobs,
        NDArray advantages, int rows, double stepTokens, int accumulation) {

    /**
     * @param answers the micro-batch's answers
     * @param advantages their advantages, in the same order
     * @param manager where the arrays live
     * @param stepTokens answer tokens in the whole optimizer step
     * @param accumulation micro-batches per optimizer step
     * @return the arrays
     */
    public static PolicyBatch of(List<ScoredResponse> answers, float[] advantages, NDManager manager,
            double stepTokens, int accumulation) {
        List<int[]> rows = new ArrayList<>(answers.size());
        for (ScoredResponse a : answers) {
            rows.add(a.allIds());
        }
        PaddedBatch padded = PaddedBatch.of(rows, manager);
        int w = padded.width();
        int b = answers.size();
        float[] mask = new float[b * w];
        float[] old = new float[b * w];
        float[] ref = new float[b * w];
        for (int r = 0; r < b; r++) {
            ScoredResponse a = answers.get(r);
            int at = r * w + a.promptIds().length;
            for (int i = 0; i < a.responseIds().length; i++) {
                mask[at + i] = 1;
                old[at + i] = a.logprobs()[i];
                ref[at + i] = a.refLogprobs()[i];
            }
        }
        return new PolicyBatch(padded, PaddedBatch.floats(manager, mask, b, w), PaddedBatch.floats(manager, old, b, w),
                PaddedBatch.floats(manager, ref, b, w), PaddedBatch.floats(manager, advantages, b, 1), b, stepTokens,
                accumulation);
    }
}
