package ai.kaizen.trainer.ppo;

import ai.kaizen.model.config.Json;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Mean and standard deviation of a reward model's scores over its training data
 * ({@code reward_stats.json} beside the model: {@code {"mean": .., "std": ..}}). PPO normalises
 * scores with them so that {@code kl_coef} and the clip range mean the same for every reward model.
 *
 * @param mean the mean score
 * @param std the standard deviation (positive)
 */
public record RewardStats(double mean, double std) {

    /** No normalisation. */
    public static final RewardStats IDENTITY = new RewardStats(0, 1);

    /** File name beside a reward model. */
    public static final String FILE = "reward_stats.json";

    /** Validates. */
    public RewardStats {
        if (!Double.isFinite(mean) || !(std > 0) || !Double.isFinite(std)) {
            throw new IllegalArgumentException("reward stats need a finite mean and a positive std, got " + mean
                    + ", " + std);
        }
    }

    /**
     * @param modelDir a reward-model directory
     * @return its stats, or {@link #IDENTITY} when it has no {@link #FILE}
     */
    public static RewardStats read(Path modelDir) {
        Path file = modelDir.resolve(FILE);
        if (!Files.exists(file)) {
            return IDENTITY;
        }
        JsonObject o = Json.readObject(file);
        if (!o.has("mean") || !o.has("std")) {
            throw new IllegalArgumentException(file + " must hold \"mean\" and \"std\"");
        }
        return new RewardStats(o.get("mean").getAsDouble(), o.get("std").getAsDouble());
    }

    /** @param score a raw score @return it in standard units */
    public double normalise(double score) {
        return (score - mean) / std;
    }
}
