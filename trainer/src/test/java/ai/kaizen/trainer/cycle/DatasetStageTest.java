package ai.kaizen.trainer.cycle;

import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.Dataset;
import ai.kaizen.trainer.dataset.DatasetKind;
import ai.kaizen.trainer.dataset.DatasetParameters;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.Provenance;
import ai.kaizen.trainer.dataset.SftExample;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DatasetStageTest {

    @Test
    void aPreferenceOnlyCycleEvaluatesOnThePairsChosenAnswersSplitAsThePairs() {
        Instant cutOff = Instant.parse("2026-11-01T00:00:00Z");
        DatasetParameters parameters = DatasetParameters.fromJson(new JsonObject());
        PreferenceExample refund = new PreferenceExample(
                List.of(ChatMessage.system("Be brief."), ChatMessage.user("I want my money back")),
                "Refunds take 5 days; here is how to request one.", "No.", Provenance.of("pairwise", "p1"));
        PreferenceExample invoice = new PreferenceExample(List.of(ChatMessage.user("Where is my invoice?")),
                "Invoices are under Account > Billing.", "Try again later.", Provenance.of("ranking", "r7"), 1.0);
        Dataset<PreferenceExample> pairs = new Dataset<>(42, DatasetKind.PREFERENCE, cutOff, parameters,
                List.of(refund), List.of(invoice), Map.of());

        Dataset<SftExample> sft = DatasetStage.chosenAnswers(pairs);

        assertThat(sft.kind()).isEqualTo(DatasetKind.SFT);
        assertThat(sft.versionId()).isEqualTo(42);
        assertThat(sft.cutOff()).isEqualTo(cutOff);
        assertThat(sft.train()).containsExactly(new SftExample(List.of(ChatMessage.system("Be brief."),
                ChatMessage.user("I want my money back"),
                ChatMessage.assistant("Refunds take 5 days; here is how to request one.")),
                Provenance.of("pairwise", "p1")));
        assertThat(sft.eval()).containsExactly(new SftExample(List.of(ChatMessage.user("Where is my invoice?"),
                ChatMessage.assistant("Invoices are under Account > Billing.")), Provenance.of("ranking", "r7")));
        assertThat(sft.stats()).containsEntry("preference_pairs", 2);
    }
}
