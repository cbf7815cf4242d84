package ai.kaizen.trainer.cycle;

import ai.kaizen.trainer.dpo.DpoConfig;
import ai.kaizen.trainer.dpo.DpoRun;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * DPO of the newest policy (the SFT stage's output, else the serving model, which is also the frozen reference) on
 * the cycle's preference pairs, with the TRL options under {@code "dpo"}: the path that needs no reward model.
 */
final class DpoStage implements CycleStage {

    @Override
    public StageKind kind() {
        return StageKind.DPO;
    }

    @Override
    public JsonObject run(CycleContext context) throws Exception {
        Path pairs = PreferenceStages.pairs(context, kind());
        Path output = context.stageDir(kind()).resolve("output");
        DpoConfig config = DpoConfig.fromJson(PreferenceStages.options(context, kind(), output),
                DpoConfig.defaults(output));
        PreferenceStages.requireFullModel(config.args(), kind());
        context.log("dpo: from " + context.newestModelDir() + " on " + pairs);
        PairwiseResult result = DpoRun.run(context.newestModelDir(), config, pairs,
                new StageListener(context, kind(), (int) config.args().totalSteps(PreferenceStages.trainPairs(context))));
        if (context.stopRequested()) {
            throw new CycleStopped();
        }
        context.log("dpo done: " + result.globalStep() + " steps, " + result.evalMetrics());
        return new JsonObject().put(MODEL_DIR, result.outputDir().toString()).put("steps", result.globalStep())
                .put("eval", PreferenceStages.metrics(result.evalMetrics()))
                .put("config", new JsonObject(config.toJson().toString()));
    }
}
