package ai.kaizen.server.cli;

import ai.kaizen.trainer.starter.StarterData;
import ai.kaizen.trainer.starter.StarterRecipe;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code kaizen starter chat}: tunes a pretrained model as a chat assistant. */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = {"Tunes a pretrained model as a chat assistant (ChatML, loss on every answer) on multi-turn",
                "conversations made from the training messages (several requests, facts given a turn earlier, long",
                "messages, Taskmaster-4 dialogs); eval loss on held-out conversations. --single-turn tunes on single",
                "exchanges (customer message -> detailed answer), as the recipe's first passes do."})
public final class StarterChatCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StarterOptions options;

    @Mixin
    StarterTrainingOptions training;

    @Option(names = "--single-turn", description = "Tune on single exchanges (batches of 16, up to 256 tokens).")
    boolean singleTurn;

    @Override
    public Integer call() {
        StarterData data = options.load(spec.commandLine());
        if (singleTurn) {
            return training.run(spec.commandLine(), "chat", StarterRecipe::chatSingleTurnDefaults,
                    (model, config, listener) -> StarterRecipe.chatSingleTurn(model, data, config, listener));
        }
        return training.run(spec.commandLine(), "chat", StarterRecipe::chatDefaults,
                (model, config, listener) -> StarterRecipe.chat(model, data, config, listener));
    }
}
