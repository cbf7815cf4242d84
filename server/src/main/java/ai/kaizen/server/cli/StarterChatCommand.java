package ai.kaizen.server.cli;

import ai.kaizen.trainer.starter.StarterData;
import ai.kaizen.trainer.starter.StarterRecipe;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code kaizen starter chat}: tunes a pretrained model as a chat assistant. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {"Tunes a pretrained model as a chat assistant (ChatML; customer message -> detailed answer,",
                "loss on the answer); eval loss on the held-out messages."})
public final class StarterChatCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StarterOptions options;

    @Mixin
    StarterTrainingOptions training;

    @Override
    public Integer call() {
        StarterData data = options.load(spec.commandLine());
        return training.run(spec.commandLine(), "chat", StarterRecipe::chatDefaults,
                (model, config, listener) -> StarterRecipe.chat(model, data, config, listener));
    }
}
