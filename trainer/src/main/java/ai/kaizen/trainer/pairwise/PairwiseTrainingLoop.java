package ai.kaizen.trainer.pairwise;

import ai.kaizen.trainer.training.TrainingArguments;
import com.google.gson.JsonObject;

/** {@link PreferenceTrainingLoop} over preference pairs: the loop of the reward model and DPO. */
public final class PairwiseTrainingLoop extends PreferenceTrainingLoop<TokenizedPair> {

    /**
     * @param args the shared options
     * @param objective the algorithm
     * @param configFile name of the configuration file written into the output directory
     * @param configJson the whole configuration, TRL names (compared on resume)
     */
    public PairwiseTrainingLoop(TrainingArguments args, PairwiseObjective objective, String configFile,
            JsonObject configJson) {
        super(args, objective, configFile, configJson);
    }
}
