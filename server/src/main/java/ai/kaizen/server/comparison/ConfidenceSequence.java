package ai.kaizen.server.comparison;

/**
 * An always-valid (anytime-valid) confidence sequence for the mean μ of independent observations in [0, 1]: with
 * probability at least {@code 1 - alpha}, μ lies in the interval at every number of observations at once. An operator
 * may therefore look after every vote and act the first time the interval excludes a value, and the chance of ever
 * being misled stays at most {@code alpha}; a fixed-sample interval watched that way misleads far more often.
 *
 * <p>This is the two-sided normal-mixture boundary (Robbins 1970) in the form of Howard, Ramdas, McAuliffe and
 * Sekhon, "Time-uniform, nonparametric, nonasymptotic confidence sequences", Annals of Statistics 49(2), 2021
 * (arXiv:1810.08240). Why it holds: an observation in [0, 1] is 1/2-sub-Gaussian (Hoeffding's lemma,
 * E exp(λ(X - μ)) ≤ exp(λ²/8) for every λ), so with S_n = Σ (X_i - μ) and V_n = n/4, exp(λ S_n - λ² V_n / 2) is a
 * nonnegative supermartingale that starts at 1, for every λ; so is its mixture over λ ~ N(0, 1/ρ),
 * M_n = sqrt(ρ / (V_n + ρ)) exp(S_n² / (2 (V_n + ρ))). By Ville's inequality M_n reaches 1/alpha at some n with
 * probability at most alpha, and M_n &lt; 1/alpha is |S_n| &lt; sqrt((V_n + ρ) ln((V_n + ρ) / (ρ alpha²))): the
 * mean lies within that, divided by n, of the sample mean, at all n at once. The bound uses only n and the sum, so a
 * tally of counts is enough, whatever order the choices came in.
 *
 * <p>ρ only moves where the sequence is tightest (it is valid for any ρ &gt; 0). The radius at n* is smallest for
 * ρ = V_{n*} / y with y = 2 ln(1/alpha) + ln(1 + y); {@link #tightestAt} takes y ≈ 2 ln(1/alpha) + ln(1 + 2 ln(1/alpha)),
 * within 0.01% of the best radius at alpha = 0.05.
 *
 * @param alpha the chance, over the whole sequence, that the mean is ever outside the interval
 * @param rho   the mixture's precision, in units of V_n
 */
public record ConfidenceSequence(double alpha, double rho) {

    /** Observations in [0, 1] vary at most as a coin does: variance proxy 1/4. */
    private static final double VARIANCE_PROXY = 0.25;

    public ConfidenceSequence {
        if (!(alpha > 0 && alpha < 1) || !(rho > 0)) {
            throw new IllegalArgumentException("need 0 < alpha < 1 and rho > 0");
        }
    }

    /** The sequence at level {@code 1 - alpha} that is narrowest after {@code n} observations. */
    public static ConfidenceSequence tightestAt(long n, double alpha) {
        double logInverse = 2 * Math.log(1 / alpha);
        return new ConfidenceSequence(alpha, VARIANCE_PROXY * Math.max(1, n) / (logInverse + Math.log1p(logInverse)));
    }

    /** The half-width around the sample mean after {@code n} (at least 1) observations. */
    public double radius(long n) {
        double v = VARIANCE_PROXY * n + rho;
        return Math.sqrt(v * Math.log(v / (rho * alpha * alpha))) / n;
    }

    /** The interval after {@code n} (at least 1) observations with sample mean {@code mean}, within [0, 1]. */
    public Interval around(double mean, long n) {
        double r = radius(n);
        return new Interval(Math.max(0, mean - r), Math.min(1, mean + r));
    }

    public record Interval(double lower, double upper) {

        public boolean contains(double value) {
            return lower <= value && value <= upper;
        }
    }
}
