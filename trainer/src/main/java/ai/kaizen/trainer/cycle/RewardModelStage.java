package ai.kaizen.trainer.cycle;

import ai.kaizen.trainer.dataset.PromptIntents;
import ai.kaizen.trainer.dataset.ShippedData;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.reward.RewardConfig;
import ai.kaizen.trainer.reward.RewardDataset;
import ai.kaizen.trainer.reward.RewardRun;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * Trains the reward model from the newest policy (the SFT stage's output, else the serving model) on every kind of
 * feedback the dataset stage wrote: the preference pairs (choices, rankings, stars, ties), the thumbs ("both bad"
 * verdicts among the thumbs down), and mismatched pairs made from their approved answers, with the TRL options under
 * {@code "reward_model"} ({@code thumbs_weight}, {@code mismatched_pairs} among them). Prompts carry an intent where
 * their last message is a shipped Bitext customer message (as the gate reads them), so mismatched pairs never pair two
 * requests of one intent. Its directory is not a policy: it goes to {@link #REWARD_MODEL_DIR}, for PPO and the
 * evaluation gate, never to {@link CycleStage#MODEL_DIR}.
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
        Path thumbs = PreferenceStages.thumbs(context).orElse(null);
        Path output = context.stageDir(kind()).resolve("output");
        RewardConfig config = RewardConfig.fromJson(PreferenceStages.options(context, kind(), output),
                RewardConfig.defaults(output));
        RewardDataset data = RewardRun.data(config, pairs, thumbs, intents(context));
        context.log("reward model: from " + context.newestModelDir() + " on " + pairs
                + (thumbs == null ? "" : " and " + thumbs) + ": " + data.trainPairs().size() + " training pairs ("
                + data.mismatchedTrainPairs() + " mismatched), " + data.trainThumbs().size() + " thumbs");
        PairwiseResult result = RewardRun.run(context.newestModelDir(), config, data,
                new StageListener(context, kind(), (int) config.args().totalSteps(data.trainSize())));
        if (context.stopRequested()) {
            throw new CycleStopped();
        }
        context.log("reward model done: " + result.globalStep() + " steps, " + result.evalMetrics());
        return new JsonObject().put(REWARD_MODEL_DIR, result.outputDir().toString())
                .put("steps", result.globalStep()).put("eval", PreferenceStages.metrics(result.evalMetrics()))
                .put("config", new JsonObject(config.toJson().toString()));
    }

    /** The intents of Bitext's customer messages; none when the shipped data cannot be read (the log says why). */
    private static PromptIntents intents(CycleContext context) {
        try {
            return PromptIntents.fromBitext(ShippedData.bitext(context.home()));
        } catch (RuntimeException e) {
            context.log("mismatched pairs tell requests apart by their words alone: the Bitext intents are not "
                    + "available (" + e.getMessage() + ")");
            return PromptIntents.NONE;
        }
    }

    /** The reward model a cycle has: its own stage's, else the request's {@code reward_model_dir}, else none. */
    static java.util.Optional<Path> of(CycleContext context) {
        return context.result(StageKind.REWARD_MODEL).map(r -> r.getString(REWARD_MODEL_DIR))
                .or(() -> java.util.Optional.ofNullable(context.request().getString(REWARD_MODEL_DIR)))
                .map(Path::of);
    }
}
