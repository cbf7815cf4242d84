package ai.kaizen.trainer.starter;

import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.trainer.dataset.BitextImport.LabelledRow;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeldOutSplitTest {

    @Test
    void holdsOutATenthOfEachIntentAndTheSameDrawForTheSameSeed() {
        List<LabelledRow> rows = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            rows.add(new LabelledRow("refund please " + i, "get_refund", "REFUND", "answer"));
        }
        for (int i = 0; i < 30; i++) {
            rows.add(new LabelledRow("cancel order " + i, "cancel_order", "ORDER", "answer"));
            // the same message in the other file: one side of the split only
            rows.add(new LabelledRow("cancel order " + i, "cancel_order", "ORDER", "canned answer"));
        }
        rows.add(new LabelledRow("rare", "rare_intent", "OTHER", "answer"));
        HeldOutSplit split = HeldOutSplit.of(rows, 0.1, 7);
        assertThat(split.heldOut().stream().filter(m -> m.startsWith("refund"))).hasSize(20);
        assertThat(split.heldOut().stream().filter(m -> m.startsWith("cancel"))).hasSize(3);
        assertThat(split.isHeldOut("rare")).as("every intent is represented").isTrue();
        assertThat(HeldOutSplit.of(rows, 0.1, 7)).isEqualTo(split);
        assertThat(HeldOutSplit.of(rows, 0.1, 8)).isNotEqualTo(split);
    }
}
