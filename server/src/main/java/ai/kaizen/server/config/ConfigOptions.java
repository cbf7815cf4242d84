package ai.kaizen.server.config;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Adds one command-line flag per {@link ConfigKey} (plus {@code --config FILE}) to a command, and reads them back
 * into a {@link KaizenConfig}. Flags are taken as text so that validation, and its messages, happen in one place.
 */
public final class ConfigOptions {

    private static final String CONFIG_FLAG = "--config";

    private ConfigOptions() {
    }

    /** Adds the configuration flags to {@code command}. */
    public static void addTo(CommandSpec command) {
        command.addOption(OptionSpec.builder(CONFIG_FLAG)
                .paramLabel("FILE")
                .type(String.class)
                .description("Properties file with configuration keys (env " + ConfigLoader.CONFIG_FILE_VARIABLE
                        + "; default ./kaizen.properties when present).")
                .build());
        for (ConfigKey key : ConfigKey.values()) {
            String dflt = key.defaultValue().isEmpty() ? "empty" : key.defaultValue();
            command.addOption(OptionSpec.builder(key.flag())
                    .paramLabel(key.label())
                    .type(String.class)
                    // picocli formats descriptions: a literal % must be doubled
                    .description(key.description().replace("`", "").replace("%", "%%") + " (env "
                            + key.environmentVariable() + "; default " + dflt + ")")
                    .build());
        }
    }

    /** The configuration given by {@code command}'s flags, the environment and the properties file. */
    public static KaizenConfig read(CommandSpec command, Map<String, String> environment) {
        Map<ConfigKey, String> flags = new EnumMap<>(ConfigKey.class);
        for (ConfigKey key : ConfigKey.values()) {
            OptionSpec option = command.findOption(key.flag());
            if (option != null && option.getValue() != null) {
                flags.put(key, option.getValue());
            }
        }
        OptionSpec file = command.findOption(CONFIG_FLAG);
        Optional<Path> configFile = Optional.ofNullable(file == null ? null : (String) file.getValue()).map(Path::of);
        return ConfigLoader.load(flags, environment, configFile);
    }
}
