package ai.kaizen.trainer.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.generation.FinishReason;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.generation.GenerationResult;
import ai.kaizen.model.generation.TokenListener;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.model.training.TokenLogprobs;
import ai.kaizen.trainer.reward.RewardModel;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A candidate policy against the policy it was trained from (the baseline, also the KL reference), on the same
 * held-out prompts: each answers every prompt; a reward model scores both answers; the candidate wins a prompt when
 * its score is higher (a tie counts half). The KL is the mean over prompts of {@code sum_t log pi(y_t) - log
 * pi_ref(y_t)} over the candidate's answer tokens, the estimate PPO's {@code objective/kl} uses; with greedy answers
 * it measures how far the candidate's preferred answers are from what the baseline would say, not an exact KL.
 */
public final class PolicyComparison {

    private PolicyComparison() {
    }

    /**
     * How answers are generated.
     *
     * @param maxNewTokens answer length limit
     * @param greedy greedy decoding (reproducible; the default) or sampling
     * @param temperature sampling temperature when not greedy
     * @param seed sampling seed
     * @param samples prompts whose answers are kept in the report, to be read
     */
    public record Settings(int maxNewTokens, boolean greedy, double temperature, long seed, int samples) {

        /** Greedy, 64 new tokens, five samples kept. */
        public static final Settings DEFAULT = new Settings(64, true, 1.0, 42, 5);

        /** Validates. */
        public Settings {
            if (maxNewTokens <= 0 || temperature <= 0 || samples < 0) {
                throw new IllegalArgumentException("max new tokens and temperature must be positive");
            }
        }
    }

    /**
     * One model's answer.
     *
     * @param promptIds the rendered prompt
     * @param answerIds the answer's tokens (end-of-sequence included when emitted)
     * @param text the answer
     * @param finished whether the model ended its answer (rather than hitting the length limit)
     */
    public record Answer(int[] promptIds, int[] answerIds, String text, boolean finished) {

        int[] allIds() {
            int[] all = new int[promptIds.length + answerIds.length];
            System.arraycopy(promptIds, 0, all, 0, promptIds.length);
            System.arraycopy(answerIds, 0, all, promptIds.length, answerIds.length);
            return all;
        }
    }

    /**
     * One side's figures.
     *
     * @param meanReward mean raw reward-model score (NaN without a reward model)
     * @param meanLength mean answer length in tokens
     * @param finishedRate share of answers the model ended itself
     */
    public record Side(double meanReward, double meanLength, double finishedRate) {}

    /**
     * A prompt with both answers, to read.
     *
     * @param prompt the last user message
     * @param candidate the candidate's answer
     * @param baseline the baseline's answer
     * @param candidateReward its score
     * @param baselineReward its score
     */
    public record Sample(String prompt, String candidate, String baseline, double candidateReward,
                         double baselineReward) {}

    /**
     * The comparison.
     *
     * @param prompts prompts answered
     * @param candidate the candidate's figures
     * @param baseline the baseline's figures
     * @param winRate share of prompts where the candidate's answer scores higher (ties half; NaN without a reward
     *     model)
     * @param kl mean per-answer log-ratio of candidate over baseline on the candidate's answers
     * @param samples a few prompts with both answers
     */
    public record Result(int prompts, Side candidate, Side baseline, double winRate, double kl, List<Sample> samples) {

        /** @return the result as JSON (NaN written as null) */
        public JsonObject toJson() {
            JsonObject o = new JsonObject();
            o.addProperty("prompts", prompts);
            o.add("candidate", side(candidate));
            o.add("baseline", side(baseline));
            put(o, "win_rate", winRate);
            put(o, "kl", kl);
            JsonArray list = new JsonArray();
            for (Sample s : samples) {
                JsonObject j = new JsonObject();
                j.addProperty("prompt", s.prompt());
                j.addProperty("candidate", s.candidate());
                j.addProperty("baseline", s.baseline());
                put(j, "candidate_reward", s.candidateReward());
                put(j, "baseline_reward", s.baselineReward());
                list.add(j);
            }
            o.add("samples", list);
            return o;
        }

        private static JsonObject side(Side s) {
            JsonObject o = new JsonObject();
            put(o, "mean_reward", s.meanReward());
            put(o, "mean_length", s.meanLength());
            put(o, "finished_rate", s.finishedRate());
            return o;
        }

        private static void put(JsonObject o, String key, double value) {
            if (Double.isFinite(value)) {
                o.addProperty(key, value);
            } else {
                o.add(key, com.google.gson.JsonNull.INSTANCE);
            }
        }
    }

