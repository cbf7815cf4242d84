package ai.kaizen.trainer.cycle;

import ai.kaizen.trainer.kto.KtoConfig;
import ai.kaizen.trainer.kto.KtoRun;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * KTO of the newest policy (the SFT stage's output, else the serving model, which is also the frozen reference) on
 * the cycle's thumbs dataset (answers labelled by thumbs and stars), with the TRL options under {@code "kto"}: the
 * path that learns from the feedback customers give most, with neither pairs nor a reward model.
 */
final class KtoStage implements CycleStage {

    @Override
    public StageKind kind() {
        return StageKind.KTO;
    }

    @Override
    public JsonObject run(CycleContext context) throws Exception {
        Path thumbs = PreferenceStages.thumbs(context).orElseThrow(() -> new IllegalStateException(
                "the kto stage needs the dataset stage (with the thumbs dataset) before it"));
        Path output = context.stageDir(kind()).resolve("output");
        KtoConfig config = KtoConfig.fromJson(PreferenceStages.options(context, kind(), output),
                KtoConfig.defaults(output));
        PreferenceStages.requireFullModel(config.args(), kind());
        int answers = context.result(StageKind.DATASET).map(r -> r.getInteger("thumbs_train", 0)).orElse(0);
        context.log("kto: from " + context.newestModelDir() + " on " + thumbs);
        PairwiseResult result = KtoRun.run(context.newestModelDir(), config, thumbs,
                new StageListener(context, kind(), (int) config.args().totalSteps(answers)));
        if (context.stopRequested()) {
            throw new CycleStopped();
        }
        context.log("kto done: " + result.globalStep() + " steps, " + result.evalMetrics());
        return new JsonObject().put(MODEL_DIR, result.outputDir().toString()).put("steps", result.globalStep())
                .put("eval", PreferenceStages.metrics(result.evalMetrics()))
                .put("config", new JsonObject(config.toJson().toString()));
    }
}
