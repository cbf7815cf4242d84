package ai.kaizen.trainer.rloo;

import static ai.kaizen.trainer.online.OnlineTestModels.TRAIN;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.trainer.grpo.GrpoConfig;
import ai.kaizen.trainer.grpo.GrpoTrainer;
import ai.kaizen.trainer.online.GroupMethod;
import ai.kaizen.trainer.online.GroupTrainer;
import ai.kaizen.trainer.online.GroupTrainerContract;
import ai.kaizen.trainer.online.LengthReward;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RLOO: the {@link GroupTrainerContract}, and what is RLOO's own (a checkpoint it refuses to resume). */
class RlooTrainerTest extends GroupTrainerContract<RlooConfig> {

    @Override
    protected GroupMethod<RlooConfig> method() {
        return RlooTrainer.METHOD;
    }

    @Override
    protected void smallRunOptions(JsonObject o) {
        o.addProperty("beta", 0.02);
    }

    @Test
    void aRunNeverResumesAnotherMethodsCheckpoint() {
        Path out = tmp.resolve("mixed");
        GrpoConfig grpo = GrpoConfig.defaults(out).with(o -> {
            o.addProperty("max_steps", 1);
            o.addProperty("per_device_train_batch_size", 4);
            o.addProperty("num_generations", 4);
            o.addProperty("max_completion_length", 8);
            o.addProperty("learning_rate", 1e-4);
        });
        try (LanguageModel lm = LanguageModel.load(policyDir);
                GroupTrainer trainer = GrpoTrainer.METHOD.create(grpo, lm, tokenReward())) {
            trainer.train(TRAIN, List.of(), TrainingListener.NONE);
        }
        RlooConfig rloo = config(out, 2, o -> o.addProperty("resume", true));
        assertThatThrownBy(() -> run(rloo, new LengthReward(8), TrainingListener.NONE))
                .hasMessageContaining("was written by grpo, not rloo");
    }
}
