package ai.kaizen.trainer.cycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** Presets fill a cycle's request; the request's own options win. */
class CyclePresetsTest {

    @Test
    void everyPresetSaysWhatItIsFor() {
        assertThat(CyclePresets.names()).containsExactlyInAnyOrder("tiny", "standard", "preference");
        for (String name : CyclePresets.names()) {
            assertThat(CyclePresets.description(name)).as(name).isNotBlank();
        }
    }

    @Test
    void thePreferencePresetAddsDpoUnlessTheRequestNamesItsOwnStages() {
        JsonObject preference = CyclePresets.apply(new JsonObject().put("preset", "preference"));
        assertThat(preference.getJsonArray("stages")).containsExactly("dataset", "sft", "dpo", "evaluate");
        assertThat(preference.getJsonObject("dpo").getDouble("learning_rate")).isEqualTo(3e-5);

        JsonObject mine = CyclePresets.apply(new JsonObject().put("preset", "preference")
                .put("stages", new JsonArray().add("dataset").add("sft").add("evaluate"))
                .put("dpo", new JsonObject().put("beta", 0.2)));
        assertThat(mine.getJsonArray("stages")).containsExactly("dataset", "sft", "evaluate");
        assertThat(mine.getJsonObject("dpo").getDouble("beta")).isEqualTo(0.2);
        assertThat(mine.getJsonObject("dpo").getDouble("learning_rate")).isEqualTo(3e-5);
    }

    @Test
    void theStandardPresetAsksForAMeasuredGainAndTinyDoesNot() {
        assertThat(CyclePresets.apply(new JsonObject()).getString("preset")).isEqualTo("standard");
        assertThat(GateThresholds.fromJson(CyclePresets.apply(new JsonObject()).getJsonObject("gate",
                new JsonObject())).requireImprovement()).isTrue();
        assertThat(GateThresholds.fromJson(CyclePresets.apply(new JsonObject().put("preset", "tiny"))
                .getJsonObject("gate")).requireImprovement()).isFalse();
        assertThatThrownBy(() -> CyclePresets.apply(new JsonObject().putNull("preset")))
                .hasMessageContaining("presets are");
    }
}
