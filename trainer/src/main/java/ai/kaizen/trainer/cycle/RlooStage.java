package ai.kaizen.trainer.cycle;

import ai.kaizen.trainer.online.RunResult;
import ai.kaizen.trainer.rloo.RlooConfig;
import ai.kaizen.trainer.rloo.RlooRun;
import ai.kaizen.trainer.training.TrainingListener;
import java.nio.file.Path;

/** RLOO against the reward model, with the request's TRL options under {@code "rloo"} (see {@link GroupRlStage}). */
final class RlooStage extends GroupRlStage<RlooConfig> {

    @Override
    public StageKind kind() {
        return StageKind.RLOO;
    }

    @Override
    RlooConfig configure(com.google.gson.JsonObject options, Path output) {
        return RlooConfig.fromJson(options, RlooConfig.defaults(output));
    }

    @Override
    RunResult train(Path policy, Path rewardModel, RlooConfig config, Path prompts, TrainingListener listener) {
        return RlooRun.run(policy, rewardModel, config, prompts, listener);
    }
}
