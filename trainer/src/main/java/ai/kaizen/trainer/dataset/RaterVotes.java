package ai.kaizen.trainer.dataset;

import ai.kaizen.db.feedback.Rating;

import java.util.List;
import java.util.OptionalDouble;

/**
 * How the ratings of several raters add up for one answer. Each rater has one rating per answer (the database
 * keeps the last), so these are votes of distinct raters.
 */
final class RaterVotes {

    private RaterVotes() {
    }

    /**
     * The approval vote of one rater: their thumbs when they gave thumbs (an explicit verdict outweighs stars, so a
     * thumbs down with five stars is a vote against), otherwise +1 for stars of at least {@code minStars} and -1 for
     * fewer, and 0 for a rating with neither.
     */
    static int approval(Rating r, int minStars) {
        if (r.thumbs() != null) {
            return r.thumbs();
        }
        if (r.stars() != null) {
            return r.stars() >= minStars ? 1 : -1;
        }
        return 0;
    }

    /** The sum of the raters' approval votes: positive when more raters approve than disapprove. */
    static int approvals(List<Rating> ratings, int minStars) {
        return ratings.stream().mapToInt(r -> approval(r, minStars)).sum();
    }

    /** Thumbs up minus thumbs down. */
    static int netThumbs(List<Rating> ratings) {
        return ratings.stream().filter(r -> r.thumbs() != null).mapToInt(Rating::thumbs).sum();
    }

    /** The mean of the stars given, if any rater gave stars. */
    static OptionalDouble meanStars(List<Rating> ratings) {
        return ratings.stream().filter(r -> r.stars() != null).mapToInt(Rating::stars).average();
    }

    static List<String> ids(List<Rating> ratings) {
        return ratings.stream().map(r -> String.valueOf(r.id())).toList();
    }
}
