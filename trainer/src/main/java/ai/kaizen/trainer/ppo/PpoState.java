package ai.kaizen.trainer.ppo;

import ai.kaizen.model.config.Json;
import ai.kaizen.trainer.sft.TrainerState;
import com.google.gson.JsonObject;
import java.nio.file.Path;

/**
 * Where a PPO run stands, saved in each checkpoint (as {@code trainer_state.json}, the file
 * {@code Checkpoints} recognises): with the weights, the critic and the optimizer moments beside
 * it, enough to continue exactly. Random state is derived, not stored: the rollouts of iteration
 * {@code s} sample with seeds from {@code seed} and {@code s}, prompts are shuffled per epoch from
 * {@code seed} and the epoch, minibatches per iteration and PPO epoch.
 *
 * @param globalStep PPO iterations done
 * @param epoch the current pass over the prompts (0-based)
 * @param promptInEpoch prompts of that pass already used (the data position)
 * @param seed the run's seed
 * @param episodes responses trained on so far
 * @param klCoef the KL controller's current coefficient
 * @param bestScore best value so far of the run's {@code metric_for_best_model} (NaN if none)
 * @param bestStep iteration of {@code bestScore} (-1 if none)
 */
public record PpoState(long globalStep, int epoch, int promptInEpoch, long seed, long episodes, double klCoef,
        double bestScore, long bestStep) {

    /** @param seed the seed @param klCoef the initial coefficient @return the state before the first iteration */
    static PpoState start(long seed, double klCoef) {
        return new PpoState(0, 0, 0, seed, 0, klCoef, Double.NaN, -1);
    }

    /** @return whether an evaluation has set a best */
    boolean hasBest() {
        return bestStep >= 0;
    }

    void write(Path dir) {
        JsonObject o = new JsonObject();
        o.addProperty("global_step", globalStep);
        o.addProperty("epoch_index", epoch);
        o.addProperty("prompt_in_epoch", promptInEpoch);
        o.addProperty("seed", seed);
        o.addProperty("episode", episodes);
        o.addProperty("kl_coef", klCoef);
        if (hasBest()) {
            o.addProperty("best_metric", bestScore);
        }
        o.addProperty("best_global_step", bestStep);
        Json.write(dir.resolve(TrainerState.FILE), o);
    }

    static PpoState read(Path dir) {
        JsonObject o = Json.readObject(dir.resolve(TrainerState.FILE));
        if (!o.has("kl_coef")) {
            throw new IllegalStateException(dir + " is not a PPO checkpoint");
        }
        return new PpoState(o.get("global_step").getAsLong(), o.get("epoch_index").getAsInt(),
                o.get("prompt_in_epoch").getAsInt(), o.get("seed").getAsLong(), o.get("episode").getAsLong(),
                o.get("kl_coef").getAsDouble(),
                o.has("best_metric") ? o.get("best_metric").getAsDouble() : Double.NaN,
                o.get("best_global_step").getAsLong());
    }
}
