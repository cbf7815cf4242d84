package ai.kaizen.trainer.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.kaizen.model.Fixtures;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.training.TrainingArguments;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Online RL scores a generated answer where the reward model was trained to read: after the whole rendered
 * conversation. The answer's ids end with the end-of-turn id; the rendered conversation has the template's newline
 * after it (the starter model's ChatML), and the two readouts differ.
 */
class RewardReadoutTest {

    @TempDir
    Path tmp;

    @Test
    void aGeneratedAnswerIsScoredAsTheRenderedConversationIs() {
        List<ChatMessage> prompt = List.of(ChatMessage.user("Where is my package?"));
        RewardConfig config = RewardTrainerTest.config(tmp.resolve("rm"), 1);
        try (LanguageModel lm = LanguageModel.load(Fixtures.inRepository("models/starter"));
                RewardTrainer trainer = new RewardTrainer(config, lm)) {
            RewardModel rm = new RewardModel(lm, trainer.head(), RewardStats.IDENTITY, false);
            int[] promptIds = lm.tokenizer().encodeChat(prompt, true);
            int[] rendered = lm.tokenizer().encodeChat(List.of(prompt.get(0), ChatMessage.assistant("It is on its way.")),
                    false);
            // the answer as the policy generates it: up to and including its end-of-turn id
            int end = rendered.length;
            while (!lm.generationConfig().eosTokenIds().contains(rendered[end - 1])) {
                end--;
            }
            assertThat(end).as("the template writes something after the turn's end").isLessThan(rendered.length);
            int[] answer = java.util.Arrays.copyOfRange(rendered, promptIds.length, end);

            double asRendered = rm.score(List.of(List.of(prompt.get(0),
                    ChatMessage.assistant("It is on its way.")))).get(0).raw();
            double asGenerated = rm.scoreAnswers(List.of(promptIds), List.of(answer)).get(0).raw();
            double atTheEndId = rm.scoreIds(List.of(java.util.Arrays.copyOf(rendered, end))).get(0).raw();

            assertThat(asGenerated).isCloseTo(asRendered, within(1e-4));
            assertThat(atTheEndId).isNotCloseTo(asRendered, within(1e-4));
        }
    }
}
