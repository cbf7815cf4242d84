package ai.kaizen.trainer.starter;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Pins every option of the starter model's three training recipes, as the shipped starter model was trained. */
class StarterRecipeTest {

    static final Path OUT = Path.of("out");

    /** What the three recipes share: GPT-2 small-style AdamW, 5% warmup, five evaluations, one checkpoint kept. */
    static JsonObject expected(double learningRate, int batchSize, int maxLength, int maxSteps, int warmupSteps,
            int evalSteps) {
        return JsonParser.parseString("""
                {"learning_rate": %s, "per_device_train_batch_size": %d, "max_length": %d, "max_steps": %d,
                 "warmup_steps": %d, "eval_steps": %d,
                 "adam_beta1": 0.9, "adam_beta2": 0.95, "adam_epsilon": 1e-8, "weight_decay": 0.1,
                 "num_train_epochs": 1.0, "per_device_eval_batch_size": 16, "gradient_accumulation_steps": 1,
                 "max_grad_norm": 1.0, "logging_steps": 10, "save_steps": 100, "save_total_limit": 1, "seed": 7,
                 "output_dir": "out", "resume": false, "use_peft": false, "early_stopping_patience": 0,
                 "load_best_model_at_end": false}
                """.formatted(learningRate, batchSize, maxLength, maxSteps, warmupSteps, evalSteps))
                .getAsJsonObject();
    }

    @Test
    void pretrainingRunsAtAHighRateOnBlocksOf256Tokens() {
        assertThat(StarterRecipe.pretrainDefaults(OUT, 6000).toJson()).isEqualTo(expected(2e-3, 16, 256, 6000, 300,
                1200));
        assertThat(StarterRecipe.pretrainDefaults(OUT, 3).toJson()).isEqualTo(expected(2e-3, 16, 256, 3, 1, 1));
    }

    @Test
    void chatTuningRunsAtAQuarterOfThatRateOnWholeConversations() {
        assertThat(StarterRecipe.CHAT_BATCH).isEqualTo(4);
        assertThat(StarterRecipe.SHAPE.context()).isEqualTo(2048);
        assertThat(StarterRecipe.chatDefaults(OUT, 3000).toJson()).isEqualTo(expected(5e-4, 4, 2048, 3000, 150,
                600));
        assertThat(StarterRecipe.chatDefaults(OUT, 3).toJson()).isEqualTo(expected(5e-4, 4, 2048, 3, 1, 1));
    }

    @Test
    void singleTurnChatTuningRunsAtTheChatRateOnPretrainingSizedBatches() {
        assertThat(StarterRecipe.chatSingleTurnDefaults(OUT, 2000).toJson()).isEqualTo(expected(5e-4, 16, 256,
                2000, 100, 400));
        assertThat(StarterRecipe.chatSingleTurnDefaults(OUT, 3).toJson()).isEqualTo(expected(5e-4, 16, 256, 3,
                1, 1));
    }
}
