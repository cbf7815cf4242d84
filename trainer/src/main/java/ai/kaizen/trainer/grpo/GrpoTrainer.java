package ai.kaizen.trainer.grpo;

import ai.kaizen.trainer.online.GroupMethod;
import ai.kaizen.trainer.online.GroupObjective;
import ai.kaizen.trainer.online.GroupTrainer;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** GRPO as a {@link GroupMethod}: the shared critic-free {@link GroupTrainer} with {@link GrpoObjective}. */
public final class GrpoTrainer implements GroupMethod<GrpoConfig> {

    private static final Logger LOG = LoggerFactory.getLogger(GrpoTrainer.class);

    /** The method. */
    public static final GrpoTrainer METHOD = new GrpoTrainer();

    /** The configuration file written into the output directory. */
    public static final String CONFIG_FILE = "grpo_config.json";

    private GrpoTrainer() {}

    @Override
    public String name() {
        return "grpo";
    }

    @Override
    public GrpoConfig configure(JsonObject options, Path outputDir) {
        return GrpoConfig.fromJson(options, GrpoConfig.defaults(outputDir));
    }

    @Override
    public GroupObjective objective(GrpoConfig config) {
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
