package ai.kaizen.trainer.online;

import ai.kaizen.trainer.reward.RewardModel;
import ai.kaizen.trainer.reward.RewardStats;
import java.util.ArrayList;
import java.util.List;

/**
 * The online trainers' reward from a trained reward model ({@code kaizen train rm}'s output directory): the raw
 * score of prompt + response, read where the reward model was trained to read ({@link RewardModel#scoreAnswers});
 * the trainers normalise it with the model's {@link RewardStats}.
 */
public final class RewardModelReward implements Reward {

    private final RewardModel model;

    /** @param model the reward model (owned from now on: {@link #close} closes it) */
    public RewardModelReward(RewardModel model) {
        this.model = model;
    }

    @Override
    public float[] score(List<Sample> samples) {
        List<int[]> prompts = new ArrayList<>(samples.size());
        List<int[]> answers = new ArrayList<>(samples.size());
        for (Sample s : samples) {
            prompts.add(s.promptIds());
            answers.add(s.responseIds());
        }
        List<RewardModel.Reward> rewards = model.scoreAnswers(prompts, answers);
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
