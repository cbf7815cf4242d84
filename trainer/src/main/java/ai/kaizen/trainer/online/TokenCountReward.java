package ai.kaizen.trainer.online;

import java.util.List;

/**
 * A programmatic reward: how often a chosen token occurs in the response, capped. A verifiable
 * target for tests and smoke runs (the policy must learn to say it, the KL penalty keeps it from
 * saying only that).
 *
 * @param tokenId the token to reward
 * @param cap most occurrences that count
 */
public record TokenCountReward(int tokenId, int cap) implements Reward {

    @Override
    public float[] score(List<Sample> samples) {
        float[] out = new float[samples.size()];
        for (int i = 0; i < out.length; i++) {
            int n = 0;
            for (int t : samples.get(i).responseIds()) {
                if (t == tokenId) {
                    n++;
                }
            }
            out[i] = Math.min(n, cap);
        }
        return out;
    }
}
