package ai.kaizen.trainer.ppo;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.kaizen.model.head.ScalarHead;
import ai.kaizen.model.llama.ForwardOutput;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.ModelOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The reward of a reward-model directory (Hugging Face backbone + {@code scalar_head.safetensors}
 * + {@code reward_stats.json}): the head's score at the last token of prompt + response, frozen.
 * The one place that knows how a reward model scores; the reward-model trainer's own class can
 * take its place.
 */
public final class ScalarHeadReward implements Reward {

    private final LlamaModel network;
    private final ScalarHead head;
    private final RewardStats stats;
    private final int batchSize;

    private ScalarHeadReward(LlamaModel network, ScalarHead head, RewardStats stats, int batchSize) {
        this.network = network;
        this.head = head;
        this.stats = stats;
        this.batchSize = batchSize;
    }

    /**
     * @param dir the reward-model directory
     * @param batchSize sequences scored per forward pass
     * @return the reward
     */
    public static ScalarHeadReward load(Path dir, int batchSize) {
        LlamaModel network = LlamaModel.load(dir, ModelOptions.DEFAULT);
        try {
            return of(network, ScalarHead.load(network, dir), RewardStats.read(dir), batchSize);
        } catch (RuntimeException e) {
            network.close();
            throw e;
        }
    }

    /**
     * @param network a reward backbone (owned from now on)
     * @param head its head (owned from now on)
     * @param stats its score statistics
     * @param batchSize sequences scored per forward pass
     * @return the reward
     */
    public static ScalarHeadReward of(LlamaModel network, ScalarHead head, RewardStats stats, int batchSize) {
        head.weight().getArray().setRequiresGradient(false);
        return new ScalarHeadReward(network, head, stats, batchSize);
    }

    @Override
    public float[] score(List<Sample> samples) {
        float[] out = new float[samples.size()];
        for (int from = 0; from < samples.size(); from += batchSize) {
            List<int[]> rows = new ArrayList<>();
            for (Sample s : samples.subList(from, Math.min(samples.size(), from + batchSize))) {
                int[] all = new int[s.promptIds().length + s.responseIds().length];
                System.arraycopy(s.promptIds(), 0, all, 0, s.promptIds().length);
                System.arraycopy(s.responseIds(), 0, all, s.promptIds().length, s.responseIds().length);
                rows.add(all);
            }
            try (NDManager m = network.manager().newSubManager(); NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                PaddedBatch batch = PaddedBatch.of(rows, m);
                ForwardOutput hidden = network.hiddenStates(batch.ids(), batch.mask(), false);
                float[] scores = head.score(hidden.hidden(), batch.mask()).toFloatArray();
                System.arraycopy(scores, 0, out, from, scores.length);
            }
        }
        return out;
    }

    @Override
    public RewardStats stats() {
        return stats;
    }

    @Override
    public void close() {
        head.close();
        network.close();
    }
}
