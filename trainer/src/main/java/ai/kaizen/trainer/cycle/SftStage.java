package ai.kaizen.trainer.cycle;

import ai.kaizen.trainer.dataset.SftExample;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.sft.SftConfig;
import ai.kaizen.trainer.sft.SftResult;
import ai.kaizen.trainer.sft.SftRun;
import ai.kaizen.trainer.training.Checkpoints;
import com.google.gson.JsonParser;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;

/**
 * Supervised fine-tuning of the base model on the cycle's dataset, with the TRL options under {@code "sft"}. It
 * always resumes from its newest checkpoint, so a cycle resumed after its trainer died continues where it was.
 */
final class SftStage implements CycleStage {

    @Override
    public StageKind kind() {
        return StageKind.SFT;
    }

    @Override
    public JsonObject run(CycleContext context) throws Exception {
        JsonObject dataset = context.result(StageKind.DATASET).orElseThrow(() ->
                new IllegalStateException("the sft stage needs the dataset stage before it"));
        Path data = Path.of(dataset.getString("dir"));
        Path output = context.stageDir(kind()).resolve("output");
        SftConfig config = SftConfig.fromJson(JsonParser.parseString(context.options(kind()).encode())
                        .getAsJsonObject(), SftConfig.defaults(output))
                .withOutputDir(output).withResume(true);
        if (config.usesLora()) {
            throw new IllegalArgumentException("the cycle's sft stage trains the full model: LoRA adapters"
                    + " (use_peft) cannot be served as they are");
        }
        List<SftExample> train = SftRun.readSplit(data, Split.TRAIN);
        List<SftExample> eval = SftRun.readSplit(data, Split.EVAL);
        int total = (int) config.totalSteps(train.size());
        context.progress(kind(), 0, total);
        context.log("sft: " + train.size() + " examples, " + total + " steps from " + context.newestModelDir());
        Checkpoints.latest(output).ifPresent(checkpoint ->
                context.log("sft: resuming from " + checkpoint.getFileName()));
        SftResult result = SftRun.run(context.newestModelDir(), config, train, eval,
                new StageListener(context, kind(), total));
        if (context.stopRequested()) {
            throw new CycleStopped();
        }
        context.progress(kind(), (int) result.globalStep(), total);
        context.log("sft done: " + result.globalStep() + " steps, train loss " + result.trainLoss()
                + ", best eval loss " + result.bestEvalLoss());
        return new JsonObject().put(MODEL_DIR, result.outputDir().toString())
                .put("steps", result.globalStep())
                .put("train_loss", finite(result.trainLoss()))
                .put("best_eval_loss", finite(result.bestEvalLoss()))
                .put("config", new JsonObject(config.toJson().toString()));
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
