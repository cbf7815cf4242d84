package ai.kaizen.trainer.demo;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.cycle.AnswerJudge;
import ai.kaizen.trainer.online.EvaluationJudge;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The online runs' judge of their validation answers: the final comparison's {@link AnswerJudge} (the intent
 * classifier and closeness to the detailed answer), on the validation messages, which are other held-out messages
 * than those the policies are finally compared on. A run that keeps its checkpoint by this judge
 * ({@code metric_for_best_model: eval/judge_score}) is thus chosen on evidence its reward model did not shape, and
 * still judged on prompts the choice never saw.
 */
final class ValidationJudge implements EvaluationJudge {

    private final AnswerJudge judge;
    private final Map<List<ChatMessage>, HeldOutComparison.Prompt> prompts = new HashMap<>();

    /**
     * @param judge the judge
     * @param prompts the validation prompts with their intents and reference answers
     */
    ValidationJudge(AnswerJudge judge, List<HeldOutComparison.Prompt> prompts) {
        this.judge = judge;
        prompts.forEach(p -> this.prompts.put(p.messages(), p));
    }

    /** @return the judge's score in [0, 1], or NaN for a prompt that is not a validation prompt */
    @Override
    public double score(List<ChatMessage> prompt, String answer) {
        HeldOutComparison.Prompt known = prompts.get(prompt);
        return known == null ? Double.NaN : judge.assess(known.intent(), known.reference(), answer).score();
    }
}
