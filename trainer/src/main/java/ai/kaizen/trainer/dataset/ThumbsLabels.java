package ai.kaizen.trainer.dataset;

import ai.kaizen.db.feedback.Rating;
import java.util.List;

/**
 * Answers labelled by their thumbs: good when more raters gave thumbs up than down, bad when fewer; as many of
 * each is no label ({@code rating.tied}). Stars do not count here: an answer with thumbs is judged on the explicit
 * verdicts alone, and answers with stars only are {@link StarsLabels}'s.
 */
public final class ThumbsLabels extends AnswerLabels {

    @Override
    public String kind() {
        return "rating";
    }

    @Override
    boolean votes(Rating rating) {
        return rating.thumbs() != null;
    }

    @Override
    String belongsElsewhere(List<Rating> ratings) {
        return null;
    }

    @Override
    int netVotes(List<Rating> voting, DatasetParameters parameters) {
        return RaterVotes.netThumbs(voting);
    }

    @Override
    String tie() {
        return "tied";
    }
}
