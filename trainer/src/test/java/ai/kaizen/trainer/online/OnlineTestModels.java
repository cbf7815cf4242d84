package ai.kaizen.trainer.online;

import ai.kaizen.model.Fixtures;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** What the online trainers' tests (PPO, RLOO, GRPO) share: stories260K, prompts, the rewarded token, a stopped run. */
public final class OnlineTestModels {

    private OnlineTestModels() {}

    /** Training prompts. */
    public static final List<List<ChatMessage>> TRAIN = prompts("Once upon a time", "The little dog", "Lily went to",
            "One day, a boy", "The sun was", "Tom and Sue", "A big cat", "The bird sang");

    /** Held-out prompts. */
    public static final List<List<ChatMessage>> EVAL = prompts("The girl saw", "Once there was", "A small frog",
            "The tree was");

    /** @return the tiny policy's directory */
    public static Path policyDir() {
        return Fixtures.stories260k();
    }

    /** @return the token the tests reward: "." (sentences), frequent but far from every position */
    public static int rewardedToken() {
        try (LanguageModel lm = LanguageModel.load(policyDir())) {
            int[] ids = lm.tokenizer().encode(".", false);
            return ids[ids.length - 1];
        }
    }

    static List<List<ChatMessage>> prompts(String... texts) {
        List<List<ChatMessage>> out = new ArrayList<>();
        for (String t : texts) {
            out.add(List.of(ChatMessage.user(t)));
        }
        return out;
    }

    /** @return the mean of a key over metrics lines */
    public static double mean(List<JsonObject> lines, String key) {
        return lines.stream().mapToDouble(l -> l.get(key).getAsDouble()).average().orElseThrow();
    }

    /**
     * @param model a policy
     * @param token a token id
     * @return how often {@code token} occurs in the model's greedy answers (16 tokens at most) to {@link #EVAL}
     */
    public static int greedyCount(LanguageModel model, int token) {
        int n = 0;
        for (List<ChatMessage> prompt : EVAL) {
            for (int id : model.generator().chat(prompt, GenerationOptions.greedy(16), t -> true).tokenIds()) {
                n += id == token ? 1 : 0;
            }
        }
        return n;
    }

    /**
     * @param steps training lines (they carry {@code objective/kl}) to see before stopping
     * @return a listener that asks the run to stop after them: a killed run
     */
    public static TrainingListener stopAfter(int steps) {
        AtomicInteger seen = new AtomicInteger();
        return new TrainingListener() {
            @Override
            public void onLog(Map<String, Number> metrics) {
                if (metrics.containsKey("objective/kl")) {
                    seen.incrementAndGet();
                }
            }

            @Override
            public boolean shouldStop() {
                return seen.get() >= steps;
            }
        };
    }
}
