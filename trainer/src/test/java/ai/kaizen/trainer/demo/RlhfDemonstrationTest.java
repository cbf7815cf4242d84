package ai.kaizen.trainer.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.kaizen.model.Fixtures;
import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.Provenance;
import ai.kaizen.trainer.dataset.ThumbsExample;
import ai.kaizen.trainer.reward.RewardModel;
import ai.kaizen.trainer.sft.TestData;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole demonstration at toy size (stories260k, a few steps per stage): every stage runs and leaves a model that
 * loads, the report holds the figures the issue asks for, and the curves are pictures.
 */
class RlhfDemonstrationTest {

    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G'};

    @Test
    void runsEveryStageAndReports(@TempDir Path out) throws Exception {
        JsonObject overrides = JsonParser.parseString("""
                {"train_pairs": 16, "eval_prompts": 4, "ppo_validation_prompts": 4, "max_new_tokens": 6,
                 "sft": {"learning_rate": 1e-3, "max_steps": 2, "per_device_train_batch_size": 4, "max_length": 96,
                         "eval_steps": 0, "save_steps": 0, "logging_steps": 1},
                 "reward_model": {"learning_rate": 1e-3, "max_steps": 2, "per_device_train_batch_size": 4,
                         "max_length": 96, "eval_steps": 0, "save_steps": 0, "logging_steps": 1},
                 "ppo": {"learning_rate": 1e-4, "max_steps": 1, "per_device_train_batch_size": 4,
                         "num_ppo_epochs": 1, "response_length": 6, "eval_steps": 0, "save_steps": 0},
                 "rloo": {"learning_rate": 1e-4, "max_steps": 1, "per_device_train_batch_size": 4,
                         "num_generations": 2, "max_completion_length": 6, "eval_steps": 0, "save_steps": 0},
                 "grpo": {"learning_rate": 1e-4, "max_steps": 1, "per_device_train_batch_size": 4,
                         "num_generations": 2, "max_completion_length": 6, "eval_steps": 0, "save_steps": 0},
                 "dpo": {"learning_rate": 1e-3, "max_steps": 2, "per_device_train_batch_size": 4, "max_length": 96,
                         "eval_steps": 0, "save_steps": 0, "logging_steps": 1},
                 "kto": {"learning_rate": 1e-3, "max_steps": 2, "per_device_train_batch_size": 4, "max_length": 96,
                         "eval_steps": 0, "save_steps": 0, "logging_steps": 1}}
                """).getAsJsonObject();
        overrides.addProperty("base_model", Fixtures.stories260k().toString());
        overrides.addProperty("bitext_dir", TestData.data("bitext").toString());

        JsonObject report = RlhfDemonstration.run(DemoSettings.of(overrides), out, stage -> TrainingListener.NONE);

        for (String policy : List.of(RlhfDemonstration.SFT, "ppo-policy", "rloo-policy", "grpo-policy", "dpo-policy",
                "kto-policy")) {
            try (LanguageModel model = LanguageModel.load(out.resolve(policy))) {
                assertTrue(model.network().config().vocabSize() > 0, policy);
            }
        }
        try (RewardModel rm = RewardModel.load(out.resolve(RlhfDemonstration.REWARD_MODEL))) {
            assertTrue(Double.isFinite(rm.stats().std()));
        }
        assertEquals(report, Json.readObject(out.resolve("report.json")));
        // PPO picks its checkpoint on training prompts set apart, never on the held-out prompts it is compared on
        assertEquals(4, report.getAsJsonObject("data").get("ppo_validation_prompts").getAsInt());
        JsonObject rm = report.getAsJsonObject("reward_model");
        assertEquals(4, rm.get("held_out_pairs").getAsInt());
        double accuracy = rm.get("held_out_accuracy").getAsDouble();
        assertTrue(accuracy >= 0 && accuracy <= 1);
        JsonObject compared = report.getAsJsonObject("compared_with_sft");
        int judged = report.getAsJsonObject("data").get("judged_prompts").getAsInt();
        assertTrue(judged > 0 && judged <= 4, "held-out prompts with an intent: " + judged);
        for (String key : List.of("ppo-policy", "rloo-policy", "grpo-policy", "dpo-policy", "kto-policy")) {
            JsonObject comparison = compared.getAsJsonObject(key);
            assertEquals(judged, comparison.get("prompts").getAsInt(), key);
            double winRate = comparison.get("win_rate").getAsDouble();
            assertTrue(winRate >= 0 && winRate <= 1, key);
            assertEquals(judged, comparison.get("wins").getAsInt() + comparison.get("losses").getAsInt()
                    + comparison.get("ties").getAsInt() + comparison.get("both_bad").getAsInt(), key);
            double low = comparison.getAsJsonArray("win_rate_interval").get(0).getAsDouble();
            double high = comparison.getAsJsonArray("win_rate_interval").get(1).getAsDouble();
            assertTrue(low <= winRate && winRate <= high, key);
            assertTrue(comparison.getAsJsonObject("candidate").get("mean_length").getAsDouble() <= 6, key);
            // the baseline answered once: every comparison reads the same baseline figures
            assertEquals(compared.getAsJsonObject(RlhfDemonstration.SFT).get("intent_match"),
                    comparison.getAsJsonObject("baseline").get("intent_match"), key);
            assertTrue(comparison.has("kl") && comparison.has("reward_model_win_rate"), key);
            assertEquals(Math.min(judged, 5), comparison.getAsJsonArray("samples").size(), key);
        }
        for (String picture : List.of("reward.png", "kl.png", "loss.png", "reward-model.png")) {
            byte[] head = Arrays.copyOf(Files.readAllBytes(out.resolve(picture)), 4);
            assertArrayEquals(PNG, head, picture);
        }
        // held-out prompts never appear among the training pairs
        List<String> train = Files.readAllLines(out.resolve("data/preferences/train.jsonl"));
        for (String line : Files.readAllLines(out.resolve("data/preferences/eval.jsonl"))) {
            String prompt = JsonParser.parseString(line).getAsJsonObject().get("prompt").toString();
            assertTrue(train.stream().noneMatch(t -> JsonParser.parseString(t).getAsJsonObject().get("prompt")
                    .toString().equals(prompt)));
        }

        // again, keeping the trained policy and reward model: only the method asked for trains
        Path sftWeights = out.resolve(RlhfDemonstration.SFT).resolve("model.safetensors");
        Path rmWeights = out.resolve(RlhfDemonstration.REWARD_MODEL).resolve("model.safetensors");
        byte[] sftBefore = Files.readAllBytes(sftWeights);
        byte[] rmBefore = Files.readAllBytes(rmWeights);
        overrides.add("methods", JsonParser.parseString("[\"grpo\"]"));
        List<String> trained = new java.util.ArrayList<>();
        JsonObject again = RlhfDemonstration.run(DemoSettings.of(overrides), out, stage -> {
            trained.add(stage);
            return TrainingListener.NONE;
        }, true);
        assertEquals(List.of("grpo"), trained);
        assertArrayEquals(sftBefore, Files.readAllBytes(sftWeights));
        assertArrayEquals(rmBefore, Files.readAllBytes(rmWeights));
        assertTrue(again.getAsJsonObject("sft").get("reused").getAsBoolean());
        assertTrue(again.getAsJsonObject("reward_model").get("reused").getAsBoolean());
        assertEquals(accuracy, again.getAsJsonObject("reward_model").get("held_out_accuracy").getAsDouble());
        assertTrue(again.getAsJsonObject("compared_with_sft").has("grpo-policy"));
        assertFalse(again.getAsJsonObject("compared_with_sft").has("ppo-policy"));
    }

