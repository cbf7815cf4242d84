package ai.kaizen.trainer.grpo;

import ai.kaizen.trainer.online.GroupMethod;
import ai.kaizen.trainer.online.GroupObjective;
import ai.kaizen.trainer.online.GroupTrainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** GRPO as a {@link GroupMethod}: the shared critic-free {@link GroupTrainer} with {@link GrpoObjective}. */
public final class GrpoTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(GrpoTrainer.class);

    /** The method. */
    public static final GroupMethod<GrpoConfig> METHOD = new GroupMethod<>("grpo",
            (options, outputDir) -> GrpoConfig.fromJson(options, GrpoConfig.defaults(outputDir)),
            GrpoTrainer::objective);

    /** The configuration file written into the output directory. */
    public static final String CONFIG_FILE = "grpo_config.json";

    private GrpoTrainer() {}

    private static GroupObjective objective(GrpoConfig config) {
        warnOnHalfDrGrpo(config);
        return new GrpoObjective(config);
    }

    /** Dr. GRPO is both its loss and no division by the group's std; TRL keeps the two options apart, so does this. */
    private static void warnOnHalfDrGrpo(GrpoConfig config) {
        if (config.lossType() == GrpoConfig.LossType.DR_GRPO && config.scaleRewards() != GrpoConfig.ScaleRewards.NONE) {
            LOG.warn("loss_type dr_grpo with scale_rewards {}: Dr. GRPO also leaves the rewards unscaled "
                    + "(scale_rewards \"none\")", config.scaleRewards().trlName());
        }
    }
}
