package ai.kaizen.trainer.rloo;

import ai.kaizen.trainer.online.GroupMethod;
import ai.kaizen.trainer.online.GroupTrainer;

/** RLOO as a {@link GroupMethod}: the shared critic-free {@link GroupTrainer} with {@link RlooObjective}. */
public final class RlooTrainer {

    /** The method. */
    public static final GroupMethod<RlooConfig> METHOD = new GroupMethod<>("rloo",
            (options, outputDir) -> RlooConfig.fromJson(options, RlooConfig.defaults(outputDir)), RlooObjective::new);

    /** The configuration file written into the output directory. */
    public static final String CONFIG_FILE = "rloo_config.json";

    private RlooTrainer() {}
}
