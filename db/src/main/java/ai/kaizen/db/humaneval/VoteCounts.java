package ai.kaizen.db.humaneval;

/**
 * Reviewers' votes on one cycle's blind comparison, read through which side was the candidate.
 *
 * @param candidate votes for the candidate's answer
 * @param serving   votes for the serving model's answer
 * @param ties      "tie"
 * @param bothBad   "both are bad"
 * @param skips     tasks skipped (no vote)
 */
public record VoteCounts(int candidate, int serving, int ties, int bothBad, int skips) {

    public static final VoteCounts NONE = new VoteCounts(0, 0, 0, 0, 0);

    /** Every vote cast (skips are none). */
    public int votes() {
        return candidate + serving + ties + bothBad;
    }
}
