package ai.kaizen.trainer.cycle;

import ai.kaizen.trainer.online.GroupConfig;
import ai.kaizen.trainer.online.GroupMethod;
import ai.kaizen.trainer.online.RunResult;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * RLOO or GRPO of the newest policy against the cycle's reward model (its own reward-model stage, else the
 * request's {@code reward_model_dir}), on the prompts of the cycle's preference pairs, with the TRL options under
 * the stage's name ({@code "rloo"}, {@code "grpo"}). As PPO's stage: a run its guard rails stopped still ends the
 * stage with the last good checkpoint, and the gate judges it.
 *
 * @param <C> the method's configuration
 */
final class GroupRlStage<C extends GroupConfig> implements CycleStage {

    private final StageKind kind;
    private final GroupMethod<C> method;

    /**
     * @param kind the stage ({@code RLOO}, {@code GRPO})
     * @param method its method
     */
    GroupRlStage(StageKind kind, GroupMethod<C> method) {
        this.kind = kind;
        this.method = method;
    }

    @Override
    public StageKind kind() {
        return kind;
    }

    @Override
    public JsonObject run(CycleContext context) throws Exception {
        String name = kind().label();
        Path prompts = PreferenceStages.pairs(context, kind());
        Path rewardModel = RewardModelStage.of(context).orElseThrow(() -> new IllegalArgumentException(
                "the " + name + " stage needs a reward model: add the reward_model stage or give reward_model_dir"));
        Path output = context.stageDir(kind()).resolve("output");
        C config = method.configure(PreferenceStages.options(context, kind(), output), output);
        PreferenceStages.requireFullModel(config.args(), kind());
        context.log(name + ": from " + context.newestModelDir() + " against " + rewardModel);
        RunResult result = method.run(context.newestModelDir(), rewardModel, config, prompts,
                new StageListener(context, kind(), (int) config.totalSteps(PreferenceStages.trainPairs(context))));
        if (context.stopRequested()) {
            throw new CycleStopped();
        }
        context.log(name + " done: " + result.globalStep() + " steps, " + result.stopReason() + ", best step "
                + result.bestStep());
        return new JsonObject().put(MODEL_DIR, result.outputDir().toString())
                .put("steps", result.globalStep()).put("best_step", result.bestStep())
                .put("stop_reason", result.stopReason())
                .put("config", new JsonObject(config.toJson().toString()));
    }
}
