package ai.kaizen.trainer.dataset;

import ai.kaizen.db.dataset.DatasetItem;
import ai.kaizen.db.feedback.PairwiseComparison;
import ai.kaizen.db.feedback.PairwiseComparison.Choice;
import ai.kaizen.db.review.Ranking;
import ai.kaizen.db.review.ReviewTask;
import ai.kaizen.db.review.ReviewWork;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Ties as preference examples with {@code tie = true}: two answers a user called a "Tie" in an A/B choice, or that a
 * reviewer ranked equal (both acceptable). A tie says the two answers are about as good; the reward model learns to
 * score them alike (the Bradley-Terry tie convention, see {@code RewardLosses}). All the verdicts about the same two
 * answers are taken together: when any user or reviewer also put one of them above the other, the decided verdicts
 * speak ({@link PairwiseChoices}, {@link RankedAnswers}) and the tie is only counted ({@code tie.decided_elsewhere}).
 * The two answers are stored in id order; a tie has no direction.
 */
public final class TiedAnswers implements FeedbackSource {

    @Override
    public String kind() {
        return "tie";
    }

    @Override
    public DatasetKind datasetKind() {
        return DatasetKind.PREFERENCE;
    }

    @Override
    public List<Candidate> collect(FeedbackSnapshot snapshot, DatasetParameters parameters, DatasetStats stats) {
        Map<PairwiseChoices.AnswerPair, List<String>> ties = new TreeMap<>();
        Set<PairwiseChoices.AnswerPair> decided = new HashSet<>();
        for (PairwiseComparison c : snapshot.comparisons()) {
            PairwiseChoices.AnswerPair pair = PairwiseChoices.AnswerPair.of(c.answerAId(), c.answerBId());
            Choice choice = c.choice().orElseThrow();
            if (choice == Choice.TIE) {
                ties.computeIfAbsent(pair, p -> new ArrayList<>()).add(c.id().toString());
            } else if (choice == Choice.A || choice == Choice.B) {
                decided.add(pair);
            }
        }
        for (ReviewWork work : snapshot.reviews()) {
            if (work.task().kind() != ReviewTask.Kind.RANK || work.assignment().ranking().isEmpty()) {
                continue;
            }
            Ranking ranking = work.assignment().ranking().get();
            for (Ranking.Pair p : ranking.pairs()) {
                decided.add(PairwiseChoices.AnswerPair.of(p.better(), p.worse()));
            }
            List<Ranking.Entry> entries = ranking.entries();
            for (int i = 0; i < entries.size(); i++) {
                for (int j = i + 1; j < entries.size(); j++) {
                    Ranking.Entry a = entries.get(i);
                    Ranking.Entry b = entries.get(j);
                    if (a.rank() == b.rank() && !a.unacceptable() && !b.unacceptable()) {
                        ties.computeIfAbsent(PairwiseChoices.AnswerPair.of(a.messageId(), b.messageId()),
                                p -> new ArrayList<>()).add(String.valueOf(work.assignment().id()));
                    }
                }
            }
        }
        List<Candidate> found = new ArrayList<>();
        ties.forEach((pair, ids) -> {
            if (decided.contains(pair)) {
                stats.add(kind() + ".decided_elsewhere");
            } else if (!snapshot.contains(pair.low()) || !snapshot.contains(pair.high())) {
                stats.add(kind() + ".missing_message");
            } else {
                found.add(new Candidate(PreferenceExample.tie(snapshot.promptOf(pair.low()),
                        snapshot.message(pair.low()).content(), snapshot.message(pair.high()).content(),
                        new Provenance(kind(), ids)), snapshot.message(pair.low()).parentId(), pair.low(),
                        pair.high(), null));
            }
        });
        return found;
    }

    @Override
    public Example restore(DatasetItem item, FeedbackSnapshot snapshot) {
        return PreferenceExample.tie(snapshot.promptEndingAt(item.promptMessageId()),
                snapshot.message(item.answerId()).content(), snapshot.message(item.otherAnswerId()).content(),
                new Provenance(item.sourceKind(), item.sourceIds()));
    }
}
