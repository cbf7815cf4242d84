package ai.kaizen.trainer.starter;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class IntentClassifierTest {

    @Test
    void readsTheIntentOfAnAnswerFromItsWords() {
        IntentClassifier c = IntentClassifier.train(List.of(
                "I understand you want your money back. I will process the refund to your card.",
                "Your refund has been issued and the money will be back within 5 days.",
                "You can cancel the order {{Order Number}} from your account before it ships.",
                "To cancel your purchase, open the order and choose cancel.",
                "Track your delivery with the tracking number we emailed you.",
                "The package is on its way; follow the delivery in the tracking page."),
                List.of("get_refund", "get_refund", "cancel_order", "cancel_order", "track_order", "track_order"),
                1.0);
        assertThat(c.intents()).containsExactly("cancel_order", "get_refund", "track_order");
        assertThat(c.classify("We will refund the money to your card.")).isEqualTo("get_refund");
        assertThat(c.classify("Sure, you can cancel the order.")).isEqualTo("cancel_order");
        assertThat(c.classify("Where is my package? Check the tracking page.")).isEqualTo("track_order");
        assertThat(IntentClassifier.features("Cancel {{Order Number}} now"))
                .containsExactly("cancel", "{{order number}}", "now", "cancel {{order number}}", "{{order number}} now");
    }
}
