package ai.kaizen.trainer.online;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A critic-free method (RLOO, GRPO) as the {@link GroupTrainer}, {@code kaizen train rloo|grpo} and the cycle's
 * stages use it: its name, its configuration over its defaults, and its objective. The rest of a run is shared.
 *
 * @param name the name: {@code rloo} or {@code grpo} (the command, the stage, {@code NAME_config.json})
 * @param configuration TRL-named options and the output directory they fall back on, to the configuration (the
 *     options laid over the method's defaults)
 * @param objective the method's advantages and loss for a configuration
 * @param <C> the method's configuration
 */
public record GroupMethod<C extends GroupConfig>(String name, BiFunction<JsonObject, Path, C> configuration,
        Function<C, GroupObjective> objective) {

    /**
     * @param options TRL-named options
     * @param outputDir the output directory when the options name none
     * @return the configuration
     */
    public C configure(JsonObject options, Path outputDir) {
        return configuration.apply(options, outputDir);
    }

    /**
     * @param config the run's options
     * @param policy the policy to train, float32 (its weights change in place)
     * @param reward the reward (owned by the caller)
     * @return the trainer (its reference is a frozen copy loaded from the policy's directory, or the base with
     *     LoRA adapters off)
     */
    public GroupTrainer create(C config, LanguageModel policy, Reward reward) {
        return GroupTrainer.create(config, objective.apply(config), policy, reward);
    }

    /**
     * @param config the run's options
     * @param policy the policy to train
     * @param reference a frozen copy of the policy (null with LoRA), owned by the trainer from now on
     * @param reward the reward (owned by the caller)
     * @return the trainer
     */
    public GroupTrainer create(C config, LanguageModel policy, LlamaModel reference, Reward reward) {
        return new GroupTrainer(config, objective.apply(config), policy, reference, reward);
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
    public RunResult run(Path policyDir, Path rewardModelDir, C config, Path datasetDir, TrainingListener listener) {
        return run(policyDir, rewardModelDir, config, datasetDir, listener, null);
    }

    /**
     * As {@link #run(Path, Path, GroupConfig, Path, TrainingListener)}, with the evaluations also judged.
     *
     * @param judge judges the evaluation answers besides the reward ({@link EvaluationJudge}), or null
     */
    public RunResult run(Path policyDir, Path rewardModelDir, C config, Path datasetDir, TrainingListener listener,
            EvaluationJudge judge) {
        return OnlineRun.run(policyDir, rewardModelDir, datasetDir, listener,
                reward -> config.online().reward(reward, config.args().seed()),
                (policy, reward) -> create(config, policy, reward), judge);
    }
}
