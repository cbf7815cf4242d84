package ai.kaizen.trainer.cycle;

import ai.kaizen.trainer.ppo.PpoConfig;
import ai.kaizen.trainer.ppo.PpoResult;
import ai.kaizen.trainer.ppo.PpoRun;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * PPO of the newest policy against the cycle's reward model (its own reward-model stage, else the request's
 * {@code reward_model_dir}), on the prompts of the cycle's preference pairs, with the TRL options under
 * {@code "ppo"}. A run its guard rails stopped still ends the stage with the last good checkpoint; the gate judges it.
 */
final class PpoStage implements CycleStage {

    @Override
    public StageKind kind() {
        return StageKind.PPO;
    }

    @Override
    public JsonObject run(CycleContext context) throws Exception {
        Path prompts = PreferenceStages.pairs(context, kind());
        Path rewardModel = RewardModelStage.of(context).orElseThrow(() -> new IllegalArgumentException(
                "the ppo stage needs a reward model: add the reward_model stage or give reward_model_dir"));
        Path output = context.stageDir(kind()).resolve("output");
        PpoConfig config = PpoConfig.fromJson(PreferenceStages.options(context, kind(), output),
                PpoConfig.defaults(output));
        PreferenceStages.requireFullModel(config.args(), kind());
        context.log("ppo: from " + context.newestModelDir() + " against " + rewardModel);
        PpoResult result = PpoRun.run(context.newestModelDir(), rewardModel, config, prompts,
                new StageListener(context, kind(), (int) config.totalSteps(PreferenceStages.trainPairs(context))));
        if (context.stopRequested()) {
            throw new CycleStopped();
        }
        context.log("ppo done: " + result.globalStep() + " steps, " + result.stopReason() + ", best step "
                + result.bestStep());
        return new JsonObject().put(MODEL_DIR, result.outputDir().toString())
                .put("steps", result.globalStep()).put("best_step", result.bestStep())
                .put("stop_reason", result.stopReason())
                .put("config", new JsonObject(config.toJson().toString()));
    }
}
