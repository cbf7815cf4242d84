package ai.kaizen.trainer.training;

import ai.kaizen.model.config.Json;
import com.google.gson.JsonObject;
import java.nio.file.Path;

/**
 * Where a run stands, as saved in each checkpoint's {@code trainer_state.json}: enough, with the
 * weights and optimizer moments beside it, to continue exactly where it stopped.
 *
 * <p>The random state is the seed alone: each epoch's order comes from {@code seed} and the epoch
 * number, and dropout is reseeded from {@code seed} and the step before every update, so nothing
 * else needs saving.
 *
 * @param globalStep optimizer updates done
 * @param epoch the current pass over the training set (0-based)
 * @param batchInEpoch micro-batches of that pass already consumed (the data position)
 * @param seed the run's seed
 * @param numTokens real tokens (prompt and answer) trained on so far
 * @param bestEvalLoss lowest evaluation loss so far (NaN if none yet)
 * @param bestStep the step of {@code bestEvalLoss} (-1 if none)
 * @param evalsWithoutImprovement evaluations since the best one (for early stopping)
 */
public record TrainerState(long globalStep, int epoch, int batchInEpoch, long seed, long numTokens,
        double bestEvalLoss, long bestStep, int evalsWithoutImprovement) {

    /** File name inside a checkpoint. */
    public static final String FILE = "trainer_state.json";

    /**
     * @param seed the run's seed
     * @return the state before the first update
     */
    public static TrainerState start(long seed) {
        return new TrainerState(0, 0, 0, seed, 0, Double.NaN, -1, 0);
    }

    /** @return whether an evaluation has happened */
    public boolean hasBest() {
        return bestStep >= 0;
    }

    /** @param dir the checkpoint directory to write {@link #FILE} into */
    public void write(Path dir) {
        JsonObject o = new JsonObject();
        o.addProperty("global_step", globalStep);
        o.addProperty("epoch_index", epoch);
        o.addProperty("batch_in_epoch", batchInEpoch);
        o.addProperty("seed", seed);
        o.addProperty("num_tokens", numTokens);
        if (hasBest()) {
            o.addProperty("best_metric", bestEvalLoss);
        }
        o.addProperty("best_global_step", bestStep);
        o.addProperty("evals_without_improvement", evalsWithoutImprovement);
        Json.write(dir.resolve(FILE), o);
    }

    /**
     * @param dir a checkpoint directory
     * @return the state written there
     */
    public static TrainerState read(Path dir) {
        JsonObject o = Json.readObject(dir.resolve(FILE));
        return new TrainerState(o.get("global_step").getAsLong(), o.get("epoch_index").getAsInt(),
                o.get("batch_in_epoch").getAsInt(), o.get("seed").getAsLong(), o.get("num_tokens").getAsLong(),
                o.has("best_metric") ? o.get("best_metric").getAsDouble() : Double.NaN,
                o.get("best_global_step").getAsLong(), o.get("evals_without_improvement").getAsInt());
    }
}
