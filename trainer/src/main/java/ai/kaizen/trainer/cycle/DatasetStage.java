package ai.kaizen.trainer.cycle;

import ai.kaizen.trainer.dataset.Dataset;
import ai.kaizen.trainer.dataset.DatasetBuilder;
import ai.kaizen.trainer.dataset.DatasetParameters;
import ai.kaizen.trainer.dataset.JsonlFormats;
import ai.kaizen.trainer.dataset.SftExample;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.Instant;

/**
 * Builds a new versioned SFT dataset from all feedback up to now (options under {@code "dataset"}, as
 * {@link DatasetParameters#fromJson}) and writes it as TRL JSONL for the training stages.
 */
final class DatasetStage implements CycleStage {

    @Override
    public StageKind kind() {
        return StageKind.DATASET;
    }

    @Override
    public JsonObject run(CycleContext context) throws Exception {
        context.progress(kind(), 0, 1);
        DatasetParameters parameters = DatasetParameters.fromJson(context.options(kind()));
        Dataset<SftExample> dataset = CycleReporter.await(new DatasetBuilder(context.sessions())
                .buildSft(Instant.now(), parameters));
        if (dataset.train().isEmpty()) {
            throw new IllegalStateException("the feedback gives no SFT examples yet (answers rated at least "
                    + parameters.sftMinStars() + " stars or thumbs up); collect more before training");
        }
        Path dir = context.stageDir(kind()).resolve("sft");
        JsonlFormats.writeDataset(dataset, dir);
        context.log("dataset version " + dataset.versionId() + ": " + dataset.train().size() + " train, "
                + dataset.eval().size() + " eval examples");
        context.progress(kind(), 1, 1);
        return new JsonObject().put("dataset_version_id", dataset.versionId()).put("dir", dir.toString())
                .put("train", dataset.train().size()).put("eval", dataset.eval().size());
    }
}
