package ai.kaizen.trainer.cycle;

import ai.kaizen.db.humaneval.VoteCounts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.Locale;

/**
 * The evaluation gate's human step, counted: reviewers' blind votes between the candidate's and the serving
 * model's answers to held-out prompts. As Chatbot Arena counts its battles, a tie and "both are bad" are each half
 * a win for either side; the candidate's win rate is its wins plus half the ties and "both bad" over every vote,
 * with Wilson's 95% interval (conservative here: a vote that can be half has less variance than a coin's).
 *
 * <p>The rule: the votes are judged once, when the N-th is in (reading them as they come and stopping at the
 * first bad look would find differences that are not there); the check fails when the whole interval lies below
 * 0.5, i.e. reviewers prefer the serving model beyond noise, and passes otherwise: the candidate passed the
 * automatic checks already, and the reviewers' part is to catch what those cannot see. A cycle that expires
 * before N votes is judged on what it has: failed when even those show the candidate worse, otherwise no verdict.
 * The final verdict is the automatic one (a pass, or humans would not have been asked) with this check added.
 */
public final class HumanPreference {

    /** The check's name in the gate's report. */
    public static final String CHECK = "human_preference";
    /** The report's verdict while votes are awaited. */
    public static final String PENDING = "pending";

    private HumanPreference() {
    }

    /** The candidate's share: wins, plus half of the ties and "both bad", of every vote. */
    public static GateEvidence.Proportion winRate(VoteCounts c) {
        return new GateEvidence.Proportion(c.candidate() + 0.5 * (c.ties() + c.bothBad()), c.votes());
    }

    /**
     * The report's row for the votes.
     *
     * @param required the votes the cycle asked for
     * @param expired  whether the wait is over without them
     */
    static GateVerdict.Check check(VoteCounts c, int required, boolean expired) {
        GateEvidence.Proportion wins = winRate(c);
        String rule = required + " blind votes; fails when the 95% interval of the candidate's win rate (ties and"
                + " both bad half) lies below 0.5";
        String tally = String.format(Locale.ROOT, "%d votes: candidate %d, serving %d, tie %d, both bad %d",
                c.votes(), c.candidate(), c.serving(), c.ties(), c.bothBad());
        if (c.votes() < required && !expired) {
            return new GateVerdict.Check(CHECK, null, null, null, null, null, rule,
                    GateVerdict.Status.NOT_COUNTED, "awaiting votes: " + c.votes() + " of " + required);
        }
        Interval interval = wins.interval();
        Double rate = c.votes() == 0 ? null : wins.rate();
        Double serving = rate == null ? null : 1 - rate;
        if (c.votes() > 0 && interval.high() < 0.5) {
            return new GateVerdict.Check(CHECK, rate, interval, serving, null, null, rule, GateVerdict.Status.FAIL,
                    "reviewers prefer the serving model: " + tally);
        }
        if (c.votes() < required) {
            return new GateVerdict.Check(CHECK, rate, c.votes() == 0 ? null : interval, serving, null, null, rule,
                    GateVerdict.Status.NOT_COUNTED, "the wait expired with " + c.votes() + " of " + required
                    + " votes" + (c.votes() == 0 ? "" : ": " + tally));
        }
        return new GateVerdict.Check(CHECK, rate, interval, serving, null, null, rule, GateVerdict.Status.PASS,
                tally);
    }

    /**
     * The report while the cycle waits: the automatic verdict kept aside, the verdict {@code pending}, and the
     * progress of the votes (how many, not which way: nobody reads the result before it counts).
     *
     * @param report the gate's report as the automatic checks left it, or as an earlier call returned it
     */
    public static JsonObject pending(JsonObject report, VoteCounts c, int required, Instant expiresAt, int prompts) {
        JsonObject out = report.copy();
        if (!out.containsKey("automatic_verdict")) {
            out.put("automatic_verdict", out.getString("verdict")).put("automatic_reason", out.getString("reason"));
        }
        return out.put("verdict", PENDING).put("passed", false)
                .put("reason", "awaiting human evaluation: " + c.votes() + " of " + required + " votes (the automatic"
                        + " checks passed)")
                .put("human_evaluation", new JsonObject().put("status", PENDING).put("votes_required", required)
                        .put("votes", c.votes()).put("skips", c.skips()).put("prompts", prompts)
                        .put("expires_at", expiresAt.toString()));
    }

    /** Whether the votes decide now: all of them are in, or the wait is over. */
    public static boolean due(VoteCounts c, int required, boolean expired) {
        return c.votes() >= required || expired;
    }

    /**
     * The final report: the automatic checks' rows with the human row added, the verdict and its reason, and the
     * votes counted ({@code human_evaluation}).
     *
     * @param report the pending report ({@link #pending})
     */
    public static JsonObject conclude(JsonObject report, VoteCounts c, int required, boolean expired) {
        GateVerdict.Check row = check(c, required, expired);
        JsonArray checks = new JsonArray();
        report.getJsonArray("checks", new JsonArray()).forEach(existing -> {
            if (!(existing instanceof JsonObject o && CHECK.equals(o.getString("name")))) {
                checks.add(existing);
            }
        });
        checks.add(row.toJson());
        GateVerdict.Verdict verdict = switch (row.status()) {
            case FAIL -> GateVerdict.Verdict.FAIL;
            case PASS -> GateVerdict.Verdict.PASS;
            default -> GateVerdict.Verdict.NO_VERDICT;
        };
        String automatic = report.getString("automatic_reason", "");
        String reason = switch (verdict) {
            case FAIL -> "failed: " + CHECK + " (" + row.note() + ")";
            case PASS -> automatic + "; " + String.format(Locale.ROOT, "reviewers: win rate %.2f %s on %d votes",
                    row.candidate(), row.candidateInterval(), c.votes());
            default -> "no verdict: " + row.note();
        };
        GateEvidence.Proportion wins = winRate(c);
        JsonObject human = report.getJsonObject("human_evaluation", new JsonObject()).copy()
                .put("status", verdict.label()).put("votes_required", required).put("votes", c.votes())
                .put("candidate_wins", c.candidate()).put("serving_wins", c.serving()).put("ties", c.ties())
                .put("both_bad", c.bothBad()).put("skips", c.skips()).put("expired", expired && c.votes() < required)
                .put("win_rate", row.candidate())
                .put("win_rate_ci", c.votes() == 0 ? null
                        : new JsonArray().add(wins.interval().low()).add(wins.interval().high()));
        return report.copy().put("verdict", verdict.label()).put("passed", verdict == GateVerdict.Verdict.PASS)
                .put("reason", reason).put("checks", checks).put("human_evaluation", human);
    }
}
