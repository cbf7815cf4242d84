package ai.kaizen.trainer.rloo;

import ai.kaizen.trainer.online.GroupMethod;
import ai.kaizen.trainer.online.GroupObjective;
import ai.kaizen.trainer.online.GroupTrainer;
import com.google.gson.JsonObject;
import java.nio.file.Path;

/** RLOO as a {@link GroupMethod}: the shared critic-free {@link GroupTrainer} with {@link RlooObjective}. */
public final class RlooTrainer implements GroupMethod<RlooConfig> {

    /** The method. */
    public static final RlooTrainer METHOD = new RlooTrainer();

    /** The configuration file written into the output directory. */
    public static final String CONFIG_FILE = "rloo_config.json";

    private RlooTrainer() {}

    @Override
    public String name() {
        return "rloo";
    }

    @Override
    public RlooConfig configure(JsonObject options, Path outputDir) {
        return RlooConfig.fromJson(options, RlooConfig.defaults(outputDir));
    }

    @Override
    public GroupObjective objective(RlooConfig config) {
        return new RlooObjective(config);
    }
}
