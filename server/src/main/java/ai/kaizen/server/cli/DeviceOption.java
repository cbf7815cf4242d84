package ai.kaizen.server.cli;

import ai.kaizen.trainer.device.TrainingDevice;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code --device cpu|gpu} of the training commands: where their models live. A picocli mixin. */
final class DeviceOption {

    @Option(names = "--device", paramLabel = "cpu|gpu", defaultValue = "cpu",
            description = "Train on the CPU (default) or a CUDA GPU (needs the cuda build profile).")
    String device;

    /** Sets the process's training device; a GPU that is not there is a usage error (exit status 2). */
    void apply(CommandLine cli) {
        try {
            TrainingDevice.use(TrainingDevice.parse(device));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cli, e.getMessage());
        }
    }
}
