package ai.kaizen.server.cli;

import ai.kaizen.trainer.starter.StarterData;
import ai.kaizen.trainer.starter.StarterRecipe;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code kaizen starter pretrain}: causal-LM pretraining on the training split's plain text. */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = {"Pretrains a model (e.g. from starter init) as a causal LM on the customer-service text of the",
                "training split, packed into context-long blocks; eval loss on the held-out exchanges."})
public final class StarterPretrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StarterOptions options;

    @Mixin
    StarterTrainingOptions training;

    @Override
    public Integer call() {
        StarterData data = options.load(spec.commandLine());
        return training.run(spec.commandLine(), "pretrain", StarterRecipe::pretrainDefaults,
                (model, config, listener) -> StarterRecipe.pretrain(model, data, config, StarterRecipe.SEED,
                        listener));
    }
}
