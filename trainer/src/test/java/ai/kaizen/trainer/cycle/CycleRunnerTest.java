package ai.kaizen.trainer.cycle;

import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.db.cycle.TrainingCycle.Status;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class CycleRunnerTest {

    @Test
    void aCycleEndsAsItsGateDecided() {
        assertThat(CycleRunner.endStatus(null)).as("no evaluate stage").isEqualTo(Status.succeeded);
        assertThat(CycleRunner.endStatus(new JsonObject().put("passed", true).put("verdict", "pass")))
                .isEqualTo(Status.succeeded);
        assertThat(CycleRunner.endStatus(new JsonObject().put("passed", false).put("verdict", "fail")))
                .isEqualTo(Status.gate_failed);
        assertThat(CycleRunner.endStatus(new JsonObject().put("passed", false).put("verdict", "no_verdict")))
                .isEqualTo(Status.no_verdict);
        // results recorded before verdicts existed (a cycle resumed across the upgrade)
        assertThat(CycleRunner.endStatus(new JsonObject().put("passed", true))).isEqualTo(Status.succeeded);
        assertThat(CycleRunner.endStatus(new JsonObject().put("passed", false))).isEqualTo(Status.gate_failed);
        assertThat(Status.gate_failed.isGateRefusal()).isTrue();
        assertThat(Status.no_verdict.isGateRefusal()).isTrue();
        assertThat(Status.succeeded.isGateRefusal()).isFalse();
    }
}
