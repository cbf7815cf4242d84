package ai.kaizen.trainer.cycle;

import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.ShippedData;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IntentJudgeTest {

    @TempDir
    Path home;

    @Test
    void aPromptCarriesTheIntentOfTheBitextMessageItIsAndAnswersAreClassified() {
        IntentJudge judge = IntentJudge.fromBitext(ShippedData.bitext(home));

        // the first row of detailed_responses.csv, in other case and spacing
        assertThat(judge.intentOf(List.of(ChatMessage.system("Be brief."),
                ChatMessage.user("  How can I cancel   purchase 113542617735902? ")))).contains("cancel_order");
        assertThat(judge.intentOf(List.of(ChatMessage.user("Where is my order?"),
                ChatMessage.assistant("It ships today."), ChatMessage.user("Thanks, and my invoice?")))).isEmpty();
        assertThat(judge.intentOfAnswer("To cancel your order, open Order History, choose the order and click"
                + " Cancel Order; the cancellation is confirmed by email.")).isEqualTo("cancel_order");
    }
}
