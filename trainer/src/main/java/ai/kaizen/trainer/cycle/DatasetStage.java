package ai.kaizen.trainer.cycle;

import ai.kaizen.trainer.dataset.Dataset;
import ai.kaizen.trainer.dataset.DatasetBuilder;
import ai.kaizen.trainer.dataset.DatasetParameters;
import ai.kaizen.trainer.dataset.JsonlFormats;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.SftExample;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.Instant;

/**
 * Builds a new versioned SFT dataset (and, for the reward-model, DPO and PPO stages, a preference dataset) from all
 * feedback up to now (options under {@code "dataset"}, as
 * {@link DatasetParameters#fromJson}) and writes it as TRL JSONL for the training stages.
 */
final class DatasetStage implements CycleStage {

    /** The result key of the preference dataset's directory (built when a stage needs pairs). */
    static final String PREFERENCES_DIR = "preferences_dir";

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
        JsonObject result = new JsonObject().put("dataset_version_id", dataset.versionId()).put("dir", dir.toString())
                .put("train", dataset.train().size()).put("eval", dataset.eval().size());
        if (CycleRunner.stagesOf(context.request()).stream().anyMatch(StageKind::needsPreferences)) {
            Dataset<PreferenceExample> pairs = CycleReporter.await(new DatasetBuilder(context.sessions())
                    .buildPreferences(Instant.now(), parameters));
            if (pairs.train().isEmpty()) {
                throw new IllegalStateException("the feedback gives no preference pairs yet (pairwise choices, "
                        + "reviewers' rankings, star ratings that differ); the reward model, DPO and PPO need some");
            }
            Path pairsDir = context.stageDir(kind()).resolve("preferences");
            JsonlFormats.writeDataset(pairs, pairsDir);
            context.log("dataset version " + pairs.versionId() + ": " + pairs.train().size() + " train, "
                    + pairs.eval().size() + " eval preference pairs");
            result.put(PREFERENCES_DIR, pairsDir.toString()).put("preference_dataset_version_id", pairs.versionId())
                    .put("preference_train", pairs.train().size()).put("preference_eval", pairs.eval().size());
        }
        context.progress(kind(), 1, 1);
        return result;
    }
}
