package ai.kaizen.trainer.demo;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.cycle.AnswerJudge;
import ai.kaizen.trainer.cycle.AnswerJudge.Assessment;
import ai.kaizen.trainer.cycle.Interval;
import ai.kaizen.trainer.eval.PolicyComparison;
import ai.kaizen.trainer.eval.PolicyComparison.Answer;
import ai.kaizen.trainer.reward.RewardModel;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Trained policies against the policy they started from, on held-out prompts, judged by what none of them trained
 * on: the project's intent classifier (does the answer address the message's intent?) and closeness to the
 * message's reference answer, combined as {@link AnswerJudge} does. A candidate wins a prompt when the judge prefers
 * its answer; a tie, or two answers that both miss the intent, counts half. The reward model's win rate is reported
 * beside, as a diagnostic only: the online methods were trained to please it.
 *
 * <p>The baseline answers every prompt once; each candidate then answers the same prompts with the same decoding.
 */
final class HeldOutComparison {

    /**
     * A held-out prompt with what the judge needs.
     *
     * @param messages the conversation, ending with the customer's message
     * @param intent the message's labelled intent
     * @param reference the reference answer (Bitext's detailed answer)
     */
    record Prompt(List<ChatMessage> messages, String intent, String reference) {}

    private final AnswerJudge judge;
    private final List<Prompt> prompts;
    private final List<List<ChatMessage>> conversations;
    private final PolicyComparison.Settings settings;
    private final LanguageModel baseline;
    private final List<Answer> baselineAnswers;
    private final List<Assessment> baselineAssessments;

    /**
     * Answers every prompt with the baseline.
     *
     * @param judge the judge
     * @param prompts held-out prompts
     * @param settings decoding
     * @param baseline the policy the candidates started from (also the KL reference); owned by the caller
     */
    HeldOutComparison(AnswerJudge judge, List<Prompt> prompts, PolicyComparison.Settings settings,
            LanguageModel baseline) {
        this.judge = judge;
        this.prompts = List.copyOf(prompts);
        this.conversations = prompts.stream().map(Prompt::messages).toList();
        this.settings = settings;
        this.baseline = baseline;
        this.baselineAnswers = PolicyComparison.answer(baseline, conversations, settings);
        this.baselineAssessments = assess(baselineAnswers);
    }

    /** @return the baseline's own figures */
    JsonObject baselineJson() {
        JsonObject o = new JsonObject();
        o.addProperty("prompts", prompts.size());
        side(o, baselineAnswers, baselineAssessments);
        return o;
    }

    /**
     * @param candidate a trained policy
     * @param rewardModel the reward model the online methods optimised (its verdict is a diagnostic), or null
     * @return the comparison: the judge's win rate with its 95% interval, intent match and closeness of both sides,
     *     KL, length, the reward model's win rate, and a few samples to read
     */
    JsonObject compare(LanguageModel candidate, RewardModel rewardModel) {
        List<Answer> answers = PolicyComparison.answer(candidate, conversations, settings);
        List<Assessment> assessments = assess(answers);
        int wins = 0;
        int losses = 0;
        int ties = 0;
        int bothBad = 0;
        for (int i = 0; i < prompts.size(); i++) {
            switch (AnswerJudge.preference(assessments.get(i), baselineAssessments.get(i))) {
                case FIRST -> wins++;
                case SECOND -> losses++;
                case TIE -> ties++;
                case BOTH_BAD -> bothBad++;
            }
        }
        int n = prompts.size();
        double won = wins + 0.5 * (ties + bothBad);
        JsonObject o = new JsonObject();
        o.addProperty("prompts", n);
        o.addProperty("win_rate", won / n);
        o.add("win_rate_interval", interval(Interval.wilson(won, n)));
        o.addProperty("wins", wins);
        o.addProperty("losses", losses);
        o.addProperty("ties", ties);
        o.addProperty("both_bad", bothBad);
        JsonObject candidateSide = new JsonObject();
        side(candidateSide, answers, assessments);
        o.add("candidate", candidateSide);
        JsonObject baselineSide = new JsonObject();
        side(baselineSide, baselineAnswers, baselineAssessments);
        o.add("baseline", baselineSide);
        o.addProperty("kl", PolicyComparison.meanLogRatio(candidate.network(), baseline.network(), answers));
        if (rewardModel != null) {
            double[] ours = PolicyComparison.rewards(rewardModel, conversations, answers);
            double[] theirs = PolicyComparison.rewards(rewardModel, conversations, baselineAnswers);
            double rmWins = 0;
            for (int i = 0; i < n; i++) {
                rmWins += ours[i] > theirs[i] ? 1 : ours[i] == theirs[i] ? 0.5 : 0;
            }
            o.addProperty("reward_model_win_rate", rmWins / n);
        }
        JsonArray samples = new JsonArray();
        for (int i = 0; i < Math.min(settings.samples(), n); i++) {
            JsonObject s = new JsonObject();
            List<ChatMessage> p = prompts.get(i).messages();
            s.addProperty("prompt", p.get(p.size() - 1).content());
            s.addProperty("intent", prompts.get(i).intent());
            s.addProperty("candidate", answers.get(i).text());
            s.addProperty("candidate_intent", assessments.get(i).judgedIntent());
            s.addProperty("baseline", baselineAnswers.get(i).text());
            s.addProperty("baseline_intent", baselineAssessments.get(i).judgedIntent());
            samples.add(s);
        }
        o.add("samples", samples);
        return o;
    }

    private List<Assessment> assess(List<Answer> answers) {
        List<Assessment> out = new ArrayList<>(answers.size());
        for (int i = 0; i < answers.size(); i++) {
            out.add(judge.assess(prompts.get(i).intent(), prompts.get(i).reference(), answers.get(i).text()));
        }
        return out;
    }

    private static void side(JsonObject o, List<Answer> answers, List<Assessment> assessments) {
        int n = answers.size();
        int matches = 0;
        double closeness = 0;
        double length = 0;
        int finished = 0;
        for (int i = 0; i < n; i++) {
            matches += assessments.get(i).intentMatch() ? 1 : 0;
            closeness += assessments.get(i).closeness() == null ? 0 : assessments.get(i).closeness();
            length += answers.get(i).answerIds().length;
            finished += answers.get(i).finished() ? 1 : 0;
        }
        o.addProperty("intent_match", n == 0 ? 0 : matches / (double) n);
        o.add("intent_match_interval", interval(Interval.wilson(matches, n)));
        if (n == 0) {
            o.add("mean_closeness", JsonNull.INSTANCE);
        } else {
            o.addProperty("mean_closeness", closeness / n);
        }
        o.addProperty("mean_length", n == 0 ? 0 : length / n);
        o.addProperty("finished_rate", n == 0 ? 0 : finished / (double) n);
    }

    private static JsonArray interval(Interval i) {
        JsonArray a = new JsonArray();
        a.add(i.low());
        a.add(i.high());
        return a;
    }
}
