package ai.kaizen.trainer.cycle;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The evaluation gate's decision, from {@link GateEvidence} and {@link GateThresholds} alone (no model, so that it
 * can be tested with made-up numbers). The rules:
 * <ul>
 *   <li>fewer held-out prompts than {@code min_prompts}: no verdict, whatever the checks say;</li>
 *   <li>counted, always: eval loss, answer length, KL, defective answers;</li>
 *   <li>counted where there is enough evidence: the intent classifier's agreement (when at least
 *       {@code min_prompts} held-out prompts carry an intent) and the reward model's win rate (when the reward model
 *       is trusted: its accuracy on held-out feedback reaches {@code min_reward_model_accuracy} and its 95% interval
 *       lies above chance). Otherwise they are reported, marked not counted, with the reason;</li>
 *   <li>with {@code require_improvement}: at least one counted check must also show a gain beyond noise (eval loss
 *       down by at least {@code min_eval_loss_gain}, intent match up, or a trusted reward model's win rate above one
 *       half, each by its 95% interval);</li>
 *   <li>pass only when every counted check passes; fail otherwise.</li>
 * </ul>
 *
 * @param verdict pass, fail or no verdict
 * @param reason  one line saying why, for the console and the cycle's log
 * @param checks  every figure measured, counted or not
 */
public record GateVerdict(Verdict verdict, String reason, List<Check> checks) {

    /** What the gate concluded. */
    public enum Verdict {
        PASS, FAIL, NO_VERDICT;

        /** Its name in reports and the API: {@code pass}, {@code fail}, {@code no_verdict}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a check's row means for the verdict. */
    public enum Status {
        /** Counted, and passed. */
        PASS,
        /** Counted, and failed: the candidate does not pass. */
        FAIL,
        /** A rule that would count, left out for want of evidence (the note says why). */
        NOT_COUNTED,
        /** A figure shown for information; no rule. */
        REPORTED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One row of the report.
     *
     * @param candidate          the candidate's figure (null when there is none)
     * @param candidateInterval  its 95% interval, or null
     * @param serving            the serving model's figure, or null
     * @param servingInterval    its 95% interval, or null
     * @param differenceInterval a 95% interval of candidate minus serving, or null
     * @param rule               the rule in words
     * @param note               why the row is not counted, or details; may be null
     */
    public record Check(String name, Double candidate, Interval candidateInterval, Double serving,
                        Interval servingInterval, Interval differenceInterval, String rule, Status status,
                        String note) {

        JsonObject toJson() {
            return new JsonObject().put("name", name).put("candidate", number(candidate))
                    .put("candidate_ci", json(candidateInterval)).put("serving", number(serving))
                    .put("serving_ci", json(servingInterval)).put("difference_ci", json(differenceInterval))
                    .put("rule", rule).put("status", status.label())
                    .put("counted", status == Status.PASS || status == Status.FAIL)
                    .put("passed", status != Status.FAIL).put("note", note);
        }

        /** JSON has no NaN: a figure that could not be measured is null. */
        private static Double number(Double value) {
            return value == null || !Double.isFinite(value) ? null : value;
        }

        private static JsonArray json(Interval interval) {
            return interval == null ? null : new JsonArray().add(interval.low()).add(interval.high());
        }
    }

    public boolean passed() {
        return verdict == Verdict.PASS;
    }

    /** The report's verdict fields and rows. */
    public JsonObject toJson() {
        return new JsonObject().put("verdict", verdict.label()).put("passed", passed()).put("reason", reason)
                .put("checks", new JsonArray(checks.stream().map(Check::toJson).toList()));
    }

    /** Judges the evidence by the thresholds. */
    public static GateVerdict decide(GateThresholds t, GateEvidence e) {
        List<Check> checks = new ArrayList<>();
        if (e.prompts() > 0) {
            checks.add(evalLoss(t, e.evalLoss()));
            checks.add(new Check("response_length", e.candidateLength(), null, e.servingLength(), null,
                    e.lengthIncrease(), "at most " + t.maxLengthRatio() + " x serving",
                    pass(e.candidateLength() <= t.maxLengthRatio() * Math.max(1.0, e.servingLength())),
                    "mean tokens per answer"));
            checks.add(new Check("kl", e.kl(), e.klInterval(), null, null, null,
                    "at most " + t.maxKl() + " nats per answer", pass(e.kl() <= t.maxKl()), null));
            checks.add(defects(t, e));
            checks.add(intents(t, e.intents()));
            if (e.reward() != null) {
                checks.addAll(reward(t, e.reward()));
            } else {
                checks.add(new Check("win_rate", null, null, null, null, null, "at least " + t.minWinRate(),
                        Status.NOT_COUNTED, "no reward model: " + e.rewardModelNote()));
            }
        }
        String notCounted = checks.stream().filter(c -> c.status() == Status.NOT_COUNTED).map(Check::name)
                .reduce((a, b) -> a + ", " + b).map(names -> " (not counted: " + names + ")").orElse("");
        if (e.prompts() < t.minPrompts()) {
            return new GateVerdict(Verdict.NO_VERDICT, "no verdict: too few held-out prompts (" + e.prompts()
                    + " < " + t.minPrompts() + "); hold out more (dataset.evalFraction, eval_prompts) or collect"
                    + " more feedback", checks);
        }
        if (e.prompts() > 0) {
            checks.add(improvement(t, e, checks));
        }
        List<String> failed = checks.stream().filter(c -> c.status() == Status.FAIL).map(Check::name).toList();
        if (!failed.isEmpty()) {
            return new GateVerdict(Verdict.FAIL, "failed: " + String.join(", ", failed) + notCounted, checks);
        }
        return new GateVerdict(Verdict.PASS, "passed: every counted check passed on " + e.prompts()
                + " held-out prompts" + notCounted, checks);
    }

