package ai.kaizen.server.simulate;

/**
 * How often a simulated customer gives each kind of feedback. Each message is first an A/B pair with probability
 * {@code pairs} (two answers requested, one choice given); otherwise it gets one answer, which the customer rates
 * with thumbs with probability {@code thumbs} and with stars with probability {@code stars}, independently (both
 * go in one rating; neither, and the answer goes unrated, as most answers do in a real chat).
 *
 * @param thumbs share of single answers given thumbs
 * @param stars  share of single answers given stars
 * @param pairs  share of messages answered twice and chosen between
 */
public record FeedbackShares(double thumbs, double stars, double pairs) {

    /** Thumbs on 70%, stars on 30%, a pair on 20% of messages. */
    public static final FeedbackShares DEFAULTS = new FeedbackShares(0.7, 0.3, 0.2);

    public FeedbackShares {
        for (double share : new double[]{thumbs, stars, pairs}) {
            if (!(share >= 0 && share <= 1)) {
                throw new IllegalArgumentException("feedback shares must be between 0 and 1");
            }
        }
    }
}
