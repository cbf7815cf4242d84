package ai.kaizen.trainer.dataset;

import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.PairwiseComparison.Choice;
import ai.kaizen.db.feedback.PairwiseComparison;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Thumbs-down examples from "both are bad" verdicts: each of the two answers is a bad answer, unless its raters gave
 * it thumbs of their own (then {@link ThumbsLabels} has it; {@code both_bad.has_thumbs}), or stars that label it
 * ({@link StarsLabels} has it; {@code both_bad.has_stars}), or it won another comparison
 * ({@code both_bad.chosen_elsewhere}). An answer judged bad in several comparisons is one example naming them all.
 * Off when {@link DatasetParameters#bothBadAsThumbsDown()} is false.
 */
public final class BothBadAnswers implements FeedbackSource {

    @Override
    public String kind() {
        return "both_bad";
    }

    @Override
    public DatasetKind datasetKind() {
        return DatasetKind.THUMBS;
    }

    @Override
    public List<Candidate> collect(FeedbackSnapshot snapshot, DatasetParameters parameters, DatasetStats stats) {
        if (!parameters.bothBadAsThumbsDown()) {
            return List.of();
        }
        Set<UUID> winners = new HashSet<>();
        Map<UUID, List<String>> bad = new TreeMap<>();
        for (PairwiseComparison c : snapshot.comparisons()) {
            Choice choice = c.choice().orElseThrow();
            if (choice == Choice.A || choice == Choice.B) {
                winners.add(choice == Choice.A ? c.answerAId() : c.answerBId());
            } else if (choice == Choice.BOTH_BAD) {
                bad.computeIfAbsent(c.answerAId(), id -> new ArrayList<>()).add(c.id().toString());
                bad.computeIfAbsent(c.answerBId(), id -> new ArrayList<>()).add(c.id().toString());
            }
        }
        List<Candidate> found = new ArrayList<>();
        bad.forEach((answerId, comparisons) -> {
            if (!snapshot.contains(answerId)) {
                stats.add(kind() + ".missing_message");
            } else if (snapshot.ratingsOf(answerId).stream().anyMatch(r -> r.thumbs() != null)) {
                stats.add(kind() + ".has_thumbs");
            } else if (StarsLabels.starVotes(snapshot.ratingsOf(answerId), parameters) != 0) {
                stats.add(kind() + ".has_stars");
            } else if (winners.contains(answerId)) {
                stats.add(kind() + ".chosen_elsewhere");
            } else {
                Message answer = snapshot.message(answerId);
                found.add(new Candidate(new ThumbsExample(snapshot.promptOf(answerId), answer.content(), false,
                        new Provenance(kind(), comparisons)), answer.parentId(), answerId, null, -1));
            }
        });
        return found;
    }
}