    /**
     * The measured gains among the counted checks: the eval loss's increase interval wholly below minus
     * {@code min_eval_loss_gain}, the intent match's paired gain interval wholly above 0, the trusted win rate's
     * interval wholly above 0.5.
     */
    private static Check improvement(GateThresholds t, GateEvidence e, List<Check> checks) {
        List<String> gains = new ArrayList<>();
        for (Check c : checks) {
            if (c.status() != Status.PASS) {
                continue;
            }
            switch (c.name()) {
                case "eval_loss" -> {
                    if (c.differenceInterval() != null && c.differenceInterval().high() <= -t.minEvalLossGain()) {
                        gains.add("eval_loss down " + c.differenceInterval());
                    }
                }
                case "intent_match" -> {
                    Interval gain = e.intents().gain();
                    if (gain != null && gain.low() > 0) {
                        gains.add("intent_match up " + gain);
                    }
                }
                case "win_rate" -> {
                    if (c.candidateInterval() != null && c.candidateInterval().above(0.5)) {
                        gains.add("win_rate " + c.candidateInterval());
                    }
                }
                default -> { }
            }
        }
        String rule = "better than serving by at least one counted check beyond noise (eval loss down by at least "
                + t.minEvalLossGain() + ", intent match up, or a trusted reward model's win rate above 0.5, each by "
                + "its 95% interval)";
        if (!t.requireImprovement()) {
            return new Check("improvement", null, null, null, null, null, rule, Status.REPORTED,
                    gains.isEmpty() ? "not required; none measured" : "not required; measured: "
                            + String.join(", ", gains));
        }
        return new Check("improvement", null, null, null, null, null, rule, pass(!gains.isEmpty()),
                gains.isEmpty() ? "no counted check shows a gain beyond noise: the candidate may be as good as the "
                        + "serving model, but it is not shown to be better" : String.join(", ", gains));
    }

    private static Status pass(boolean passed) {
        return passed ? Status.PASS : Status.FAIL;
    }

    private static Check evalLoss(GateThresholds t, GateEvidence.EvalLoss loss) {
        String rule = "at most serving + " + t.maxEvalLossIncrease();
        if (!Double.isFinite(loss.candidate()) || !Double.isFinite(loss.serving())) {
            return new Check("eval_loss", finite(loss.candidate()), null, finite(loss.serving()), null, null, rule,
                    Status.FAIL, "not measurable: the held-out answers have no tokens to score");
        }
        return new Check("eval_loss", loss.candidate(), null, loss.serving(), null, loss.increaseInterval(), rule,
                pass(loss.increase() <= t.maxEvalLossIncrease()),
                String.format(Locale.ROOT, "increase %+.3f%s", loss.increase(),
                        loss.increaseInterval() == null ? "" : " " + loss.increaseInterval()));
    }

    private static Check defects(GateThresholds t, GateEvidence e) {
        GateEvidence.Proportion c = e.candidateDefects();
        GateEvidence.Proportion s = e.servingDefects();
        return new Check("bad_answers", c.rate(), c.interval(), s.rate(), s.interval(), null,
                "at most serving + " + t.maxBadAnswerIncrease() + " (empty, raw {{placeholder}} or refusal)",
                pass(c.rate() <= s.rate() + t.maxBadAnswerIncrease()),
                "candidate " + (int) c.successes() + " of " + c.total()
                        + (e.defectKinds().isEmpty() ? "" : ": " + e.defectKinds()));
    }

