package ai.kaizen.trainer.grpo;

import static ai.kaizen.trainer.online.OnlineTestModels.EVAL;
import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.config.Json;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.model.llama.ModelOptions;
import ai.kaizen.trainer.online.GroupMethod;
import ai.kaizen.trainer.online.GroupTrainerContract;
import ai.kaizen.trainer.online.OnlineTestModels;
import ai.kaizen.trainer.online.RunDirectory;
import ai.kaizen.trainer.online.RunResult;
import ai.kaizen.trainer.sft.TestData;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** GRPO: the {@link GroupTrainerContract}, and what is GRPO's own (two updates a batch, its loss types). */
class GrpoTrainerTest extends GroupTrainerContract<GrpoConfig> {

    @Override
    protected GroupMethod<GrpoConfig> method() {
        return GrpoTrainer.METHOD;
    }

    /** Two updates per step (num_iterations). */
    @Override
    protected void smallRunOptions(JsonObject o) {
        o.addProperty("num_iterations", 2);
    }

    @Override
    protected void raisedTheRewardItsOwnWay(Path out, RunResult result, List<JsonObject> train) {
        for (JsonObject l : train) { // the KL to the reference, in the loss (RLOO's is in the reward)
            assertThat(l.has("kl")).isTrue();
            assertThat(Double.isFinite(l.get("kl").getAsDouble())).isTrue();
        }
        // the second update of a batch sees the first one's change: ratios move away from 1 and may be clipped
        assertThat(train.get(0).get("val/ratio").getAsDouble()).isNotEqualTo(1.0);
        try (LanguageModel trained = LanguageModel.load(out); LanguageModel base = LanguageModel.load(policyDir)) {
            int trainedCount = OnlineTestModels.greedyCount(trained, rewardedToken);
            int baseCount = OnlineTestModels.greedyCount(base, rewardedToken);
            System.out.println("GRPO greedy rewarded tokens on eval prompts: base " + baseCount + ", trained "
                    + trainedCount);
            assertThat(trainedCount).isGreaterThan(baseCount);
        }
    }

    @Test
    void theKlGuardRailStopsTheRunAndKeepsTheLastGoodCheckpoint() throws Exception {
        Path out = tmp.resolve("guard");
        GrpoConfig config = config(out, 10, o -> {
            o.addProperty("kl_limit", 1e-3);
            o.addProperty("save_steps", 1);
        });
        RunResult result = run(config, tokenReward(), TrainingListener.NONE);
        // step 1 samples from the untouched policy (KL 0); after its updates the KL passes the limit
        assertThat(result.stopReason()).startsWith("kl_limit: objective/kl_k3");
        assertThat(result.globalStep()).isEqualTo(1);
        assertThat(result.outputStep()).isZero();
        try (LlamaModel output = LlamaModel.load(out, ModelOptions.DEFAULT);
                LlamaModel good = LlamaModel.load(out.resolve("checkpoint-0"), ModelOptions.DEFAULT)) {
            assertThat(TestData.maxAbsDiff(TestData.snapshot(good.parameters()),
                    TestData.snapshot(output.parameters()))).isZero();
        }
        assertThat(Json.readObject(out.resolve(RunDirectory.REPORT_FILE)).get("output_step").getAsLong()).isZero();
    }

    @Test
    void drGrpoWithLoraTrainsAdaptersAgainstTheBaseWithAdaptersOff() throws Exception {
        Path out = tmp.resolve("lora");
        GrpoConfig config = config(out, 3, o -> {
            o.addProperty("loss_type", "dr_grpo");
            o.addProperty("scale_rewards", "none");
            o.addProperty("use_peft", true);
            o.addProperty("lora_r", 4);
            o.addProperty("lora_alpha", 8);
            o.addProperty("learning_rate", 5e-3);
        });
        RunResult result = run(config, tokenReward(), TrainingListener.NONE);
        assertThat(result.stopReason()).isEqualTo("completed");
        List<JsonObject> train = TestData.metrics(out).stream().filter(l -> l.has("objective/kl")).toList();
        assertThat(train.get(0).get("objective/kl").getAsDouble()).isZero(); // B = 0: policy == reference
        assertThat(train.get(2).get("objective/kl").getAsDouble()).isNotZero();
        assertThat(out.resolve("adapter_model.safetensors")).exists();
        assertThat(Json.readObject(out.resolve(GrpoTrainer.CONFIG_FILE)).get("loss_type").getAsString())
                .isEqualTo("dr_grpo");
        try (LanguageModel merged = LanguageModel.load(out.resolve("merged"))) {
            assertThat(merged.generator().chat(EVAL.get(0), GenerationOptions.greedy(4), t -> true).tokenIds())
                    .isNotEmpty();
        }
    }
}
