package ai.kaizen.trainer.online;

import ai.kaizen.model.config.Json;
import ai.kaizen.trainer.training.TrainerState;
import com.google.gson.JsonObject;
import java.nio.file.Path;

/**
 * Where an online run (PPO, RLOO, GRPO) stands, saved in each checkpoint (as {@code trainer_state.json}, the
 * file {@code Checkpoints} recognises): with the weights and the optimizer moments beside it (and PPO's
 * critic), enough to continue exactly. Random state is derived, not stored: the rollouts of iteration
 * {@code s} sample with seeds from {@code seed} and {@code s}, prompts are shuffled per epoch from
 * {@code seed} and the epoch, minibatches per iteration and pass.
 *
 * @param method the trainer that wrote it ({@code ppo}, {@code rloo}, {@code grpo}): a run never resumes
 *     another method's checkpoint
 * @param globalStep iterations done (rollout batches trained on)
 * @param epoch the current pass over the prompts (0-based)
 * @param promptInEpoch prompts of that pass already used (the data position)
 * @param seed the run's seed
 * @param episodes responses trained on so far
 * @param klCoef the KL coefficient now (PPO's adaptive controller moves it; RLOO's and GRPO's is fixed)
 * @param bestScore best value so far of the run's {@code metric_for_best_model} (NaN if none)
 * @param bestStep iteration of {@code bestScore} (-1 if none)
 */
public record RunState(String method, long globalStep, int epoch, int promptInEpoch, long seed, long episodes,
        double klCoef, double bestScore, long bestStep) {

    /**
     * @param method the trainer
     * @param seed the seed
     * @param klCoef the initial coefficient
     * @return the state before the first iteration
     */
    public static RunState start(String method, long seed, double klCoef) {
        return new RunState(method, 0, 0, 0, seed, 0, klCoef, Double.NaN, -1);
    }

    /** @return whether an evaluation has set a best */
    public boolean hasBest() {
        return bestStep >= 0;
    }

    /**
     * @param cursor the data position after the iteration
     * @param responses responses the iteration trained on
     * @param klCoefNow the KL coefficient after it
     * @return the state after one more iteration
     */
    public RunState next(PromptCursor cursor, int responses, double klCoefNow) {
        return new RunState(method, globalStep + 1, cursor.epoch(), cursor.position(), seed, episodes + responses,
                klCoefNow, bestScore, bestStep);
    }

    /**
     * @param metric the new best value of {@code metric_for_best_model}
     * @return this state with the best at its current step
     */
    public RunState withBest(double metric) {
        return new RunState(method, globalStep, epoch, promptInEpoch, seed, episodes, klCoef, metric, globalStep);
    }

    /** @param dir the checkpoint directory to write {@code trainer_state.json} into */
    public void write(Path dir) {
        JsonObject o = new JsonObject();
        o.addProperty("trainer", method);
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

    /**
     * @param dir a checkpoint directory
     * @return its state (a checkpoint without {@code trainer}, written before RLOO and GRPO existed, is PPO's)
     */
    public static RunState read(Path dir) {
        JsonObject o = Json.readObject(dir.resolve(TrainerState.FILE));
        if (!o.has("kl_coef")) {
            throw new IllegalStateException(dir + " is not a checkpoint of an online trainer (PPO, RLOO, GRPO)");
        }
        return new RunState(o.has("trainer") ? o.get("trainer").getAsString() : "ppo",
                o.get("global_step").getAsLong(), o.get("epoch_index").getAsInt(),
                o.get("prompt_in_epoch").getAsInt(), o.get("seed").getAsLong(), o.get("episode").getAsLong(),
                o.get("kl_coef").getAsDouble(),
                o.has("best_metric") ? o.get("best_metric").getAsDouble() : Double.NaN,
                o.get("best_global_step").getAsLong());
    }
}
