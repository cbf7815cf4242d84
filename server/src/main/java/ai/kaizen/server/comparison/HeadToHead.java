package ai.kaizen.server.comparison;

import ai.kaizen.db.comparison.Tally;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The challenger's head-to-head win rate over the baseline, as Chatbot Arena reports one: a choice of the
 * challenger's answer scores 1, of the baseline's 0, a tie or "both bad" 1/2 (the Bradley-Terry convention for
 * ties); the 95% confidence interval is the 2.5th to 97.5th percentile of the win rate over bootstrap resamples of
 * the choices. The Elo-scale difference is the Bradley-Terry strength gap that this win rate implies.
 *
 * @param tally the choices
 * @param winRate the challenger's mean score, null without choices
 * @param lower the interval's lower end, null without choices
 * @param upper the interval's upper end, null without choices
 * @param eloDifference 400 log10(p / (1 - p)), null without choices or when one side always won
 */
public record HeadToHead(Tally tally, Double winRate, Double lower, Double upper, Double eloDifference) {

    /** Resamples when there are few choices; fewer for many, so that one report stays cheap. */
    static final int RESAMPLES = 2000;
    private static final long DRAWS_BUDGET = 20_000_000;

    public static HeadToHead of(Tally tally) {
        long n = tally.total();
        if (n == 0) {
            return new HeadToHead(tally, null, null, null, null);
        }
        double halves = tally.ties() + tally.bothBad();
        double p = (tally.challengerWins() + 0.5 * halves) / n;
        int resamples = (int) Math.max(200, Math.min(RESAMPLES, DRAWS_BUDGET / n));
        // Seeded by the tally: the same choices always give the same interval.
        SplittableRandom random = new SplittableRandom(31L * tally.hashCode() + n);
        double[] rates = new double[resamples];
        for (int r = 0; r < resamples; r++) {
            long score2 = 0; // twice the score, to stay in integers
            for (long i = 0; i < n; i++) {
                long pick = random.nextLong(n);
                if (pick < tally.challengerWins()) {
                    score2 += 2;
                } else if (pick < tally.challengerWins() + (long) halves) {
                    score2 += 1;
                }
            }
            rates[r] = score2 / (2.0 * n);
        }
        Arrays.sort(rates);
        double lower = percentile(rates, 0.025);
        double upper = percentile(rates, 0.975);
        Double elo = p <= 0 || p >= 1 ? null : 400 * Math.log10(p / (1 - p));
        return new HeadToHead(tally, p, lower, upper, elo);
    }

    /** The value at quantile {@code q} of sorted values, interpolated linearly. */
    static double percentile(double[] sorted, double q) {
        double at = q * (sorted.length - 1);
        int below = (int) Math.floor(at);
        int above = Math.min(sorted.length - 1, below + 1);
        return sorted[below] + (at - below) * (sorted[above] - sorted[below]);
    }

    /** Whether the interval lies wholly above one half: the challenger is better, at 95% confidence. */
    public boolean challengerBetter() {
        return lower != null && lower > 0.5;
    }

    /** Whether the interval lies wholly below one half: the baseline is better, at 95% confidence. */
    public boolean baselineBetter() {
        return upper != null && upper < 0.5;
    }
}
