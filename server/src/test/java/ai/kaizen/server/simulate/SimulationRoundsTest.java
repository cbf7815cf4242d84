package ai.kaizen.server.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The continual-learning curve, from rounds' summaries as the simulator writes them. */
class SimulationRoundsTest {

    private static JsonObject side(String label, double rate) {
        return new JsonObject().put("label", label).put("intent_match", new JsonObject().put("rate", rate)
                .put("n", 100).put("ci", new JsonArray().add(rate - 0.1).add(rate + 0.1)));
    }

    private static JsonObject round(String serving, double servingRate, String candidate, double candidateRate,
            String verdict, String servingAfter) {
        return new JsonObject().put("serving_after", servingAfter)
                .put("cycle", new JsonObject().put("gate", new JsonObject().put("verdict", verdict)))
                .put("comparison", new JsonObject().put("serving", side(serving, servingRate))
                        .put("candidate", side(candidate, candidateRate)));
    }

    @Test
    void theServingLineMovesOnlyWhenARoundsCandidateWasPromoted(@TempDir Path dir) throws Exception {
        List<JsonObject> rounds = List.of(
                round("starter", 0.60, "cycle-1", 0.70, "pass", "cycle-1"),
                round("cycle-1", 0.70, "cycle-2", 0.50, "fail", "cycle-1"),
                round("cycle-1", 0.70, "cycle-3", 0.75, "pass", "cycle-3"));

        List<SimulationRounds.Point> curve = SimulationRounds.curve(rounds);

        assertThat(curve).extracting(SimulationRounds.Point::round).containsExactly(0, 1, 2, 3);
        assertThat(curve).extracting(p -> p.serving().getDouble("rate")).containsExactly(0.60, 0.70, 0.70, 0.75);
        assertThat(curve).extracting(SimulationRounds.Point::promoted).containsExactly(false, true, false, true);
        assertThat(curve.get(2).candidate().getDouble("rate")).isEqualTo(0.50);
        assertThat(curve.get(2).gate()).isEqualTo("fail");

        SimulationRounds.draw(curve, dir.resolve("curve.png"));
        byte[] head = Files.readAllBytes(dir.resolve("curve.png"));
        assertThat(new String(head, 1, 3, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }

    @Test
    void aSkippedComparisonLeavesTheRoundWithoutFigures() {
        JsonObject skipped = new JsonObject().put("serving_after", "starter")
                .put("comparison", new JsonObject().put("skipped", "files elsewhere"));

        List<SimulationRounds.Point> curve = SimulationRounds.curve(List.of(skipped));

        assertThat(curve).hasSize(2);
        assertThat(curve.get(1).serving()).isNull();
        assertThat(curve.get(1).promoted()).isFalse();
    }
}
