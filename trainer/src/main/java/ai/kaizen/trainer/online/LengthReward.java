package ai.kaizen.trainer.online;

import java.util.List;

/**
 * A programmatic reward: minus the distance of the response's length (in tokens) from a target,
 * divided by the target, so the best response scores 0 and the scale stays near 1.
 *
 * @param target the length to aim for
 */
public record LengthReward(int target) implements Reward {

    /** Validates. */
    public LengthReward {
        if (target <= 0) {
            throw new IllegalArgumentException("target length must be positive");
        }
    }

    @Override
    public float[] score(List<Sample> samples) {
        float[] out = new float[samples.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = -Math.abs(samples.get(i).responseIds().length - target) / (float) target;
        }
        return out;
    }
}
