package ai.kaizen.trainer.dataset;

import ai.kaizen.db.chat.Message;
import ai.kaizen.db.feedback.Rating;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Answers labelled by their stars, for the thumbs dataset (KTO's desirable and undesirable answers): each rater's
 * stars vote for the answer from {@link DatasetParameters#desirableMinStars()} up (default 4) and against it up to
 * {@link DatasetParameters#undesirableMaxStars()} (default 2); stars in between are no vote. The answer is good when
 * the votes for it outnumber those against, bad when fewer; a tie, or only middling stars, is no label
 * ({@code stars.neutral}). An answer that any rater gave thumbs is {@link ThumbsLabels}'s
 * ({@code stars.has_thumbs}): an explicit verdict outweighs stars, as in {@link RaterVotes#approval}, and one answer
 * is one example.
 */
public final class StarsLabels implements FeedbackSource {

    @Override
    public String kind() {
        return "stars";
    }

    @Override
    public DatasetKind datasetKind() {
        return DatasetKind.THUMBS;
    }

    @Override
    public List<Candidate> collect(FeedbackSnapshot snapshot, DatasetParameters parameters, DatasetStats stats) {
        List<Candidate> found = new ArrayList<>();
        for (Map.Entry<UUID, List<Rating>> e : snapshot.ratingsByAnswer().entrySet()) {
            Message answer = snapshot.message(e.getKey());
            List<Rating> withStars = e.getValue().stream().filter(r -> r.stars() != null).toList();
            if (answer.role() != Message.Author.assistant || withStars.isEmpty()) {
                continue;
            }
            if (e.getValue().stream().anyMatch(r -> r.thumbs() != null)) {
                stats.add(kind() + ".has_thumbs");
                continue;
            }
            int net = netVotes(withStars, parameters);
            if (net == 0) {
                stats.add(kind() + ".neutral");
                continue;
            }
            found.add(new Candidate(new ThumbsExample(snapshot.promptOf(answer.id()), answer.content(), net > 0,
                    new Provenance(kind(), RaterVotes.ids(withStars))), answer.parentId(), answer.id(), null,
                    net > 0 ? 1 : -1));
        }
        return found;
    }

    /** The raters' star votes for an answer minus those against it. */
    static int netVotes(List<Rating> ratings, DatasetParameters parameters) {
        return ratings.stream().filter(r -> r.stars() != null).mapToInt(r -> parameters.starsVote(r.stars())).sum();
    }
}
