package ai.kaizen.trainer.online;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.kaizen.trainer.reward.RewardStats;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContrastiveRewardTest {

    /** A template scores 3 whatever was asked; an answer to its own request 1 for fluency plus 2 for fitting. */
    private static final class TemplateLovingReward implements Reward {
        static final int TEMPLATE = 99;
        final List<Sample> seen = new ArrayList<>();

        @Override
        public float[] score(List<Sample> samples) {
            seen.addAll(samples);
            float[] out = new float[samples.size()];
            for (int i = 0; i < out.length; i++) {
                Sample s = samples.get(i);
                int answer = s.responseIds()[0];
                out[i] = answer == TEMPLATE ? 3 : 1 + (answer == s.promptIds()[0] ? 2 : 0);
            }
            return out;
        }

        @Override
        public RewardStats stats() {
            return new RewardStats(2.0, 0.5);
        }
    }

    private static Reward.Sample sample(int prompt, int answer) {
        return new Reward.Sample(new int[] {prompt}, new int[] {answer}, "prompt " + prompt, "answer " + answer);
    }

    @Test
    void aTemplateThatPleasesTheRewardModelWhateverWasAskedLosesToAnAnswerThatFitsItsRequest() {
        TemplateLovingReward inner = new TemplateLovingReward();
        List<Reward.Sample> batch = List.of(sample(1, 1), sample(1, TemplateLovingReward.TEMPLATE), sample(2, 2),
                sample(2, TemplateLovingReward.TEMPLATE));
        assertThat(inner.score(batch)).containsExactly(3f, 3f, 3f, 3f); // the reward model cannot tell them apart

        try (ContrastiveReward contrasted = new ContrastiveReward(new TemplateLovingReward(), 1.0, 7)) {
            assertThat(contrasted.score(batch)).containsExactly(2f, 0f, 2f, 0f);
        }
        try (ContrastiveReward half = new ContrastiveReward(new TemplateLovingReward(), 0.5, 7)) {
            assertThat(half.score(batch)).containsExactly(2.5f, 1.5f, 2.5f, 1.5f);
        }
    }

    @Test
    void theOtherPromptIsNeverTheAnswersOwnAndComesFromEarlierBatchesToo() {
        TemplateLovingReward inner = new TemplateLovingReward();
        try (ContrastiveReward contrasted = new ContrastiveReward(inner, 1.0, 3)) {
            contrasted.score(List.of(sample(1, 5), sample(2, 5), sample(3, 5)));
            // a batch of one prompt (a GRPO group) is contrasted with the prompts seen before
            float[] group = contrasted.score(List.of(sample(4, 4), sample(4, 4)));
            assertThat(group).containsExactly(2f, 2f);
            for (int batchStart : List.of(0, 6)) {
                int size = batchStart == 0 ? 3 : 2;
                for (int i = 0; i < size; i++) {
                    Reward.Sample own = inner.seen.get(batchStart + i);
                    Reward.Sample elsewhere = inner.seen.get(batchStart + size + i);
                    assertThat(elsewhere.responseIds()).isEqualTo(own.responseIds());
                    assertThat(elsewhere.promptIds()).isNotEqualTo(own.promptIds());
                }
            }
        }
    }

    @Test
    void withNoOtherPromptYetAnAnswerIsChargedAsATemplate() {
        try (ContrastiveReward contrasted = new ContrastiveReward(new TemplateLovingReward(), 0.25, 1)) {
            assertThat(contrasted.score(List.of(sample(1, 1), sample(1, 1)))).containsExactly(2.25f, 2.25f);
        }
    }

    @Test
    void normalisesAroundTheShareOfTheMeanThatIsLeft() {
        try (ContrastiveReward contrasted = new ContrastiveReward(new TemplateLovingReward(), 0.75, 1)) {
            assertThat(contrasted.stats().mean()).isCloseTo(0.5, within(1e-12));
            assertThat(contrasted.stats().std()).isEqualTo(0.5);
        }
        assertThatThrownBy(() -> new ContrastiveReward(new TemplateLovingReward(), 0, 1))
                .hasMessageContaining("reward_contrast");
        assertThatThrownBy(() -> new ContrastiveReward(new TemplateLovingReward(), 1.5, 1))
                .hasMessageContaining("reward_contrast");
    }
}
