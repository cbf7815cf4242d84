package ai.kaizen.trainer.cycle;

import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.reward.RewardConfig;
import ai.kaizen.trainer.reward.RewardRun;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * Trains the reward model from the newest policy (the SFT stage's output, else the serving model) on the cycle's
 * preference pairs, with the TRL options under {@code "reward_model"}. Its directory is not a policy: it goes to
 * {@link #REWARD_MODEL_DIR}, for PPO and the evaluation gate, never to {@link CycleStage#MODEL_DIR}.
 */
final class RewardModelStage implements CycleStage {

    /** The result key naming the trained reward model's directory. */
    static final String REWARD_MODEL_DIR = "reward_model_dir";

    @Override
    public StageKind kind() {
        return StageKind.REWARD_MODEL;
    }

    @Override
    public JsonObject run(CycleContext context) throws Exception {
        Path pairs = PreferenceStages.pairs(context, kind());
        Path output = context.stageDir(kind()).resolve("output");
        RewardConfig config = RewardConfig.fromJson(PreferenceStages.options(context, kind(), output),
                RewardConfig.defaults(output));
        context.log("reward model: from " + context.newestModelDir() + " on " + pairs);
        PairwiseResult result = RewardRun.run(context.newestModelDir(), config, pairs,
                new StageListener(context, kind(), (int) config.args().totalSteps(PreferenceStages.trainPairs(context))));
        if (context.stopRequested()) {
            throw new CycleStopped();
        }
        context.log("reward model done: " + result.globalStep() + " steps, " + result.evalMetrics());
        return new JsonObject().put(REWARD_MODEL_DIR, result.outputDir().toString())
                .put("steps", result.globalStep()).put("eval", PreferenceStages.metrics(result.evalMetrics()))
                .put("config", new JsonObject(config.toJson().toString()));
    }

    /** The reward model a cycle has: its own stage's, else the request's {@code reward_model_dir}, else none. */
    static java.util.Optional<Path> of(CycleContext context) {
        return context.result(StageKind.REWARD_MODEL).map(r -> r.getString(REWARD_MODEL_DIR))
                .or(() -> java.util.Optional.ofNullable(context.request().getString(REWARD_MODEL_DIR)))
                .map(Path::of);
    }
}
