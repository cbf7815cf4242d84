package ai.kaizen.trainer.reward;

import ai.kaizen.model.config.Json;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Mean and standard deviation of a reward model's raw scores over its training answers, saved as
 * {@code reward_stats.json}, so that users of the model (PPO) can normalise its rewards to mean
 * 0 and standard deviation 1.
 *
 * @param mean mean raw reward
 * @param std standard deviation of the raw rewards (population), positive
 */
public record RewardStats(double mean, double std) {

    /** File name in a reward model directory. */
    public static final String FILE = "reward_stats.json";

    /** No normalisation (a model directory without the file). */
    public static final RewardStats IDENTITY = new RewardStats(0, 1);

    /** Validates. */
    public RewardStats {
        if (!Double.isFinite(mean) || !(std > 0) || !Double.isFinite(std)) {
            throw new IllegalArgumentException("reward statistics need a finite mean and a positive std, got "
                    + mean + ", " + std);
        }
    }

    /**
     * @param rewards raw rewards (at least one)
     * @return their statistics (a zero spread becomes 1: nothing to scale)
     */
    public static RewardStats of(double[] rewards) {
        double sum = 0;
        for (double r : rewards) {
            sum += r;
        }
        double mean = sum / rewards.length;
        double squares = 0;
        for (double r : rewards) {
            squares += (r - mean) * (r - mean);
        }
        double std = Math.sqrt(squares / rewards.length);
        return new RewardStats(mean, std > 0 ? std : 1);
    }

    /**
     * @param raw a raw reward
     * @return {@code (raw - mean) / std}
     */
    public double normalize(double raw) {
        return (raw - mean) / std;
    }

    /** @param dir the model directory to write {@link #FILE} into */
    public void write(Path dir) {
        JsonObject o = new JsonObject();
        o.addProperty("mean", mean);
        o.addProperty("std", std);
        Json.write(dir.resolve(FILE), o);
    }

    /**
     * @param dir a reward model directory
     * @return its statistics, or {@link #IDENTITY} without the file
     */
    public static RewardStats read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            return IDENTITY;
        }
        JsonObject o = Json.readObject(file);
        return new RewardStats(o.get("mean").getAsDouble(), o.get("std").getAsDouble());
    }
}
