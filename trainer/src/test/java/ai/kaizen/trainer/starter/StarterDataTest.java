package ai.kaizen.trainer.starter;

import ai.kaizen.trainer.sft.TestData;
import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.trainer.dataset.BitextImport.LabelledRow;
import ai.kaizen.trainer.dataset.SftExample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The held-out customer messages reach no training step. */
class StarterDataTest {

    @Test
    void heldOutMessagesAreInNoTrainingTextAndEveryIntentIsHeldOut() {
        StarterData data = StarterData.of(StarterCorpus.load(TestData.data("")), StarterRecipe.SEED);
        List<LabelledRow> heldOut = data.heldOutDetailed();
        assertThat(heldOut).hasSizeBetween(300, 500);
        assertThat(heldOut.stream().map(LabelledRow::intent).collect(Collectors.toSet())).hasSize(27);

        Set<String> held = heldOut.stream().map(LabelledRow::instruction).collect(Collectors.toSet());
        List<String> documents = data.pretrainingDocuments(StarterRecipe.SEED);
        Set<String> firstLines = new HashSet<>();
        for (String d : documents) {
            firstLines.add(d.split("\n\n", 2)[0]);
        }
        assertThat(firstLines).doesNotContainAnyElementsOf(held);
        assertThat(data.tokenizerTexts()).containsExactlyInAnyOrderElementsOf(documents);
        List<SftExample> chat = data.trainChat(StarterRecipe.SEED);
        for (SftExample e : chat) {
            String user = e.messages().stream().filter(m -> m.role().equals("user")).findFirst().orElseThrow()
                    .content();
            assertThat(held).doesNotContain(user);
        }
        // Bitext's fixed order numbers leave the answers for the placeholder (one row answers another number than
        // its message's, and stays)
        assertThat(chat).hasSameSizeAs(data.trainDetailed())
                .anyMatch(e -> e.completion().contains("{{Order Number Anonymized}}"));
        assertThat(data.trainDetailed().stream().filter(r -> r.response().contains("370795561790")))
                .hasSizeGreaterThan(50);
        assertThat(chat.stream().filter(e -> e.completion().contains("370795561790"))).hasSizeLessThan(3);
        assertThat(data.trainCanned()).noneMatch(r -> held.contains(r.instruction()));
        assertThat(data.heldOutChat()).hasSameSizeAs(heldOut);
    }
}
