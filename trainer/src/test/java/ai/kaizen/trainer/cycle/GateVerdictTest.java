package ai.kaizen.trainer.cycle;

import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.cycle.GateEvidence.Proportion;
import ai.kaizen.trainer.cycle.GateVerdict.Status;
import ai.kaizen.trainer.cycle.GateVerdict.Verdict;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.Provenance;
import ai.kaizen.trainer.dataset.ThumbsExample;
import ai.kaizen.trainer.reward.RewardTrainer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The gate's decision on made-up evidence: no model is loaded. */
class GateVerdictTest {

    private static final GateThresholds DEFAULTS = GateThresholds.DEFAULTS;
    private static final GateEvidence.Intents NO_INTENTS = new GateEvidence.Intents(new Proportion(0, 0),
            new Proportion(0, 0), "no held-out prompt carries an intent");

    /** A candidate as good as the serving model on every count, on {@code prompts} held-out prompts. */
    private static GateEvidence evidence(int prompts, GateEvidence.EvalLoss loss, Proportion candidateDefects,
                                         GateEvidence.Intents intents, GateEvidence.Reward reward) {
        return new GateEvidence(prompts, loss, 20, 22, null, 3.0, null, new Proportion(1, prompts),
                candidateDefects, Map.of(), intents, reward, reward == null ? "none given (reward_model_dir)" : null);
    }

    private static GateEvidence fine(int prompts, GateEvidence.Reward reward) {
        return evidence(prompts, new GateEvidence.EvalLoss(0.63, 0.60, new Interval(-0.05, -0.01)),
                new Proportion(1, prompts), NO_INTENTS, reward);
    }

    private static GateEvidence.Reward judge(Proportion pairs, Proportion wins) {
        return new GateEvidence.Reward(pairs, Double.NaN, 0, 0, 0.1, 0.4, wins);
    }

