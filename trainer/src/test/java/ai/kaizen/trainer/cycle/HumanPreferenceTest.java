package ai.kaizen.trainer.cycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.kaizen.db.cycle.TrainingCycle;
import ai.kaizen.db.humaneval.VoteCounts;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The human step of the gate, on made-up votes: how they are counted, when they decide, and the final verdict. */
class HumanPreferenceTest {

    private static final Instant EXPIRES = Instant.parse("2026-12-14T03:00:00Z");

    /** The report the automatic checks leave behind a candidate that passed them. */
    private static JsonObject automaticPass() {
        return new JsonObject().put("verdict", "pass").put("passed", true)
                .put("reason", "passed: every counted check passed on 32 held-out prompts")
                .put("candidate_version_id", 7).put("prompts", 32)
                .put("checks", new JsonArray().add(new JsonObject().put("name", "kl").put("status", "pass")));
    }

    private static JsonObject pendingReport() {
        return HumanPreference.pending(automaticPass(), VoteCounts.NONE, 20, EXPIRES, 20);
    }

    @Test
    void tiesAndBothBadCountHalfAsInChatbotArena() {
        GateEvidence.Proportion rate = HumanPreference.winRate(new VoteCounts(6, 2, 1, 1, 3));
        assertThat(rate.total()).isEqualTo(10); // skips are no votes
        assertThat(rate.successes()).isEqualTo(7.0);
        assertThat(rate.rate()).isEqualTo(0.7);
        assertThat(HumanPreference.winRate(new VoteCounts(0, 0, 4, 4, 0)).rate()).isEqualTo(0.5);
    }

    @Test
    void whileVotesAreMissingTheVerdictIsPendingAndShowsProgressNotDirection() {
        JsonObject report = HumanPreference.pending(pendingReport(), new VoteCounts(9, 1, 0, 0, 2), 20, EXPIRES, 20);

        assertThat(report.getString("verdict")).isEqualTo("pending");
        assertThat(report.getBoolean("passed")).isFalse();
        assertThat(report.getString("automatic_verdict")).isEqualTo("pass");
        assertThat(report.getString("reason")).isEqualTo("awaiting human evaluation: 10 of 20 votes (the automatic"
                + " checks passed)");
        JsonObject human = report.getJsonObject("human_evaluation");
        assertThat(human.getInteger("votes")).isEqualTo(10);
        assertThat(human.getInteger("skips")).isEqualTo(2);
        assertThat(human.getString("expires_at")).isEqualTo("2026-12-14T03:00:00Z");
        // no peeking: which way the votes go is not in the report before they count
        assertThat(human.fieldNames()).doesNotContain("candidate_wins", "serving_wins", "win_rate");
        assertThat(HumanPreference.due(new VoteCounts(9, 1, 0, 0, 2), 20, false)).isFalse();
        assertThat(HumanPreference.due(new VoteCounts(9, 1, 10, 0, 0), 20, false)).isTrue();
        assertThat(HumanPreference.due(VoteCounts.NONE, 20, true)).isTrue();
    }

    @Test
    void aCandidateReviewersFindNoWorsePasses() {
        // 9 wins, 8 losses, 3 ties: 0.525 [0.32, 0.72]: no evidence that it is worse
        JsonObject report = HumanPreference.conclude(pendingReport(), new VoteCounts(9, 8, 3, 0, 1), 20, false);

        assertThat(report.getString("verdict")).isEqualTo("pass");
        assertThat(report.getBoolean("passed")).isTrue();
        assertThat(report.getString("reason")).isEqualTo("passed: every counted check passed on 32 held-out prompts;"
                + " reviewers: win rate 0.53 [0.32, 0.72] on 20 votes");
        JsonObject row = row(report);
        assertThat(row.getString("status")).isEqualTo("pass");
        assertThat(row.getDouble("candidate")).isEqualTo(0.525);
        assertThat(row.getDouble("serving")).isEqualTo(0.475);
        assertThat(row.getJsonArray("candidate_ci").getDouble(0)).isBetween(0.31, 0.33);
        assertThat(report.getJsonArray("checks")).hasSize(2); // the automatic rows stay
        JsonObject human = report.getJsonObject("human_evaluation");
        assertThat(human.getInteger("candidate_wins")).isEqualTo(9);
        assertThat(human.getInteger("serving_wins")).isEqualTo(8);
        assertThat(human.getInteger("ties")).isEqualTo(3);
        assertThat(human.getString("status")).isEqualTo("pass");
        assertThat(CycleRunner.endStatus(report)).isEqualTo(TrainingCycle.Status.succeeded);
    }

