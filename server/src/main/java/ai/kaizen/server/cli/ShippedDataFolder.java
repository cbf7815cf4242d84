package ai.kaizen.server.cli;

import ai.kaizen.server.config.ConfigLoader;
import ai.kaizen.trainer.dataset.ShippedData;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * The data folder of a command that reads the shipped customer-service data: the one its {@code --data} flag names,
 * else the copy inside Kaizen (unpacked under the home that {@code KAIZEN_HOME} or the configuration file names).
 */
final class ShippedDataFolder {

    private ShippedDataFolder() {
    }

    /**
     * @param cli the command, for usage errors
     * @param flag the {@code --data} flag's value, or null
     * @param sub the part of the data folder the command reads ({@code ""} for all of it, {@code "bitext"}, ...)
     * @return the folder
     */
    static Path resolve(CommandLine cli, Path flag, String sub) {
        if (flag != null) {
            return flag;
        }
        try {
            Path home = ConfigLoader.load(Map.of(), System.getenv(), Optional.empty()).home();
            return ShippedData.directory(home).resolve(sub);
        } catch (IllegalStateException e) {
            throw new ParameterException(cli, e.getMessage());
        }
    }
}
