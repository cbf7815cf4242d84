package ai.kaizen.server.simulate;

import ai.kaizen.model.Fixtures;
import ai.kaizen.trainer.cycle.IntentJudge;
import ai.kaizen.trainer.dataset.BitextImport;
import ai.kaizen.trainer.starter.HeldOutSplit;
import ai.kaizen.trainer.starter.StarterData;
import ai.kaizen.trainer.starter.StarterRecipe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Where the customers' messages come from and how they are split. */
class SimulationPromptsTest {

    private static List<SimulationPrompt> prompts(int n) {
        return IntStream.range(0, n).mapToObj(i -> new SimulationPrompt("message " + i, "intent", null)).toList();
    }

    @Test
    void theSplitIsByMessageSeededAndDisjoint() {
        List<SimulationPrompt> all = new ArrayList<>(prompts(50));
        all.add(new SimulationPrompt("message 3", "intent", null)); // a repeat counts once
        SimulationPrompts.Split split = SimulationPrompts.Split.of(all, 10, 7);
        assertThat(split.evaluation()).hasSize(10);
        assertThat(split.feedback()).hasSize(40);
        Set<String> evaluation = new HashSet<>(split.evaluation().stream().map(SimulationPrompt::message).toList());
        assertThat(split.feedback()).noneMatch(p -> evaluation.contains(p.message()));
        assertThat(SimulationPrompts.Split.of(all, 10, 7)).isEqualTo(split);
        assertThat(SimulationPrompts.Split.of(all, 10, 8)).isNotEqualTo(split);
        assertThatThrownBy(() -> SimulationPrompts.Split.of(prompts(5), 5, 7))
                .hasMessageContaining("leaves none for the customers");
    }

    @Test
    void bitextTrainingLeavesTheStarterModelsHeldOutMessagesOut() {
        Path bitext = Fixtures.inRepository("data/bitext");
        List<SimulationPrompt> training = SimulationPrompts.bitextTraining(bitext);
        assertThat(training).hasSizeGreaterThan(3000)
                .allSatisfy(p -> assertThat(p.reference()).isNotBlank())
                .extracting(SimulationPrompt::message).doesNotHaveDuplicates();
        assertThat(training.stream().map(SimulationPrompt::intent).distinct().count()).isEqualTo(27);
        // the starter recipe's split: 10% of each intent's messages, seed 7
        List<BitextImport.LabelledRow> rows = new ArrayList<>(BitextImport.labelledRows(
                bitext.resolve("detailed_responses.csv")));
        rows.addAll(BitextImport.labelledRows(bitext.resolve("canned_responses.csv")));
        HeldOutSplit heldOut = HeldOutSplit.of(rows, StarterData.HELD_OUT_FRACTION, StarterRecipe.SEED);
        assertThat(heldOut.heldOut()).hasSizeGreaterThan(300);
        assertThat(training).noneMatch(p -> heldOut.isHeldOut(p.message()));
    }

    @Test
    void jsonlLinesTakeTheirIntentOrTheBitextOne(@TempDir Path dir) throws Exception {
        IntentJudge intents = IntentJudge.fromBitext(Fixtures.inRepository("data/bitext"));
        Path file = dir.resolve("prompts.jsonl");
        Files.writeString(file, """
                {"prompt": "Where is my parcel?", "intent": "track_order", "reference": "It is on its way."}

                {"prompt": "how can I cancel purchase 113542617735902?"}
                """);
        assertThat(SimulationPrompts.fromJsonl(file, intents)).containsExactly(
                new SimulationPrompt("Where is my parcel?", "track_order", "It is on its way."),
                new SimulationPrompt("how can I cancel purchase 113542617735902?", "cancel_order", null));
        Files.writeString(file, "{\"prompt\": \"Where is my parcel?\"}\n");
        assertThatThrownBy(() -> SimulationPrompts.fromJsonl(file, intents))
                .hasMessageContaining("prompts.jsonl:1").hasMessageContaining("no \"intent\"");
        Files.writeString(file, "[1]\n");
        assertThatThrownBy(() -> SimulationPrompts.fromJsonl(file, intents))
                .hasMessageContaining("not a JSON object");
    }
}
