package ai.kaizen.trainer.dataset;

import ai.kaizen.db.chat.Message;
import ai.kaizen.db.review.Ranking;
import ai.kaizen.db.review.ReviewTask;
import ai.kaizen.db.review.ReviewWork;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Preferences from reviewers' rankings of candidate answers: every better/worse pair a ranking implies
 * ({@link Ranking#pairs()}: strictly better ranks, and every acceptable answer over every unacceptable one). Ties
 * make no pair here ({@code ranking.tie}; {@link TiedAnswers} makes them tie examples); two unacceptable answers make none either
 * ({@code ranking.both_unacceptable}). The verdicts of all reviewers (and all tasks) about the same two answers are
 * taken together, as with the users' A/B choices: the answer preferred more often is chosen, with the assignments
 * that agree as provenance; as many votes each way is a conflict, left out ({@code ranking.conflict}).
 */
public final class RankedAnswers implements FeedbackSource {

    @Override
    public String kind() {
        return "ranking";
    }

    @Override
    public DatasetKind datasetKind() {
        return DatasetKind.PREFERENCE;
    }

    @Override
    public List<Candidate> collect(FeedbackSnapshot snapshot, DatasetParameters parameters, DatasetStats stats) {
        Map<PairwiseChoices.AnswerPair, List<String>[]> votes = new TreeMap<>();
        for (ReviewWork work : snapshot.reviews()) {
            if (work.task().kind() != ReviewTask.Kind.RANK || work.assignment().ranking().isEmpty()) {
                continue;
            }
            Ranking ranking = work.assignment().ranking().get();
            stats.add(kind() + ".tie", ranking.ties());
            long flagged = ranking.entries().stream().filter(Ranking.Entry::unacceptable).count();
            stats.add(kind() + ".both_unacceptable", (int) (flagged * (flagged - 1) / 2));
            String id = String.valueOf(work.assignment().id());
            for (Ranking.Pair pair : ranking.pairs()) {
                PairwiseChoices.AnswerPair key = PairwiseChoices.AnswerPair.of(pair.better(), pair.worse());
                @SuppressWarnings("unchecked")
                List<String>[] sides = votes.computeIfAbsent(key, k -> new List[] {new ArrayList<>(), new ArrayList<>()});
                sides[pair.better().equals(key.low()) ? 0 : 1].add(id);
            }
        }
        List<Candidate> found = new ArrayList<>();
        votes.forEach((pair, sides) -> {
            if (sides[0].size() == sides[1].size()) {
                stats.add(kind() + ".conflict");
                return;
            }
            if (!snapshot.contains(pair.low()) || !snapshot.contains(pair.high())) {
                stats.add(kind() + ".missing_message");
                return;
            }
            boolean lowWon = sides[0].size() > sides[1].size();
            Message chosen = snapshot.message(lowWon ? pair.low() : pair.high());
            Message rejected = snapshot.message(lowWon ? pair.high() : pair.low());
            UUID prompt = chosen.parentId();
            found.add(new Candidate(new PreferenceExample(snapshot.promptOf(chosen.id()), chosen.content(),
                    rejected.content(), new Provenance(kind(), lowWon ? sides[0] : sides[1])), prompt,
                    chosen.id(), rejected.id(), null));
        });
        return found;
    }
}
