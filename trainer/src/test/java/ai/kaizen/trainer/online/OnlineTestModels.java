package ai.kaizen.trainer.online;

import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.kaizen.model.Fixtures;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.training.MetricsLog;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What the RLOO and GRPO trainer tests share: stories260K, prompts, the rewarded token, reading a run back. */
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

    /** @return every line of a run's metrics.jsonl */
    public static List<JsonObject> metrics(Path out) throws Exception {
        return Files.readAllLines(out.resolve(MetricsLog.FILE), StandardCharsets.UTF_8).stream()
                .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    }

    /** @return the mean of a key over metrics lines */
    public static double mean(List<JsonObject> lines, String key) {
        return lines.stream().mapToDouble(l -> l.get(key).getAsDouble()).average().orElseThrow();
    }

    /** @return parameter values by name */
    public static Map<String, float[]> snapshot(Iterable<Pair<String, Parameter>> params) {
        Map<String, float[]> out = new HashMap<>();
        for (Pair<String, Parameter> p : params) {
            out.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    /** @return the largest difference between two snapshots of the same parameters */
    public static double maxAbsDiff(Map<String, float[]> a, Map<String, float[]> b) {
        double max = 0;
        for (Map.Entry<String, float[]> e : a.entrySet()) {
            float[] other = b.get(e.getKey());
            for (int i = 0; i < other.length; i++) {
                max = Math.max(max, Math.abs(e.getValue()[i] - other[i]));
            }
        }
        return max;
    }

    /** @return how often {@code token} occurs in {@code ids} */
    public static int count(int[] ids, int token) {
        int n = 0;
        for (int id : ids) {
            n += id == token ? 1 : 0;
        }
        return n;
    }
}
