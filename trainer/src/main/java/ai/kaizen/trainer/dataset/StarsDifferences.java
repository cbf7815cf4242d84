package ai.kaizen.trainer.dataset;

import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.PairwiseComparison;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.UUID;

/**
 * Preferences from stars: two answers to the same prompt (the same parent message, as regenerated answers and the
 * sides of an A/B choice are) whose mean stars differ by at least {@link DatasetParameters#starsMargin()}; the
 * better-rated one is chosen. Pairs that users also compared directly are left to {@link PairwiseChoices}
 * ({@code stars.compared}), since a direct choice says more than two separate ratings; pairs closer than the
 * margin are counted as {@code stars.below_margin}.
 */
public final class StarsDifferences implements FeedbackSource {

    /** Mean stars are fractions of small integers: compare with the margin up to rounding. */
    private static final double EPSILON = 1e-9;

    @Override
    public String kind() {
        return "stars";
    }

    @Override
    public DatasetKind datasetKind() {
        return DatasetKind.PREFERENCE;
    }

    @Override
    public List<Candidate> collect(FeedbackSnapshot snapshot, DatasetParameters parameters, DatasetStats stats) {
        Set<PairwiseChoices.AnswerPair> compared = new HashSet<>();
        for (PairwiseComparison c : snapshot.comparisons()) {
            compared.add(PairwiseChoices.AnswerPair.of(c.answerAId(), c.answerBId()));
        }
        List<Candidate> found = new ArrayList<>();
        for (UUID prompt : snapshot.answeredPrompts()) {
            List<Message> rated = snapshot.answersTo(prompt).stream()
                    .filter(a -> RaterVotes.meanStars(snapshot.ratingsOf(a.id())).isPresent())
                    .toList();
            for (int i = 0; i < rated.size(); i++) {
                for (int j = i + 1; j < rated.size(); j++) {
                    Message x = rated.get(i);
                    Message y = rated.get(j);
                    double dx = stars(snapshot, x);
                    double dy = stars(snapshot, y);
                    if (Math.abs(dx - dy) < parameters.starsMargin() - EPSILON) {
                        if (dx != dy) {
                            stats.add(kind() + ".below_margin");
                        }
                        continue;
                    }
                    if (compared.contains(PairwiseChoices.AnswerPair.of(x.id(), y.id()))) {
                        stats.add(kind() + ".compared");
                        continue;
                    }
                    Message chosen = dx > dy ? x : y;
                    Message rejected = dx > dy ? y : x;
                    List<String> ids = new ArrayList<>(RaterVotes.ids(starred(snapshot, chosen)));
                    ids.addAll(RaterVotes.ids(starred(snapshot, rejected)));
                    found.add(new Candidate(new PreferenceExample(snapshot.promptOf(chosen.id()), chosen.content(),
                            rejected.content(), new Provenance(kind(), ids)), prompt, chosen.id(), rejected.id(),
                            null));
                }
            }
        }
        return found;
    }

    private static double stars(FeedbackSnapshot snapshot, Message answer) {
        OptionalDouble mean = RaterVotes.meanStars(snapshot.ratingsOf(answer.id()));
        return mean.orElseThrow();
    }

    private static List<ai.kaizen.db.feedback.Rating> starred(FeedbackSnapshot snapshot, Message answer) {
        return snapshot.ratingsOf(answer.id()).stream().filter(r -> r.stars() != null).toList();
    }
}
