package ai.kaizen.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code kaizen eval ...}: offline evaluation of trained models on files. */
@Command(name = "eval",
        mixinStandardHelpOptions = true,
        description = "Evaluates a trained model: a reward model on preference pairs, a policy on prompts.",
        subcommands = {EvalRmCommand.class, EvalPolicyCommand.class})
public final class EvalCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
