package ai.kaizen.trainer.sft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.kaizen.trainer.training.Batch;
import ai.kaizen.trainer.training.TokenizedExample;
import java.util.List;
import org.junit.jupiter.api.Test;

class CausalLmLossTest {

    @Test
    void scoresShiftedTargetsOfAssistantTokensOnlyAndIgnoresPadding() {
        // two rows over a vocabulary of 3; row 1 is one token shorter (right padding)
        TokenizedExample a = new TokenizedExample(new int[] {0, 1, 2}, new boolean[] {false, true, true});
        TokenizedExample b = new TokenizedExample(new int[] {2, 0}, new boolean[] {false, true});
        float[] logits = {
            1, 2, 3, /**/ 0, 0, 1, /**/ 5, 5, 5, // row a, positions 0..2
            2, 0, 0, /**/ 9, 9, 9, /**/ 0, 0, 0 // row b, position 2 is padding
        };
        try (NDManager m = NDManager.newBaseManager()) {
            Batch batch = Batch.of(List.of(a, b), m);
            assertThat(batch.targetTokens()).isEqualTo(3);
            assertThat(batch.tokens()).isEqualTo(5);
            assertThat(batch.attentionMask().toLongArray()).containsExactly(1, 1, 1, 1, 1, 0);
            NDArray l = m.create(logits, new Shape(2, 3, 3));
            double loss = CausalLmLoss.summedNll(l, batch).getFloat();
            double expected = -logSoftmax(new double[] {1, 2, 3}, 1) - logSoftmax(new double[] {0, 0, 1}, 2)
                    - logSoftmax(new double[] {2, 0, 0}, 0);
            assertThat(loss).isCloseTo(expected, within(1e-5));
        }
    }

    static double logSoftmax(double[] x, int i) {
        double sum = 0;
        for (double v : x) {
            sum += Math.exp(v);
        }
        return x[i] - Math.log(sum);
    }
}
