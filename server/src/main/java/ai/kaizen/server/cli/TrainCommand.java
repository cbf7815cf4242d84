package ai.kaizen.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code kaizen train ...}: the training algorithms, run in this process. Each one is its own class. */
@Command(name = "train",
        mixinStandardHelpOptions = true,
        description = "Trains a model: supervised fine-tuning, reward model, PPO, RLOO, GRPO, DPO, KTO.",
        subcommands = {TrainSftCommand.class, TrainRmCommand.class, TrainPpoCommand.class, TrainRlooCommand.class,
                TrainGrpoCommand.class, TrainDpoCommand.class, TrainKtoCommand.class, TrainCycleCommand.class})
public final class TrainCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
