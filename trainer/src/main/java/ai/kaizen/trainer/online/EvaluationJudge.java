package ai.kaizen.trainer.online;

import ai.kaizen.model.tokenizer.ChatMessage;
import java.util.List;

/**
 * Scores an answer to an evaluation prompt by evidence the run does not optimise (the project's intent judge, say),
 * so that the checkpoint an online run keeps is chosen by something its reward could not be gamed into: a policy
 * that learns a template the reward model likes scores high on the reward and low here. Its scores are logged as
 * {@value TrainingEvaluation#METRIC_JUDGE}, and choose the best checkpoint when {@code metric_for_best_model} names
 * that metric. The prompts it judges should be validation prompts, not those a final verdict is drawn on.
 */
@FunctionalInterface
public interface EvaluationJudge {

    /**
     * @param prompt the evaluation prompt
     * @param answer the policy's answer
     * @return the answer's score (higher is better), or NaN where this judge cannot tell (the prompt is unknown
     *     to it); NaN scores are left out of the mean
     */
    double score(List<ChatMessage> prompt, String answer);
}
