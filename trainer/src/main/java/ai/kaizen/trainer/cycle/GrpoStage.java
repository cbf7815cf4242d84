package ai.kaizen.trainer.cycle;

import ai.kaizen.trainer.grpo.GrpoConfig;
import ai.kaizen.trainer.grpo.GrpoRun;
import ai.kaizen.trainer.online.RunResult;
import ai.kaizen.trainer.training.TrainingListener;
import java.nio.file.Path;

/** GRPO against the reward model, with the request's TRL options under {@code "grpo"} (see {@link GroupRlStage}). */
final class GrpoStage extends GroupRlStage<GrpoConfig> {

    @Override
    public StageKind kind() {
        return StageKind.GRPO;
    }

    @Override
    GrpoConfig configure(com.google.gson.JsonObject options, Path output) {
        return GrpoConfig.fromJson(options, GrpoConfig.defaults(output));
    }

    @Override
    RunResult train(Path policy, Path rewardModel, GrpoConfig config, Path prompts, TrainingListener listener) {
        return GrpoRun.run(policy, rewardModel, config, prompts, listener);
    }
}
