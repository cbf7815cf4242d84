package ai.kaizen.trainer.dataset;

import ai.kaizen.db.feedback.Rating;
import java.util.List;

/**
 * Answers labelled by their stars, for the thumbs dataset (KTO's desirable and undesirable answers): each rater's
 * stars vote for the answer from {@link DatasetParameters#desirableMinStars()} up (default 4) and against it up to
 * {@link DatasetParameters#undesirableMaxStars()} (default 2); stars in between are no vote. The answer is good when
 * the votes for it outnumber those against, bad when fewer; a tie, or only middling stars, is no label
 * ({@code stars.neutral}). An answer that any rater gave thumbs is {@link ThumbsLabels}'s
 * ({@code stars.has_thumbs}): an explicit verdict outweighs stars, as in {@link RaterVotes#approval}, and one answer
 * is one example.
 */
public final class StarsLabels extends AnswerLabels {

    @Override
    public String kind() {
        return "stars";
    }

    @Override
    boolean votes(Rating rating) {
        return rating.stars() != null;
    }

    @Override
    String belongsElsewhere(List<Rating> ratings) {
        return ratings.stream().anyMatch(r -> r.thumbs() != null) ? "has_thumbs" : null;
    }

    @Override
    int netVotes(List<Rating> voting, DatasetParameters parameters) {
        return starVotes(voting, parameters);
    }

    @Override
    String tie() {
        return "neutral";
    }

    /** The raters' star votes for an answer minus those against it. */
    static int starVotes(List<Rating> ratings, DatasetParameters parameters) {
        return ratings.stream().filter(r -> r.stars() != null).mapToInt(r -> parameters.starsVote(r.stars())).sum();
    }
}
