package ai.kaizen.server.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GateClearanceTest {

    @Test
    void onlyAVersionItsGatePassedOrNoCycleTrainedIsPromotedWithoutAnOverride() {
        assertThat(GateClearance.of(1, null, null)).isEqualTo(new GateClearance("none", null));
        assertThat(GateClearance.of(7, 3L, "{\"verdict\":\"pass\",\"passed\":true}").needsOverride()).isFalse();
        assertThat(GateClearance.of(7, 3L, "{\"passed\":true}").gate()).as("a report from before verdicts")
                .isEqualTo("passed");

        GateClearance failed = GateClearance.of(7, 3L,
                "{\"verdict\":\"fail\",\"passed\":false,\"reason\":\"failed: eval_loss\"}");
        assertThat(failed.gate()).isEqualTo("failed");
        assertThat(failed.refusal()).isEqualTo("the evaluation gate failed model version 7 (cycle 3: failed:"
                + " eval_loss): promoting it needs an override, {\"override_reason\": \"why\"}");

        GateClearance unsure = GateClearance.of(7, 3L, "{\"verdict\":\"no_verdict\",\"passed\":false,"
                + "\"reason\":\"no verdict: too few held-out prompts (2 < 30)\"}");
        assertThat(unsure.gate()).isEqualTo("no_verdict");
        assertThat(unsure.refusal()).startsWith("the evaluation gate gave no verdict on model version 7 (cycle 3:"
                + " no verdict: too few held-out prompts (2 < 30))");

        GateClearance never = GateClearance.of(7, 3L, null);
        assertThat(never.gate()).isEqualTo("not_evaluated");
        assertThat(never.needsOverride()).isTrue();
        assertThat(GateClearance.of(7, 3L, "{\"passed\":false}").gate()).isEqualTo("failed");

        // passed the automatic checks, but reviewers have not voted yet (or the cycle was cancelled meanwhile)
        GateClearance pending = GateClearance.of(7, 3L, "{\"verdict\":\"pending\",\"passed\":false,"
                + "\"automatic_verdict\":\"pass\",\"reason\":\"awaiting human evaluation: 2 of 20 votes\"}");
        assertThat(pending.gate()).isEqualTo("pending");
        assertThat(pending.needsOverride()).isTrue();
        assertThat(pending.refusal()).startsWith("the evaluation gate has not given its verdict on model version 7"
                + " (cycle 3: awaiting human evaluation: 2 of 20 votes)");
    }
}
