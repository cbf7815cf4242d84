package ai.kaizen.server.comparison;

import ai.kaizen.db.comparison.Tally;

/**
 * The challenger's head-to-head win rate over the baseline, as Chatbot Arena reports one, with an interval that stays
 * valid while the console re-reads it every few seconds. A choice of the challenger's answer scores 1, of the
 * baseline's 0, a tie or "both bad" 1/2 (the Bradley-Terry convention for ties); the win rate is the mean score. The
 * interval is the always-valid 95% {@link ConfidenceSequence} for that mean over all choices, narrowest at the
 * minimum number of votes, where a verdict may first come. Ties enter it as observations at exactly 1/2: they add no
 * evidence either way and pull the rate towards 1/2, so they never make a verdict more likely. The Elo-scale
 * difference is the Bradley-Terry strength gap that the win rate implies.
 *
 * <p>A verdict needs both at least {@code minVotes} decided votes (wins plus losses; ties say nothing about which
 * version is better) and an interval that excludes 1/2. The interval alone already keeps the chance of a wrong
 * verdict under 5% however often it is read; the minimum keeps the first, unrepresentative votes (and a handful of
 * lucky ones) from ending a comparison before it could see the smallest difference that matters.
 *
 * @param tally the choices
 * @param minVotes decided votes needed before a verdict
 * @param winRate the challenger's mean score, null without choices
 * @param lower the always-valid interval's lower end, null without choices
 * @param upper the always-valid interval's upper end, null without choices
 * @param eloDifference 400 log10(p / (1 - p)), null without choices or when one side always won
 */
public record HeadToHead(Tally tally, int minVotes, Double winRate, Double lower, Double upper,
                         Double eloDifference) {

    /** The chance that the interval ever misses the true win rate, over the whole comparison. */
    public static final double ALPHA = 0.05;

    public static HeadToHead of(Tally tally, int minVotes) {
        long n = tally.total();
        if (n == 0) {
            return new HeadToHead(tally, minVotes, null, null, null, null);
        }
        double p = (tally.challengerWins() + 0.5 * (tally.ties() + tally.bothBad())) / n;
        ConfidenceSequence.Interval interval = ConfidenceSequence.tightestAt(minVotes, ALPHA).around(p, n);
        Double elo = p <= 0 || p >= 1 ? null : 400 * Math.log10(p / (1 - p));
        return new HeadToHead(tally, minVotes, p, interval.lower(), interval.upper(), elo);
    }

    /** Wins plus losses: the votes that say which version is better. */
    public long decidedVotes() {
        return tally.decided();
    }

    /** Whether there are votes enough for a verdict. */
    public boolean enoughVotes() {
        return decidedVotes() >= minVotes;
    }

    /** The challenger is better, at 95% confidence that holds however often this was looked at. */
    public boolean challengerBetter() {
        return enoughVotes() && lower != null && lower > 0.5;
    }

    /** The baseline is better, at 95% confidence that holds however often this was looked at. */
    public boolean baselineBetter() {
        return enoughVotes() && upper != null && upper < 0.5;
    }

    /** The verdict in words, as the console shows it. */
    public String verdict() {
        if (winRate == null) {
            return "no choices yet";
        }
        if (!enoughVotes()) {
            return "too few votes: " + decidedVotes() + " of " + minVotes;
        }
        return challengerBetter() ? "challenger better"
                : baselineBetter() ? "baseline better" : "no difference detected yet";
    }
}
