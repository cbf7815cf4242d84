package ai.kaizen.trainer.dataset;

import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.PairwiseComparison;
import ai.kaizen.db.feedback.PairwiseComparison.Choice;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Preferences from the users' A/B choices. All the verdicts about the same two answers are taken together: the
 * answer that won more often is chosen, with the agreeing comparisons as provenance; as many wins each is a conflict
 * and left out ({@code pairwise.conflict}). Ties ({@code pairwise.tie}) and "both are bad"
 * ({@code pairwise.both_bad}) say neither answer is better, so they make no pair here; they are counted, ties become
 * tie examples through {@link TiedAnswers} and "both bad" answers thumbs-down examples through
 * {@link BothBadAnswers}.
 */
public final class PairwiseChoices implements FeedbackSource {

    @Override
    public String kind() {
        return "pairwise";
    }

    @Override
    public DatasetKind datasetKind() {
        return DatasetKind.PREFERENCE;
    }

    /** The two answers of a comparison, in id order, whatever side each was shown on. */
    record AnswerPair(UUID low, UUID high) implements Comparable<AnswerPair> {
        static AnswerPair of(UUID x, UUID y) {
            return x.compareTo(y) < 0 ? new AnswerPair(x, y) : new AnswerPair(y, x);
        }

        @Override
        public int compareTo(AnswerPair o) {
            int c = low.compareTo(o.low);
            return c != 0 ? c : high.compareTo(o.high);
        }
    }

    @Override
    public List<Candidate> collect(FeedbackSnapshot snapshot, DatasetParameters parameters, DatasetStats stats) {
        Map<AnswerPair, List<PairwiseComparison>> byPair = new TreeMap<>();
        for (PairwiseComparison c : snapshot.comparisons()) {
            byPair.computeIfAbsent(AnswerPair.of(c.answerAId(), c.answerBId()), p -> new ArrayList<>()).add(c);
        }
        List<Candidate> found = new ArrayList<>();
        byPair.forEach((pair, comparisons) -> {
            List<String> lowWins = new ArrayList<>();
            List<String> highWins = new ArrayList<>();
            for (PairwiseComparison c : comparisons) {
                Choice choice = c.choice().orElseThrow();
                switch (choice) {
                    case TIE -> stats.add(kind() + ".tie");
                    case BOTH_BAD -> stats.add(kind() + ".both_bad");
                    case A, B -> {
                        UUID winner = choice == Choice.A ? c.answerAId() : c.answerBId();
                        (winner.equals(pair.low()) ? lowWins : highWins).add(c.id().toString());
                    }
                }
            }
            if (lowWins.isEmpty() && highWins.isEmpty()) {
                return;
            }
            if (lowWins.size() == highWins.size()) {
                stats.add(kind() + ".conflict");
                return;
            }
            if (!snapshot.contains(pair.low()) || !snapshot.contains(pair.high())) {
                stats.add(kind() + ".missing_message");
                return;
            }
            boolean lowWon = lowWins.size() > highWins.size();
            Message chosen = snapshot.message(lowWon ? pair.low() : pair.high());
            Message rejected = snapshot.message(lowWon ? pair.high() : pair.low());
            found.add(new Candidate(new PreferenceExample(snapshot.promptOf(chosen.id()), chosen.content(),
                    rejected.content(), new Provenance(kind(), lowWon ? lowWins : highWins)), chosen.parentId(),
                    chosen.id(), rejected.id(), null));
        });
        return found;
    }
}