    /**
     * Compares two loaded policies.
     *
     * @param candidate the trained policy
     * @param baseline the policy it started from (the KL reference)
     * @param rewardModel judges the answers, or null to report lengths and KL only
     * @param prompts conversations ending with a user message
     * @param settings decoding
     * @return the comparison
     */
    public static Result compare(LanguageModel candidate, LanguageModel baseline, RewardModel rewardModel,
                                 List<List<ChatMessage>> prompts, Settings settings) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("no prompts to compare on");
        }
        List<Answer> ours = answer(candidate, prompts, settings);
        List<Answer> theirs = answer(baseline, prompts, settings);
        double[] ourRewards = rewards(rewardModel, prompts, ours);
        double[] theirRewards = rewards(rewardModel, prompts, theirs);
        double wins = 0;
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            wins += ourRewards[i] > theirRewards[i] ? 1 : ourRewards[i] == theirRewards[i] ? 0.5 : 0;
            if (i < settings.samples()) {
                List<ChatMessage> p = prompts.get(i);
                samples.add(new Sample(p.get(p.size() - 1).content(), ours.get(i).text(), theirs.get(i).text(),
                        ourRewards[i], theirRewards[i]));
            }
        }
        double winRate = rewardModel == null ? Double.NaN : wins / prompts.size();
        double kl = meanLogRatio(candidate.network(), baseline.network(), ours);
        return new Result(prompts.size(), side(ours, ourRewards), side(theirs, theirRewards), winRate, kl, samples);
    }

    /**
     * Answers every prompt, one by one (each prompt's answer depends only on it and the seed).
     *
     * @param model the policy
     * @param prompts conversations ending with a user message
     * @param settings decoding
     * @return one answer per prompt, in order
     */
    public static List<Answer> answer(LanguageModel model, List<List<ChatMessage>> prompts, Settings settings) {
        List<Answer> out = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            GenerationOptions.Builder options = GenerationOptions.builder(model.generationConfig())
                    .maxNewTokens(settings.maxNewTokens()).doSample(!settings.greedy());
            if (!settings.greedy()) {
                options.temperature(settings.temperature()).topK(0).topP(1.0).seed(settings.seed() + i);
            }
            GenerationResult r = model.generator().chat(prompts.get(i), options.build(), TokenListener.NONE);
            out.add(new Answer(r.promptIds(), r.tokenIds(), r.text(), r.finishReason() != FinishReason.LENGTH
                    && r.finishReason() != FinishReason.CANCELLED));
        }
        return out;
    }

    /**
     * Mean over answers of the summed log-ratio {@code log pi(y_t) - log pi_ref(y_t)} over answer tokens.
     *
     * @param policy the policy that wrote the answers
     * @param reference the reference
     * @param answers the policy's answers
     * @return the mean log-ratio per answer (0 for no answers)
     */
    public static double meanLogRatio(LlamaModel policy, LlamaModel reference, List<Answer> answers) {
        double sum = 0;
        for (double r : logRatios(policy, reference, answers)) {
            sum += r;
        }
        return answers.isEmpty() ? 0 : sum / answers.size();
    }

    /**
     * Each answer's {@code sum_t log pi(y_t) - log pi_ref(y_t)} over its tokens (0 for an empty answer), in order.
     *
     * @param policy the policy that wrote the answers
     * @param reference the reference
     * @param answers the policy's answers
     * @return one log-ratio per answer
     */
    public static double[] logRatios(LlamaModel policy, LlamaModel reference, List<Answer> answers) {
        double[] ratios = new double[answers.size()];
        for (int i = 0; i < answers.size(); i++) {
            Answer a = answers.get(i);
            if (a.answerIds().length == 0) {
                continue;
            }
            float[] ours = logprobs(policy, a.allIds());
            float[] theirs = logprobs(reference, a.allIds());
            for (int t = a.promptIds().length; t < ours.length; t++) {
                ratios[i] += ours[t] - theirs[t];
            }
        }
        return ratios;
    }

    private static float[] logprobs(LlamaModel model, int[] ids) {
        try (NDManager m = model.manager().newSubManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            long[] longs = new long[ids.length];
            long[] ones = new long[ids.length];
            for (int i = 0; i < ids.length; i++) {
                longs[i] = ids[i];
                ones[i] = 1;
            }
            NDArray input = m.create(longs, new Shape(1, ids.length));
            NDArray logits = model.forward(input, m.create(ones, new Shape(1, ids.length)), false).logits();
            return TokenLogprobs.ofInputs(logits, input, 1.0).toFloatArray();
        }
    }

    /**
     * The reward model's raw score of each answer to its prompt.
     *
     * @param model the reward model, or null (every score NaN)
     * @param prompts conversations ending with a user message
     * @param answers one answer per prompt
     * @return one score per answer, in order
     */
    public static double[] rewards(RewardModel model, List<List<ChatMessage>> prompts, List<Answer> answers) {
        double[] out = new double[answers.size()];
        if (model == null) {
            java.util.Arrays.fill(out, Double.NaN);
            return out;
        }
        List<List<ChatMessage>> conversations = new ArrayList<>(answers.size());
        for (int i = 0; i < answers.size(); i++) {
            List<ChatMessage> c = new ArrayList<>(prompts.get(i));
            c.add(ChatMessage.assistant(answers.get(i).text()));
            conversations.add(c);
        }
        List<RewardModel.Reward> scored = model.score(conversations);
        for (int i = 0; i < out.length; i++) {
            out[i] = scored.get(i).raw();
        }
        return out;
    }

    private static Side side(List<Answer> answers, double[] rewards) {
        double length = 0;
        double finished = 0;
        double reward = 0;
        for (int i = 0; i < answers.size(); i++) {
            length += answers.get(i).answerIds().length;
            finished += answers.get(i).finished() ? 1 : 0;
            reward += rewards[i];
        }
        int n = answers.size();
        return new Side(reward / n, length / n, finished / n);
    }
}
