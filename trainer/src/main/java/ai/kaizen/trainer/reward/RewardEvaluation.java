package ai.kaizen.trainer.reward;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.PreferenceExample;
import java.util.ArrayList;
import java.util.List;

/**
 * How well a reward model ranks held-out preference pairs (what {@code kaizen eval rm} prints).
 *
 * @param pairs pairs scored
 * @param accuracy share of pairs whose chosen answer scored higher (TRL's reward {@code accuracy})
 * @param meanMargin mean of {@code r_chosen - r_rejected}, raw rewards
 * @param meanChosen mean raw reward of chosen answers
 * @param meanRejected mean raw reward of rejected answers
 */
public record RewardEvaluation(int pairs, double accuracy, double meanMargin, double meanChosen,
        double meanRejected) {

    /**
     * Scores both answers of every pair; ties have no better answer and are left out.
     *
     * @param model the reward model
     * @param pairs the pairs (at least one that is not a tie)
     * @return the evaluation
     */
    public static RewardEvaluation of(RewardModel model, List<PreferenceExample> pairs) {
        List<PreferenceExample> examples = pairs.stream().filter(p -> !p.tie()).toList();
        if (examples.isEmpty()) {
            throw new IllegalArgumentException("no preference pairs to evaluate");
        }
        List<List<ChatMessage>> conversations = new ArrayList<>(examples.size() * 2);
        for (PreferenceExample e : examples) {
            conversations.add(withAnswer(e.prompt(), e.chosen()));
            conversations.add(withAnswer(e.prompt(), e.rejected()));
        }
        List<RewardModel.Reward> rewards = model.score(conversations);
        int correct = 0;
        double chosen = 0;
        double rejected = 0;
        for (int i = 0; i < examples.size(); i++) {
            double c = rewards.get(2 * i).raw();
            double r = rewards.get(2 * i + 1).raw();
            correct += c > r ? 1 : 0;
            chosen += c;
            rejected += r;
        }
        int n = examples.size();
        return new RewardEvaluation(n, (double) correct / n, (chosen - rejected) / n, chosen / n, rejected / n);
    }

    private static List<ChatMessage> withAnswer(List<ChatMessage> prompt, String answer) {
        List<ChatMessage> c = new ArrayList<>(prompt);
        c.add(ChatMessage.assistant(answer));
        return c;
    }
}
