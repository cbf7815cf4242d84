package ai.kaizen.server.comparison;

import ai.kaizen.db.comparison.Tally;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The online comparison read the way the console reads it, over and over: after every single choice, up to 2,000
 * choices, in 1,000 seeded simulated comparisons per scenario. Under equal versions a verdict must stay as rare as
 * promised (at most 5% of comparisons ever show one), where the fixed-sample rule it replaced, read the same way,
 * shows one in most; a real difference must still get its verdict soon after the minimum.
 */
class HeadToHeadWatchedTest {

    private static final int STREAMS = 1000;
    private static final int CHOICES = 2000;
    private static final int MIN_VOTES = 194;
    private static final double ALPHA = 0.05;

    /**
     * One simulated comparison, read after every choice.
     *
     * @param firstBetterAt decided votes when "challenger better" first showed, -1 if never
     * @param everWorse "baseline better" showed at some point
     * @param alwaysCovered the interval held the true win rate after every choice
     * @param fixedSampleEver the old rule (a fixed-sample 95% interval that excludes 1/2) fired at some point
     * @param fixedSampleEverAfterMinimum the same, counting only reads with the minimum of decided votes
     */
    private record Watched(long firstBetterAt, boolean everWorse, boolean alwaysCovered, boolean fixedSampleEver,
                           boolean fixedSampleEverAfterMinimum) {

        boolean everVerdict() {
            return firstBetterAt >= 0 || everWorse;
        }
    }

    /** Choices: the challenger's answer with probability {@code win}, the baseline's {@code loss}, else a tie. */
    private static List<Watched> watch(double win, double loss, long seed) {
        double trueRate = win + (1 - win - loss) / 2;
        List<Watched> all = new ArrayList<>(STREAMS);
        for (int stream = 0; stream < STREAMS; stream++) {
            SplittableRandom random = new SplittableRandom(seed * 1_000_003 + stream);
            long wins = 0;
            long losses = 0;
            long ties = 0;
            double squares = 0; // sum of squared scores, for the fixed-sample rule's standard error
            long firstBetterAt = -1;
            boolean everWorse = false;
            boolean covered = true;
            boolean fixed = false;
            boolean fixedAfterMinimum = false;
            for (int n = 1; n <= CHOICES; n++) {
                double u = random.nextDouble();
                if (u < win) {
                    wins++;
                    squares += 1;
                } else if (u < win + loss) {
                    losses++;
                } else {
                    ties++;
                    squares += 0.25;
                }
                HeadToHead read = HeadToHead.of(new Tally(losses, wins, ties, 0), MIN_VOTES);
                if (read.challengerBetter() && firstBetterAt < 0) {
                    firstBetterAt = read.decidedVotes();
                }
                everWorse |= read.baselineBetter();
                covered &= read.lower() <= trueRate && trueRate <= read.upper();
                // The replaced rule, a 95% percentile bootstrap of the scores, stood in for by the normal interval
                // p ± 1.96 s / sqrt(n) that it approximates (degenerate, like the bootstrap's, after a sweep): cheap
                // enough to read 2,000 times.
                double p = read.winRate();
                double halfWidth = 1.96 * Math.sqrt(Math.max(0, squares / n - p * p) / n);
                boolean fires = p - halfWidth > 0.5 || p + halfWidth < 0.5;
                fixed |= fires;
                fixedAfterMinimum |= fires && read.enoughVotes();
            }
            all.add(new Watched(firstBetterAt, everWorse, covered, fixed, fixedAfterMinimum));
        }
        return all;
    }

    private static double share(List<Watched> streams, Predicate<Watched> which) {
        return streams.stream().filter(which).count() / (double) streams.size();
    }

    @Test
    void equalVersionsWithTiesRarelyEverShowAVerdictWhereTheFixedSampleRuleUsuallyDid() {
        List<Watched> equal = watch(0.35, 0.35, 1); // 30% ties or "both bad"
        assertThat(share(equal, Watched::everVerdict)).as("ever a verdict").isLessThanOrEqualTo(ALPHA);
        assertThat(share(equal, Watched::fixedSampleEver)).as("the old rule, read after every choice")
                .isGreaterThan(0.5);
        assertThat(share(equal, Watched::fixedSampleEverAfterMinimum))
                .as("the old rule, even when held back until the minimum").isGreaterThan(0.1);
    }

    @Test
    void equalVersionsWithoutTiesRarelyEverShowAVerdict() {
        List<Watched> equal = watch(0.5, 0.5, 2);
        assertThat(share(equal, Watched::everVerdict)).as("ever a verdict").isLessThanOrEqualTo(ALPHA);
        assertThat(share(equal, Watched::fixedSampleEverAfterMinimum)).isGreaterThan(2 * ALPHA);
    }

    @Test
    void theIntervalHoldsTheTrueRateAtEveryReadInAtLeast95PercentOfComparisons() {
        for (double[] scenario : new double[][]{{0.5, 0.5}, {0.35, 0.35}, {0.65, 0.35}, {0.55, 0.25}, {0.1, 0.8}}) {
            List<Watched> streams = watch(scenario[0], scenario[1], 3);
            assertThat(share(streams, Watched::alwaysCovered)).as("win %s, loss %s", scenario[0], scenario[1])
                    .isGreaterThanOrEqualTo(1 - ALPHA);
        }
    }

    @Test
    void aTrueWinRateOf65PercentGetsItsVerdictSoonAfterTheMinimum() {
        List<Watched> noTies = watch(0.65, 0.35, 4);
        assertThat(share(noTies, w -> w.firstBetterAt() >= 0 && w.firstBetterAt() <= 250))
                .as("challenger better within 250 decided votes").isGreaterThanOrEqualTo(0.9);
        assertThat(share(noTies, w -> w.firstBetterAt() == MIN_VOTES)).as("at the minimum").isGreaterThan(0.5);
        // 0.55 wins, 0.25 losses, 20% ties: a win rate of 0.55 + 0.10 = 0.65 too
        List<Watched> withTies = watch(0.55, 0.25, 5);
        assertThat(share(withTies, w -> w.firstBetterAt() >= 0 && w.firstBetterAt() <= 250))
                .isGreaterThanOrEqualTo(0.9);
        assertThat(share(noTies, Watched::everWorse) + share(withTies, Watched::everWorse)).isZero();
    }
}