    private static GateVerdict.Check check(GateVerdict verdict, String name) {
        return verdict.checks().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void tooFewHeldOutPromptsGiveNoVerdictHoweverGoodTheFigures() {
        // the case: a loss from 0.63 to 1.04 on 2 prompts passed a gate that tolerated 0.5
        GateThresholds lenient = GateThresholds.fromJson(new JsonObject().put("max_eval_loss_increase", 0.5));
        GateVerdict verdict = GateVerdict.decide(lenient, evidence(2,
                new GateEvidence.EvalLoss(0.63, 1.04, null), new Proportion(0, 2), NO_INTENTS, null));

        assertThat(verdict.verdict()).isEqualTo(Verdict.NO_VERDICT);
        assertThat(verdict.passed()).isFalse();
        assertThat(verdict.reason()).startsWith("no verdict: too few held-out prompts (2 < 30)");
        assertThat(verdict.checks()).extracting(GateVerdict.Check::name)
                .contains("eval_loss", "response_length", "kl", "bad_answers", "intent_match", "win_rate");
        assertThat(GateVerdict.decide(DEFAULTS, fine(29, null)).verdict()).isEqualTo(Verdict.NO_VERDICT);
        assertThat(GateVerdict.decide(DEFAULTS, fine(30, null)).verdict()).isEqualTo(Verdict.PASS);
        GateThresholds fewer = GateThresholds.fromJson(new JsonObject().put("min_prompts", 2));
        assertThat(GateVerdict.decide(fewer, fine(2, null)).verdict()).isEqualTo(Verdict.PASS);

        GateVerdict empty = GateVerdict.decide(DEFAULTS, fine(0, null));
        assertThat(empty.verdict()).isEqualTo(Verdict.NO_VERDICT);
        assertThat(empty.reason()).contains("(0 < 30)");
        assertThat(empty.checks()).isEmpty();
    }

    @Test
    void aRewardModelAtChanceOnHeldOutPairsDoesNotGetItsWinRateCounted() {
        // perfect win rate from a judge that ranks held-out pairs no better than a coin
        GateVerdict verdict = GateVerdict.decide(DEFAULTS, fine(64,
                judge(new Proportion(32, 64), new Proportion(64, 64))));

        GateVerdict.Check winRate = check(verdict, "win_rate");
        assertThat(winRate.status()).isEqualTo(Status.NOT_COUNTED);
        assertThat(winRate.candidate()).isEqualTo(1.0);
        assertThat(winRate.note()).isEqualTo("reward model held-out accuracy 0.50 [0.38, 0.62] on 64 pairs is below"
                + " the trust level 0.65: its win rate is reported but not counted");
        assertThat(check(verdict, "reward_model_pairs").candidate()).isEqualTo(0.5);
        assertThat(verdict.verdict()).isEqualTo(Verdict.PASS);
        assertThat(verdict.reason()).contains("not counted: intent_match, win_rate");

        // ...and a judge at chance cannot fail a candidate either
        GateVerdict losing = GateVerdict.decide(DEFAULTS, fine(64,
                judge(new Proportion(32, 64), new Proportion(0, 64))));
        assertThat(losing.verdict()).isEqualTo(Verdict.PASS);

        // the reward model with eval accuracy 0.0
        GateVerdict inverted = GateVerdict.decide(DEFAULTS, fine(64,
                judge(new Proportion(0, 64), new Proportion(64, 64))));
        assertThat(check(inverted, "win_rate").status()).isEqualTo(Status.NOT_COUNTED);
    }

    @Test
    void aTrustedRewardModelsWinRateCounts() {
        GateEvidence.Reward trusted = judge(new Proportion(52, 64), new Proportion(20, 64));
        GateVerdict verdict = GateVerdict.decide(DEFAULTS, fine(64, trusted));

        assertThat(check(verdict, "win_rate").status()).isEqualTo(Status.FAIL);
        assertThat(check(verdict, "win_rate").note()).startsWith("the reward model is trusted: reward model"
                + " held-out accuracy 0.81 [0.70, 0.89] on 64 pairs");
        assertThat(verdict.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(verdict.reason()).startsWith("failed: win_rate");

        GateVerdict winning = GateVerdict.decide(DEFAULTS, fine(64,
                judge(new Proportion(52, 64), new Proportion(40, 64))));
        assertThat(check(winning, "win_rate").status()).isEqualTo(Status.PASS);
        assertThat(winning.verdict()).isEqualTo(Verdict.PASS);
    }

    @Test
    void aRewardModelAboveTheTrustLevelOnTooFewPairsIsStillNotTrusted() {
        GateVerdict verdict = GateVerdict.decide(DEFAULTS, fine(64,
                judge(new Proportion(7, 10), new Proportion(0, 64))));

        assertThat(check(verdict, "win_rate").status()).isEqualTo(Status.NOT_COUNTED);
        assertThat(check(verdict, "win_rate").note()).contains("0.70 [0.40, 0.89] on 10 pairs")
                .contains("does not exclude chance");
    }

    @Test
    void withoutHeldOutPairsTheRewardModelIsJudgedOnThumbsAndWithoutEitherItIsNotTrusted() {
        GateEvidence.Reward onThumbs = new GateEvidence.Reward(new Proportion(0, 0), 0.55, 40, 30, 0, 0,
                new Proportion(50, 64));
        GateVerdict verdict = GateVerdict.decide(DEFAULTS, fine(64, onThumbs));
        assertThat(check(verdict, "win_rate").note()).startsWith("reward model held-out thumbs AUC 0.55")
                .contains("40 up and 30 down").contains("below the trust level 0.65");
        assertThat(check(verdict, "reward_model_thumbs").candidateInterval()).isNotNull();

        GateEvidence.Reward blind = new GateEvidence.Reward(new Proportion(0, 0), Double.NaN, 0, 0, 0, 0,
                new Proportion(50, 64));
        assertThat(check(GateVerdict.decide(DEFAULTS, fine(64, blind)), "win_rate").note())
                .startsWith("no held-out preference pairs or thumbs");
    }

    @Test
    void aHeldOutLossIncreaseFailsTheGate() {
        GateVerdict verdict = GateVerdict.decide(DEFAULTS, evidence(40,
                new GateEvidence.EvalLoss(0.63, 1.04, new Interval(0.3, 0.5)), new Proportion(0, 40), NO_INTENTS,
                null));

        assertThat(verdict.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(verdict.reason()).startsWith("failed: eval_loss");
        assertThat(check(verdict, "eval_loss").note()).isEqualTo("increase +0.410 [0.30, 0.50]");
        JsonObject json = verdict.toJson();
        assertThat(json.getString("verdict")).isEqualTo("fail");
        assertThat(json.getBoolean("passed")).isFalse();
        JsonObject row = json.getJsonArray("checks").getJsonObject(0);
        assertThat(row.getString("status")).isEqualTo("fail");
        assertThat(row.getBoolean("counted")).isTrue();
        assertThat(row.getJsonArray("difference_ci").getDouble(0)).isEqualTo(0.3);
    }

    @Test
    void moreDefectiveAnswersThanTheServingModelFailTheGate() {
        GateVerdict verdict = GateVerdict.decide(DEFAULTS, evidence(40,
                new GateEvidence.EvalLoss(0.6, 0.6, null), new Proportion(6, 40), NO_INTENTS, null));
        assertThat(check(verdict, "bad_answers").status()).isEqualTo(Status.FAIL);
        assertThat(check(verdict, "bad_answers").candidateInterval()).isEqualTo(Interval.wilson(6, 40));
        assertThat(verdict.verdict()).isEqualTo(Verdict.FAIL);
    }

    @Test
    void theIntentCheckCountsOnlyWithEnoughPromptsThatCarryAnIntent() {
        // a lower eval loss is the gain, so that the verdicts below turn on the intent check alone
        GateEvidence.EvalLoss loss = new GateEvidence.EvalLoss(0.6, 0.58, new Interval(-0.04, -0.01));
        GateVerdict none = GateVerdict.decide(DEFAULTS, evidence(40, loss, new Proportion(1, 40), NO_INTENTS, null));
        assertThat(check(none, "intent_match").status()).isEqualTo(Status.NOT_COUNTED);
        assertThat(check(none, "intent_match").note()).isEqualTo("skipped: no held-out prompt carries an intent");

        GateEvidence.Intents few = new GateEvidence.Intents(new Proportion(8, 10), new Proportion(2, 10), "10 of 40");
        GateVerdict reported = GateVerdict.decide(DEFAULTS, evidence(40, loss, new Proportion(1, 40), few, null));
        assertThat(check(reported, "intent_match").status()).isEqualTo(Status.NOT_COUNTED);
        assertThat(check(reported, "intent_match").note()).startsWith("only 10 held-out prompts carry an intent");
        assertThat(reported.verdict()).isEqualTo(Verdict.PASS);

        GateEvidence.Intents worse = new GateEvidence.Intents(new Proportion(30, 40), new Proportion(24, 40), "all");
        GateVerdict failed = GateVerdict.decide(DEFAULTS, evidence(40, loss, new Proportion(1, 40), worse, null));
        assertThat(check(failed, "intent_match").status()).isEqualTo(Status.FAIL);
        assertThat(failed.verdict()).isEqualTo(Verdict.FAIL);
        GateEvidence.Intents same = new GateEvidence.Intents(new Proportion(30, 40), new Proportion(29, 40), "all");
        assertThat(GateVerdict.decide(DEFAULTS, evidence(40, loss, new Proportion(1, 40), same, null)).verdict())
                .isEqualTo(Verdict.PASS);
    }

    @Test
    void theRewardModelsAgreementIsMeasuredWithAnyScorer() {
        // a fake judge: longer answers are better
        ResponseScorer byLength = (conversation, answer) -> answer.length();
        List<ChatMessage> prompt = List.of(ChatMessage.user("Where is my order?"));
        List<PreferenceExample> pairs = List.of(
                new PreferenceExample(prompt, "It ships today, tracking follows.", "No.", Provenance.NONE),
                new PreferenceExample(prompt, "Yes.", "Let me look that up for you.", Provenance.NONE),
                new PreferenceExample(prompt, "Same", "Size", Provenance.NONE));
        assertThat(RewardModelAgreement.pairAccuracy(byLength, pairs)).isEqualTo(new Proportion(1.5, 3));
        assertThat(RewardModelAgreement.pairAccuracy((c, a) -> 0, pairs).rate()).isEqualTo(0.5);

        List<ThumbsExample> thumbs = List.of(
                new ThumbsExample(prompt, "A long and helpful answer.", true, Provenance.NONE),
                new ThumbsExample(prompt, "Short.", true, Provenance.NONE),
                new ThumbsExample(prompt, "Meh.", false, Provenance.NONE),
                new ThumbsExample(prompt, "A rambling answer that helps nobody at all.", false, Provenance.NONE));
        RewardModelAgreement.ThumbsAuc auc = RewardModelAgreement.thumbsAuc(byLength, thumbs);
        assertThat(auc.up()).isEqualTo(2);
        assertThat(auc.down()).isEqualTo(2);
        // up 26 beats down 4, loses to 43; up 6 beats 4, loses to 43: 2 of 4
        assertThat(auc.auc()).isEqualTo(0.5);
        assertThat(RewardTrainer.auc(List.of(1.0), List.of())).isNaN();
    }

    @Test
    void theThresholdsAreReadFromTheRequestWithDefaults() {
        GateThresholds t = GateThresholds.fromJson(new JsonObject().put("min_prompts", 50)
                .put("min_reward_model_accuracy", 0.7).put("max_kl", 10));
        assertThat(t.minPrompts()).isEqualTo(50);
        assertThat(t.minRewardModelAccuracy()).isEqualTo(0.7);
        assertThat(t.maxKl()).isEqualTo(10.0);
        assertThat(t.maxBadAnswerIncrease()).isEqualTo(0.05);
        assertThat(GateThresholds.fromJson(new JsonObject())).isEqualTo(DEFAULTS);
        assertThat(GateThresholds.fromJson(t.toJson())).isEqualTo(t);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> GateThresholds.fromJson(
                new JsonObject().put("min_prompts", 0))).hasMessageContaining("min_prompts");
    }

    @Test
    void aCandidateNoWorseButNotShownBetterFailsUnlessImprovementIsNotRequired() {
        // the eval loss as good within noise, intents not known, no reward model: nothing shows a gain
        GateEvidence same = evidence(64, new GateEvidence.EvalLoss(0.63, 0.63, new Interval(-0.02, 0.02)),
                new Proportion(1, 64), NO_INTENTS, null);

        GateVerdict verdict = GateVerdict.decide(DEFAULTS, same);

        assertThat(verdict.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(verdict.reason()).startsWith("failed: improvement");
        assertThat(check(verdict, "improvement").note()).contains("not shown to be better");
        GateThresholds lenient = GateThresholds.fromJson(new JsonObject().put("require_improvement", false));
        GateVerdict notRequired = GateVerdict.decide(lenient, same);
        assertThat(notRequired.verdict()).isEqualTo(Verdict.PASS);
        assertThat(check(notRequired, "improvement").status()).isEqualTo(Status.REPORTED);
    }

    @Test
    void anEvalLossFallTooSmallToMatterIsNoImprovement() {
        // measured: a standard cycle lowered the loss by 0.0016, beyond noise, and customers saw no difference
        GateEvidence tiny = evidence(64, new GateEvidence.EvalLoss(0.8231, 0.8215, new Interval(-0.0018, -0.0013)),
                new Proportion(1, 64), NO_INTENTS, null);
        GateEvidence clear = evidence(64, new GateEvidence.EvalLoss(0.82, 0.79, new Interval(-0.04, -0.02)),
                new Proportion(1, 64), NO_INTENTS, null);

        GateVerdict small = GateVerdict.decide(DEFAULTS, tiny);
        assertThat(small.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(small.reason()).startsWith("failed: improvement");
        assertThat(check(small, "eval_loss").status()).isEqualTo(Status.PASS);
        assertThat(check(small, "improvement").rule()).contains("eval loss down by at least 0.01");
        assertThat(GateVerdict.decide(DEFAULTS, clear).verdict()).isEqualTo(Verdict.PASS);
        GateThresholds anyFall = GateThresholds.fromJson(new JsonObject().put("min_eval_loss_gain", 0));
        assertThat(GateVerdict.decide(anyFall, tiny).verdict()).isEqualTo(Verdict.PASS);
        assertThat(check(GateVerdict.decide(anyFall, tiny), "improvement").note())
                .startsWith("eval_loss down");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> GateThresholds.fromJson(
                new JsonObject().put("min_eval_loss_gain", -0.1))).hasMessageContaining("min_eval_loss_gain");
    }

    @Test
    void anIntentMatchGainBeyondNoiseIsAnImprovementAndOneWithinNoiseIsNot() {
        GateEvidence.EvalLoss flat = new GateEvidence.EvalLoss(0.63, 0.63, new Interval(-0.02, 0.02));
        GateEvidence.Intents better = new GateEvidence.Intents(new Proportion(20, 40), new Proportion(30, 40), "all",
                new Interval(0.1, 0.4));
        GateEvidence.Intents noisy = new GateEvidence.Intents(new Proportion(20, 40), new Proportion(23, 40), "all",
                new Interval(-0.05, 0.2));

        GateVerdict gained = GateVerdict.decide(DEFAULTS, evidence(40, flat, new Proportion(1, 40), better, null));
        GateVerdict unsure = GateVerdict.decide(DEFAULTS, evidence(40, flat, new Proportion(1, 40), noisy, null));

        assertThat(gained.verdict()).isEqualTo(Verdict.PASS);
        assertThat(check(gained, "improvement").note()).isEqualTo("intent_match up [0.10, 0.40]");
        assertThat(check(gained, "intent_match").differenceInterval()).isEqualTo(new Interval(0.1, 0.4));
        assertThat(unsure.verdict()).isEqualTo(Verdict.FAIL);
        assertThat(check(unsure, "improvement").status()).isEqualTo(Status.FAIL);
    }
}