    private static Check intents(GateThresholds t, GateEvidence.Intents intents) {
        GateEvidence.Proportion c = intents.candidate();
        GateEvidence.Proportion s = intents.serving();
        String rule = "at least serving - " + t.maxIntentMatchDrop();
        if (s.total() == 0) {
            return new Check("intent_match", null, null, null, null, null, rule, Status.NOT_COUNTED,
                    "skipped: " + intents.note());
        }
        if (s.total() < t.minPrompts()) {
            return new Check("intent_match", c.rate(), c.interval(), s.rate(), s.interval(), null, rule,
                    Status.NOT_COUNTED, "only " + s.total() + " held-out prompts carry an intent (fewer than "
                    + t.minPrompts() + "): reported but not counted; " + intents.note());
        }
        return new Check("intent_match", c.rate(), c.interval(), s.rate(), s.interval(), intents.gain(), rule,
                pass(c.rate() >= s.rate() - t.maxIntentMatchDrop()), intents.note());
    }

    private static List<Check> reward(GateThresholds t, GateEvidence.Reward r) {
        List<Check> checks = new ArrayList<>();
        String trustRule = "trusted at " + t.minRewardModelAccuracy() + " or more, 95% interval above 0.5";
        checks.add(r.pairAccuracy().total() == 0
                ? new Check("reward_model_pairs", null, null, null, null, null, trustRule, Status.REPORTED,
                        "no held-out preference pairs")
                : new Check("reward_model_pairs", r.pairAccuracy().rate(), r.pairAccuracy().interval(), null, null,
                        null, trustRule, Status.REPORTED, "accuracy on " + r.pairAccuracy().total()
                        + " held-out preference pairs (chosen scored above rejected)"));
        boolean thumbs = r.thumbsUp() > 0 && r.thumbsDown() > 0;
        checks.add(thumbs
                ? new Check("reward_model_thumbs", r.thumbsAuc(), r.thumbsInterval(), null, null, null, trustRule,
                        Status.REPORTED, "AUC on " + r.thumbsUp() + " thumbs-up and " + r.thumbsDown()
                        + " thumbs-down held-out answers (a thumbs-up answer scored above a thumbs-down one)")
                : new Check("reward_model_thumbs", null, null, null, null, null, trustRule, Status.REPORTED,
                        "no held-out thumbs-up and thumbs-down answers to compare"));
        checks.add(new Check("reward_score", finite(r.candidateMeanScore()), null, finite(r.servingMeanScore()),
                null, null, "reported", Status.REPORTED, null));
        String trust = distrust(t, r);
        GateEvidence.Proportion wins = r.wins();
        Double servingWins = wins.total() == 0 ? null : 1 - wins.rate();
        checks.add(new Check("win_rate", finite(wins.rate()), wins.interval(), servingWins, null, null,
                "at least " + t.minWinRate(), trust != null ? Status.NOT_COUNTED
                : pass(wins.rate() >= t.minWinRate()), trust != null ? trust
                : "the reward model is trusted: " + describe(r) + " reaches the trust level "
                        + t.minRewardModelAccuracy()));
        return checks;
    }

    /**
     * Why the reward model's win rate must not count, or null when it may: it is judged on held-out preference
     * pairs (what it was trained to rank), or, without any, on held-out thumbs.
     */
    static String distrust(GateThresholds t, GateEvidence.Reward r) {
        String tail = ": its win rate is reported but not counted";
        double accuracy;
        Interval interval;
        if (r.pairAccuracy().total() > 0) {
            accuracy = r.pairAccuracy().rate();
            interval = r.pairAccuracy().interval();
        } else if (r.thumbsUp() > 0 && r.thumbsDown() > 0) {
            accuracy = r.thumbsAuc();
            interval = r.thumbsInterval();
        } else {
            return "no held-out preference pairs or thumbs to measure the reward model on" + tail;
        }
        if (!(accuracy >= t.minRewardModelAccuracy())) {
            return describe(r) + " is below the trust level " + t.minRewardModelAccuracy() + tail;
        }
        if (!interval.above(0.5)) {
            return describe(r) + " reaches the trust level " + t.minRewardModelAccuracy()
                    + " but its 95% interval does not exclude chance (0.5)" + tail;
        }
        return null;
    }

    /** "reward model held-out accuracy 0.50 [0.38, 0.62] on 64 pairs", or its thumbs AUC. */
    private static String describe(GateEvidence.Reward r) {
        if (r.pairAccuracy().total() > 0) {
            return String.format(Locale.ROOT, "reward model held-out accuracy %.2f %s on %d pairs",
                    r.pairAccuracy().rate(), r.pairAccuracy().interval(), r.pairAccuracy().total());
        }
        return String.format(Locale.ROOT, "reward model held-out thumbs AUC %.2f %s on %d up and %d down answers",
                r.thumbsAuc(), r.thumbsInterval(), r.thumbsUp(), r.thumbsDown());
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
