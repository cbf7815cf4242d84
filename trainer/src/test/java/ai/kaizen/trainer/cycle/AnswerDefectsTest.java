package ai.kaizen.trainer.cycle;

import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.trainer.cycle.AnswerDefects.Kind;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AnswerDefectsTest {

    @Test
    void emptyAnswersRawPlaceholdersAndRefusalsAreDefects() {
        assertThat(AnswerDefects.of("")).contains(Kind.EMPTY);
        assertThat(AnswerDefects.of("  \n ")).contains(Kind.EMPTY);
        assertThat(AnswerDefects.of("Your order {{Order Number}} ships today.")).contains(Kind.PLACEHOLDER);
        assertThat(AnswerDefects.of("Call us at {{Customer Support Phone Number}}")).contains(Kind.PLACEHOLDER);
        assertThat(AnswerDefects.of("I'm sorry, but I can't help with that.")).contains(Kind.REFUSAL);
        assertThat(AnswerDefects.of("I\u2019m unable to look up orders.")).contains(Kind.REFUSAL);
        assertThat(AnswerDefects.of("As an AI, I have no access to your account.")).contains(Kind.REFUSAL);
    }

    @Test
    void ordinaryAnswersAreNot() {
        assertThat(AnswerDefects.of("Your order ships today; the tracking link is in your email."))
                .isEqualTo(Optional.empty());
        assertThat(AnswerDefects.of("I'm sorry your parcel is late. Let me check where it is.")).isEmpty();
        assertThat(AnswerDefects.of("Use the code {SAVE10} at checkout.")).isEmpty();
        assertThat(AnswerDefects.of("If I can't help, a colleague will.")).isEmpty();
    }
}
