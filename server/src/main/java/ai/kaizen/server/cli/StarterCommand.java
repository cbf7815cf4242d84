package ai.kaizen.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code kaizen starter ...}: makes the starter model from the shipped data, one step per command. */
@Command(name = "starter",
        mixinStandardHelpOptions = true,
        description = {"Makes Kaizen's starter model from the shipped data: tokenizer, then init, pretrain, chat;",
                "evaluate measures a model on the held-out customer messages."},
        subcommands = {StarterTokenizerCommand.class, StarterInitCommand.class, StarterPretrainCommand.class,
                StarterChatCommand.class, StarterEvaluateCommand.class})
public final class StarterCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
