package ai.kaizen.trainer.reward;

import ai.kaizen.trainer.dataset.JsonlFormats;
import ai.kaizen.trainer.dataset.MismatchedPairs;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.PromptIntents;
import ai.kaizen.trainer.dataset.Split;
import ai.kaizen.trainer.dataset.ThumbsExample;
import ai.kaizen.trainer.pairwise.PreferenceSplits;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a reward model learns from, split as the dataset stage split it (by prompt): preference pairs (users'
 * choices, reviewers' rankings, stars differences, ties, mismatched pairs) and thumbs (single answers labelled good
 * or bad, "both are bad" verdicts among them).
 *
 * @param trainPairs  training pairs
 * @param evalPairs   held-out pairs
 * @param trainThumbs training thumbs
 * @param evalThumbs  held-out thumbs
 */
public record RewardDataset(List<PreferenceExample> trainPairs, List<PreferenceExample> evalPairs,
        List<ThumbsExample> trainThumbs, List<ThumbsExample> evalThumbs) {

    /** Copies the lists. */
    public RewardDataset {
        trainPairs = List.copyOf(trainPairs);
        evalPairs = List.copyOf(evalPairs);
        trainThumbs = List.copyOf(trainThumbs);
        evalThumbs = List.copyOf(evalThumbs);
    }

    /** Pairs only. */
    public static RewardDataset ofPairs(List<PreferenceExample> train, List<PreferenceExample> eval) {
        return new RewardDataset(train, eval, List.of(), List.of());
    }

    /**
     * Reads dataset directories ({@code train.jsonl}, optional {@code eval.jsonl}, TRL's formats).
     *
     * @param pairsDir  the preference dataset, or null for none
     * @param thumbsDir the thumbs dataset ({@code prompt}/{@code completion}/{@code label}), or null for none
     * @return the data
     * @throws ai.kaizen.trainer.dataset.DatasetFormatException naming the first bad line
     */
    public static RewardDataset read(Path pairsDir, Path thumbsDir) {
        return new RewardDataset(
                pairsDir == null ? List.of() : PreferenceSplits.read(pairsDir, Split.TRAIN),
                pairsDir == null ? List.of() : PreferenceSplits.read(pairsDir, Split.EVAL),
                thumbs(thumbsDir, Split.TRAIN), thumbs(thumbsDir, Split.EVAL));
    }

    private static List<ThumbsExample> thumbs(Path dir, Split split) {
        Path file = dir == null ? null : dir.resolve(split.label() + ".jsonl");
        if (file == null || !Files.exists(file)) {
            return List.of();
        }
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return JsonlFormats.readThumbs(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Adds mismatched pairs ({@link MismatchedPairs}) within each split: a training prompt's approved answer over
     * another training prompt's, a held-out one's over another held-out one's, so no held-out prompt or answer
     * reaches training.
     *
     * @param perAnswer pairs per approved answer (0: none, the data unchanged)
     * @param seed      seeds the draws (the held-out split's with {@code seed + 1})
     * @param intents   the prompts' intents, where known
     * @return the data with the pairs appended to each split's
     */
    public RewardDataset withMismatched(double perAnswer, long seed, PromptIntents intents) {
        if (perAnswer == 0) {
            return this;
        }
        return new RewardDataset(
                plus(trainPairs, MismatchedPairs.of(MismatchedPairs.approvedAnswers(trainPairs, trainThumbs),
                        perAnswer, seed, intents)),
                plus(evalPairs, MismatchedPairs.of(MismatchedPairs.approvedAnswers(evalPairs, evalThumbs),
                        perAnswer, seed + 1, intents)),
                trainThumbs, evalThumbs);
    }

    private static List<PreferenceExample> plus(List<PreferenceExample> a, List<PreferenceExample> b) {
        List<PreferenceExample> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    /** @return training examples, pairs and thumbs */
    public int trainSize() {
        return trainPairs.size() + trainThumbs.size();
    }

    /** @return held-out examples, pairs and thumbs */
    public int evalSize() {
        return evalPairs.size() + evalThumbs.size();
    }

    /** @return how many training pairs are mismatched ones */
    public long mismatchedTrainPairs() {
        return trainPairs.stream().filter(p -> p.provenance().kind().equals(MismatchedPairs.KIND)).count();
    }
}