    @Test
    void aCandidateReviewersFindWorseBeyondNoiseFails() {
        // 4 wins, 14 losses, 2 both bad: 0.25 [0.11, 0.47]: the whole interval is below 0.5
        JsonObject report = HumanPreference.conclude(pendingReport(), new VoteCounts(4, 14, 0, 2, 0), 20, false);

        assertThat(report.getString("verdict")).isEqualTo("fail");
        assertThat(report.getString("reason")).isEqualTo("failed: human_preference (reviewers prefer the serving"
                + " model: 20 votes: candidate 4, serving 14, tie 0, both bad 2)");
        assertThat(row(report).getJsonArray("candidate_ci").getDouble(1)).isLessThan(0.5);
        assertThat(CycleRunner.endStatus(report)).isEqualTo(TrainingCycle.Status.gate_failed);
    }

    @Test
    void worseWithinNoiseIsNotAFailure() {
        // 7 of 20 (0.35 [0.18, 0.57]): fewer wins, but an interval that holds 0.5
        JsonObject report = HumanPreference.conclude(pendingReport(), new VoteCounts(7, 13, 0, 0, 0), 20, false);
        assertThat(report.getString("verdict")).isEqualTo("pass");
    }

    @Test
    void anExpiredWaitIsJudgedOnTheVotesItHas() {
        JsonObject none = HumanPreference.conclude(pendingReport(), VoteCounts.NONE, 20, true);
        assertThat(none.getString("verdict")).isEqualTo("no_verdict");
        assertThat(none.getString("reason")).isEqualTo("no verdict: the wait expired with 0 of 20 votes");
        assertThat(none.getJsonObject("human_evaluation").getBoolean("expired")).isTrue();
        assertThat(CycleRunner.endStatus(none)).isEqualTo(TrainingCycle.Status.no_verdict);

        JsonObject few = HumanPreference.conclude(pendingReport(), new VoteCounts(3, 2, 0, 0, 0), 20, true);
        assertThat(few.getString("verdict")).isEqualTo("no_verdict");
        assertThat(row(few).getString("status")).isEqualTo("not_counted");

        // even a few votes can show a candidate worse: 0 of 9 is [0, 0.30]
        JsonObject worse = HumanPreference.conclude(pendingReport(), new VoteCounts(0, 9, 0, 0, 0), 20, true);
        assertThat(worse.getString("verdict")).isEqualTo("fail");
    }

    @Test
    void concludingTwiceKeepsOneHumanRow() {
        JsonObject once = HumanPreference.conclude(pendingReport(), new VoteCounts(10, 10, 0, 0, 0), 20, false);
        JsonObject twice = HumanPreference.conclude(once, new VoteCounts(10, 10, 0, 0, 0), 20, false);
        assertThat(twice.getJsonArray("checks")).hasSize(2);
    }

    @Test
    void settingsComeFromTheGateOptions() {
        assertThat(HumanEvalSettings.fromJson(new JsonObject())).isEqualTo(HumanEvalSettings.OFF);
        assertThat(HumanEvalSettings.OFF.enabled()).isFalse();
        HumanEvalSettings s = HumanEvalSettings.fromJson(new JsonObject().put("human_votes", 30));
        assertThat(s.enabled()).isTrue();
        assertThat(s.promptsOf(100)).isEqualTo(30);
        assertThat(s.promptsOf(12)).isEqualTo(12);
        assertThat(HumanEvalSettings.fromJson(new JsonObject().put("human_votes", 30).put("human_prompts", 10))
                .promptsOf(100)).isEqualTo(10);
        assertThatThrownBy(() -> HumanEvalSettings.fromJson(new JsonObject().put("human_votes", -1)))
                .hasMessageContaining("gate.human_votes");
        assertThatThrownBy(() -> HumanEvalSettings.fromJson(new JsonObject().put("human_eval_hours", 0)))
                .hasMessageContaining("gate.human_eval_hours");
    }

    private static JsonObject row(JsonObject report) {
        return report.getJsonArray("checks").stream().map(JsonObject.class::cast)
                .filter(c -> c.getString("name").equals(HumanPreference.CHECK)).findFirst().orElseThrow();
    }
}
