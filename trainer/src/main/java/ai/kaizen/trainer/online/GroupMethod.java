package ai.kaizen.trainer.online;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.nio.file.Path;

/**
 * A critic-free method (RLOO, GRPO) as the {@link GroupTrainer}, {@code kaizen train rloo|grpo} and the cycle's
 * stages use it: its name, its configuration over its defaults, and its objective. The rest of a run is shared.
 *
 * @param <C> the method's configuration
 */
public interface GroupMethod<C extends GroupConfig> {

    /** @return the name: {@code rloo} or {@code grpo} (the command, the stage, {@code NAME_config.json}) */
    String name();

    /**
     * @param options TRL-named options
     * @param outputDir the output directory when the options name none
     * @return the configuration, the options laid over the method's defaults
     */
    C configure(JsonObject options, Path outputDir);

    /**
     * @param config the run's options
     * @return the method's advantages and loss
     */
    GroupObjective objective(C config);

    /**
     * @param config the run's options
     * @param policy the policy to train, float32 (its weights change in place)
     * @param reward the reward (owned by the caller)
     * @return the trainer (its reference is a frozen copy loaded from the policy's directory, or the base with
     *     LoRA adapters off)
     */
    default GroupTrainer create(C config, LanguageModel policy, Reward reward) {
        return GroupTrainer.create(config, objective(config), policy, reward);
    }

    /**
     * @param config the run's options
     * @param policy the policy to train
     * @param reference a frozen copy of the policy (null with LoRA), owned by the trainer from now on
     * @param reward the reward (owned by the caller)
     * @return the trainer
     */
    default GroupTrainer create(C config, LanguageModel policy, LlamaModel reference, Reward reward) {
        return new GroupTrainer(config, objective(config), policy, reference, reward);
    }

    /**
     * One job from files to files.
     *
     * @param policyDir the policy to train (usually the SFT output), Hugging Face layout
     * @param rewardModelDir the reward model: backbone + {@code scalar_head.safetensors} (+ {@code reward_stats.json})
     * @param config the run's options
     * @param datasetDir prompts: {@code train.jsonl}, optional {@code eval.jsonl}
     * @param listener progress callbacks
     * @return what happened
     */
    default RunResult run(Path policyDir, Path rewardModelDir, C config, Path datasetDir, TrainingListener listener) {
        return OnlineRun.run(policyDir, rewardModelDir, datasetDir, listener,
                (policy, reward) -> create(config, policy, reward));
    }
}