    @Test
    void thumbsRateOneAnswerPerPromptAndOffTopicAnswersDown() {
        List<PreferenceExample> pairs = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            pairs.add(new PreferenceExample(List.of(ChatMessage.user("message " + i)), "detailed " + i,
                    "canned " + i, Provenance.of("test")));
        }
        List<PreferenceExample> offTopic = List.of(
                new PreferenceExample(List.of(ChatMessage.user("message 0")), "canned 0", "canned 3",
                        Provenance.of("test")),
                new PreferenceExample(List.of(ChatMessage.user("message 1")), "canned 1", "canned 2",
                        Provenance.of("test")));

        List<ThumbsExample> thumbs = RlhfDemonstration.thumbs(pairs, offTopic);

        assertEquals(List.of("detailed 0", "canned 1", "detailed 2", "canned 3", "canned 3"),
                thumbs.stream().map(ThumbsExample::completion).toList());
        assertEquals(List.of(true, false, true, false, false), thumbs.stream().map(ThumbsExample::label).toList());
    }

    @Test
    void unknownMethodsAreNamed() {
        JsonObject bad = JsonParser.parseString("{\"methods\": [\"ppo\", \"reinforce\"]}").getAsJsonObject();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DemoSettings.of(bad));
        assertTrue(e.getMessage().contains("reinforce"), e.getMessage());
    }

    @Test
    void unknownOptionsAreNamed() {
        JsonObject bad = JsonParser.parseString("{\"train_pair\": 3}").getAsJsonObject();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DemoSettings.of(bad));
        assertTrue(e.getMessage().contains("train_pair"), e.getMessage());
    }
}
