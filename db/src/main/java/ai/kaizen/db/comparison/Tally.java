package ai.kaizen.db.comparison;

/**
 * The users' verdicts on pairs of answers, one answer from each of two versions: how often the baseline's answer
 * was chosen, how often the challenger's, and how often neither (a tie, or both bad).
 */
public record Tally(long baselineWins, long challengerWins, long ties, long bothBad) {

    public static final Tally NONE = new Tally(0, 0, 0, 0);

    public long total() {
        return baselineWins + challengerWins + ties + bothBad;
    }

    /** The choices that name a better answer: wins of either side, no ties or "both bad". */
    public long decided() {
        return baselineWins + challengerWins;
    }
}
