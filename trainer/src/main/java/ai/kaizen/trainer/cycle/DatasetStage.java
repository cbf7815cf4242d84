package ai.kaizen.trainer.cycle;

import ai.kaizen.trainer.dataset.Dataset;
import ai.kaizen.trainer.dataset.DatasetBuilder;
import ai.kaizen.trainer.dataset.DatasetKind;
import ai.kaizen.trainer.dataset.DatasetParameters;
import ai.kaizen.trainer.dataset.JsonlFormats;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.SftExample;
import ai.kaizen.trainer.dataset.ThumbsExample;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds a new versioned SFT dataset (and, for the reward-model, DPO and PPO stages, a preference dataset) from all
 * feedback up to now (options under {@code "dataset"}, as
 * {@link DatasetParameters#fromJson}) and writes it as TRL JSONL for the training stages. A cycle without an SFT
 * stage may run on preference pairs alone (see {@link #chosenAnswers}).
 *
 * <p>A cycle that evaluates also gets the preference and thumbs datasets: their held-out splits are the evidence
 * the evaluation gate judges the reward model on. A cycle that trains a reward model gets the thumbs dataset too:
 * the reward model learns from thumbs as well as pairs; so does a cycle that runs KTO, which learns from nothing else
 * (answers labelled by thumbs, stars and "both are bad" verdicts). Every kind is split by prompt with the same
 * splitter, here, before any training, so no held-out prompt of any kind reaches a trainer.
 */
final class DatasetStage implements CycleStage {

    /** The result key of the preference dataset's directory (built when a stage needs pairs). */
    static final String PREFERENCES_DIR = "preferences_dir";
    /**
     * The result key of the thumbs dataset's directory (built when the cycle evaluates, trains a reward model or runs
     * KTO).
     */
    static final String THUMBS_DIR = "thumbs_dir";

    @Override
    public StageKind kind() {
        return StageKind.DATASET;
    }

    @Override
    public JsonObject run(CycleContext context) throws Exception {
        context.progress(kind(), 0, 1);
        DatasetParameters parameters = DatasetParameters.fromJson(context.options(kind()));
        List<StageKind> stages = CycleRunner.stagesOf(context.request());
        Dataset<SftExample> dataset = CycleReporter.await(new DatasetBuilder(context.sessions())
                .buildSft(Instant.now(), parameters));
        Dataset<PreferenceExample> pairs = null;
        // an external stage reads what its TRL method reads
        Optional<DatasetKind> external = stages.contains(StageKind.EXTERNAL)
                ? ExternalStage.method(context.request()).map(TrlMethod::source) : Optional.empty();
        boolean trainsOnPairs = stages.stream().anyMatch(StageKind::needsPreferences)
                || external.equals(Optional.of(DatasetKind.PREFERENCE));
        boolean evaluates = stages.contains(StageKind.EVALUATE);
        if (trainsOnPairs || evaluates) {
            pairs = CycleReporter.await(new DatasetBuilder(context.sessions())
                    .buildPreferences(Instant.now(), parameters));
            // the reward model also learns from thumbs: only DPO and PPO need pairs whatever else there is
            if (trainsOnPairs && pairs.train().isEmpty()
                    && (stages.contains(StageKind.DPO) || stages.contains(StageKind.PPO)
                    || external.isPresent())) {
                throw new IllegalStateException("the feedback gives no preference pairs yet (pairwise choices, "
                        + "reviewers' rankings, star ratings that differ); DPO, PPO and TRL's preference methods "
                        + "need some");
            }
        }
        if (dataset.train().isEmpty()) {
            if (!trainsOnPairs || stages.contains(StageKind.SFT) || external.equals(Optional.of(DatasetKind.SFT))) {
                throw new IllegalStateException("the feedback gives no SFT examples yet (answers rated at least "
                        + parameters.sftMinStars() + " stars or thumbs up); collect more before training");
            }
            dataset = chosenAnswers(pairs);
            context.log("no rated answers for SFT; the evaluation's reference answers are the preference pairs' "
                    + "chosen answers");
        }
        Path dir = context.stageDir(kind()).resolve("sft");
        JsonlFormats.writeDataset(dataset, dir);
        context.log("dataset version " + dataset.versionId() + ": " + dataset.train().size() + " train, "
                + dataset.eval().size() + " eval examples");
        JsonObject result = new JsonObject().put("dataset_version_id", dataset.versionId()).put("dir", dir.toString())
                .put("train", dataset.train().size()).put("eval", dataset.eval().size());
        if (pairs != null) {
            Path pairsDir = context.stageDir(kind()).resolve("preferences");
            JsonlFormats.writeDataset(pairs, pairsDir);
            context.log("dataset version " + pairs.versionId() + ": " + pairs.train().size() + " train, "
                    + pairs.eval().size() + " eval preference pairs");
            result.put(PREFERENCES_DIR, pairsDir.toString()).put("preference_dataset_version_id", pairs.versionId())
                    .put("preference_train", pairs.train().size()).put("preference_eval", pairs.eval().size());
        }
        boolean trainsOnThumbs = stages.stream().anyMatch(StageKind::needsThumbs)
                || external.equals(Optional.of(DatasetKind.THUMBS));
        if (evaluates || stages.contains(StageKind.REWARD_MODEL) || trainsOnThumbs) {
            Dataset<ThumbsExample> thumbs = CycleReporter.await(new DatasetBuilder(context.sessions())
                    .buildThumbs(Instant.now(), parameters));
            if (trainsOnThumbs && thumbs.train().isEmpty()) {
                throw new IllegalStateException("the feedback gives no answers labelled good or bad yet (thumbs, "
                        + "stars from " + parameters.desirableMinStars() + " up or to "
                        + parameters.undesirableMaxStars() + ", \"both are bad\" verdicts); KTO needs some");
            }
            if (stages.contains(StageKind.REWARD_MODEL) && pairs.train().isEmpty() && thumbs.train().isEmpty()) {
                throw new IllegalStateException("the feedback gives no preference pairs or thumbs yet; the reward "
                        + "model needs some");
            }
            Path thumbsDir = context.stageDir(kind()).resolve("thumbs");
            JsonlFormats.writeDataset(thumbs, thumbsDir);
            context.log("dataset version " + thumbs.versionId() + ": " + thumbs.train().size() + " train, "
                    + thumbs.eval().size() + " eval thumbs");
            result.put(THUMBS_DIR, thumbsDir.toString()).put("thumbs_dataset_version_id", thumbs.versionId())
                    .put("thumbs_train", thumbs.train().size()).put("thumbs_eval", thumbs.eval().size());
        }
        context.progress(kind(), 1, 1);
        return result;
    }

    /**
     * The conversations of a cycle that trains only on preference pairs (reward model, DPO, PPO) when no answer
     * was rated well enough for SFT: each pair's prompt with its chosen answer, split as the pairs are. The
     * evaluation stage needs held-out prompts with reference answers; before, such a cycle failed here although
     * none of its training stages reads SFT examples. The version is the pairs' own.
     *
     * @param pairs the preference dataset
     * @return the same prompts with their chosen answers
     */
    static Dataset<SftExample> chosenAnswers(Dataset<PreferenceExample> pairs) {
        return new Dataset<>(pairs.versionId(), DatasetKind.SFT, pairs.cutOff(), pairs.parameters(),
                chosen(pairs.train()), chosen(pairs.eval()), Map.of("preference_pairs", pairs.size()));
    }

    private static List<SftExample> chosen(List<PreferenceExample> pairs) {
        return pairs.stream().map(p -> SftExample.of(p.prompt(), p.chosen(), p.provenance())).toList();
    }
}
