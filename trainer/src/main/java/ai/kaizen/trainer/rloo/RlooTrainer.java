package ai.kaizen.trainer.rloo;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.trainer.online.GroupTrainer;
import ai.kaizen.trainer.online.Reward;

/** Makes the {@link GroupTrainer} of an RLOO run: the shared critic-free trainer with {@link RlooObjective}. */
public final class RlooTrainer {

    /** The configuration file written into the output directory. */
    public static final String CONFIG_FILE = "rloo_config.json";

    private RlooTrainer() {}

    /**
     * @param config the run's options
     * @param policy the policy to train, float32 (its weights change in place)
     * @param reward the reward (owned by the caller)
     * @return the trainer (its reference is a frozen copy loaded from the policy's directory, or the base
     *     with LoRA adapters off)
     */
    public static GroupTrainer create(RlooConfig config, LanguageModel policy, Reward reward) {
        return GroupTrainer.create(config, new RlooObjective(config), policy, reward);
    }

    /**
     * @param config the run's options
     * @param policy the policy to train
     * @param reference a frozen copy of the policy (null with LoRA), owned by the trainer from now on
     * @param reward the reward (owned by the caller)
     * @return the trainer
     */
    public static GroupTrainer create(RlooConfig config, LanguageModel policy, LlamaModel reference, Reward reward) {
        return new GroupTrainer(config, new RlooObjective(config), policy, reference, reward);
    }
}
