package ai.kaizen.db.feedback;

import java.util.List;
import java.util.Optional;

/**
 * What a rater says about an answer this time; absent parts are left as they were. Thumbs and stars of 0 clear
 * them.
 *
 * @param thumbs  1 (up), -1 (down) or 0 (clear)
 * @param stars   1 to 5, or 0 (clear)
 * @param reasons reasons for a thumbs down (replaces the previous list)
 * @param comment free text (blank clears it)
 */
public record RatingChange(Optional<Integer> thumbs, Optional<Integer> stars, Optional<List<String>> reasons,
                           Optional<String> comment) {

    public RatingChange {
        thumbs.ifPresent(t -> {
            if (t < -1 || t > 1) {
                throw new IllegalArgumentException("thumbs must be 1, -1 or 0");
            }
        });
        stars.ifPresent(s -> {
            if (s < 0 || s > 5) {
                throw new IllegalArgumentException("stars must be between 1 and 5 (0 clears them)");
            }
        });
        reasons = reasons.map(List::copyOf);
    }

    public boolean isEmpty() {
        return thumbs.isEmpty() && stars.isEmpty() && reasons.isEmpty() && comment.isEmpty();
    }
}
