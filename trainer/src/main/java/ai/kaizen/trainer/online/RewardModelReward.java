package ai.kaizen.trainer.online;

import ai.kaizen.trainer.reward.RewardModel;
import ai.kaizen.trainer.reward.RewardStats;
import java.util.ArrayList;
import java.util.List;

/**
 * The online trainers' reward from a trained reward model ({@code kaizen train rm}'s output directory): the raw
 * score of prompt + response, read at the last token; the trainers normalise it with the model's
 * {@link RewardStats}.
 */
public final class RewardModelReward implements Reward {

    private final RewardModel model;

    /** @param model the reward model (owned from now on: {@link #close} closes it) */
    public RewardModelReward(RewardModel model) {
        this.model = model;
    }

    @Override
    public float[] score(List<Sample> samples) {
        List<int[]> sequences = new ArrayList<>(samples.size());
        for (Sample s : samples) {
            int[] all = new int[s.promptIds().length + s.responseIds().length];
            System.arraycopy(s.promptIds(), 0, all, 0, s.promptIds().length);
            System.arraycopy(s.responseIds(), 0, all, s.promptIds().length, s.responseIds().length);
            sequences.add(all);
        }
        List<RewardModel.Reward> rewards = model.scoreIds(sequences);
        float[] out = new float[rewards.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) rewards.get(i).raw();
        }
        return out;
    }

    @Override
    public RewardStats stats() {
        return model.stats();
    }

    @Override
    public void close() {
        model.close();
    }
}
