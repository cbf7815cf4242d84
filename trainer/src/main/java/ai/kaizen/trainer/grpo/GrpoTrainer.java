package ai.kaizen.trainer.grpo;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.llama.LlamaModel;
import ai.kaizen.trainer.online.GroupTrainer;
import ai.kaizen.trainer.online.Reward;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Makes the {@link GroupTrainer} of a GRPO run: the shared critic-free trainer with {@link GrpoObjective}. */
public final class GrpoTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(GrpoTrainer.class);

    /** The configuration file written into the output directory. */
    public static final String CONFIG_FILE = "grpo_config.json";

    private GrpoTrainer() {}

    /**
     * @param config the run's options
     * @param policy the policy to train, float32 (its weights change in place)
     * @param reward the reward (owned by the caller)
     * @return the trainer (its reference is a frozen copy loaded from the policy's directory, or the base
     *     with LoRA adapters off)
     */
    public static GroupTrainer create(GrpoConfig config, LanguageModel policy, Reward reward) {
        warnOnHalfDrGrpo(config);
        return GroupTrainer.create(config, new GrpoObjective(config), policy, reward);
    }

    /**
     * @param config the run's options
     * @param policy the policy to train
     * @param reference a frozen copy of the policy (null with LoRA), owned by the trainer from now on
     * @param reward the reward (owned by the caller)
     * @return the trainer
     */
    public static GroupTrainer create(GrpoConfig config, LanguageModel policy, LlamaModel reference, Reward reward) {
        warnOnHalfDrGrpo(config);
        return new GroupTrainer(config, new GrpoObjective(config), policy, reference, reward);
    }

    /** Dr. GRPO is both its loss and no division by the group's std; TRL keeps the two options apart, so does this. */
    private static void warnOnHalfDrGrpo(GrpoConfig config) {
        if (config.lossType() == GrpoConfig.LossType.DR_GRPO && config.scaleRewards() != GrpoConfig.ScaleRewards.NONE) {
            LOG.warn("loss_type dr_grpo with scale_rewards {}: Dr. GRPO also leaves the rewards unscaled "
                    + "(scale_rewards \"none\")", config.scaleRewards().trlName());
        }
    }
}
