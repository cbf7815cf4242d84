package ai.kaizen.trainer.starter;

import ai.kaizen.model.tokenizer.ChatMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StarterEvaluationTest {

    /** The carry-over probe's turns, as {@link CustomerFacts#carryOver} words them. */
    private static final List<ChatMessage> PROBE = List.of(ChatMessage.system(StarterData.SYSTEM_PROMPT),
            ChatMessage.user("The order number is 949061."),
            ChatMessage.assistant("Thank you! I have noted your order number 949061. How can I help you with it?"),
            ChatMessage.user("need to cancel order I mentioned"));

    @Test
    void theAnswerIsShownWithTheValuesTheCustomerGave() {
        assertThat(StarterEvaluation.shown("I can help you cancel your order {{Order Number Anonymized}} on "
                + "{{Website Name}}, {{Name Field Anonymized}}.", PROBE))
                .isEqualTo("I can help you cancel your order 949061 on Website Name, your name.");
    }

    @Test
    void slotFillingNeverInventsAValueNorFixesAnInventedOne() {
        assertThat(StarterEvaluation.shown("Your invoice {{Invoice Number}}: order 466666.", PROBE))
                .isEqualTo("Your invoice your invoice number: order 466666.");
        List<ChatMessage> withoutValue = List.of(ChatMessage.user("I want to cancel the order I mentioned"));
        assertThat(StarterEvaluation.shown("order {{Order Number Anonymized}}", withoutValue))
                .isEqualTo("order your order number");
    }
}
