package ai.kaizen.server.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Reads the configuration from, in order of precedence: command-line flags, environment variables, and a
 * properties file (the one named by {@code --config} or {@code KAIZEN_CONFIG}, else {@code ./kaizen.properties}
 * when it exists). Keys absent from all three take their defaults.
 */
public final class ConfigLoader {

    /** Variable naming the properties file. */
    public static final String CONFIG_FILE_VARIABLE = "KAIZEN_CONFIG";
    /** The file read when none is named, if it exists in the working directory. */
    public static final Path DEFAULT_FILE = Path.of("kaizen.properties");

    private ConfigLoader() {
    }

    /**
     * @param flags       values given on the command line, by key (e.g. {@code http.port})
     * @param environment the process environment
     * @param configFile  the file named by {@code --config}, if any
     * @throws InvalidConfigException naming the key, when a value is unusable, the file is missing or unreadable,
     *                                or it holds a key Kaizen does not know (a typo would otherwise go unnoticed)
     */
    public static KaizenConfig load(Map<ConfigKey, String> flags, Map<String, String> environment,
                                    Optional<Path> configFile) {
        ConfigValues values = new ConfigValues();
        Optional<Path> file = configFile.or(() -> Optional.ofNullable(environment.get(CONFIG_FILE_VARIABLE))
                .filter(s -> !s.isBlank()).map(Path::of));
        if (file.isPresent()) {
            readFile(file.get(), values);
        } else if (Files.isRegularFile(DEFAULT_FILE)) {
            readFile(DEFAULT_FILE, values);
        }
        for (ConfigKey key : ConfigKey.values()) {
            String fromEnvironment = environment.get(key.environmentVariable());
            if (fromEnvironment != null) {
                values.set(key, fromEnvironment, key.environmentVariable());
            }
            String fromFlag = flags.get(key);
            if (fromFlag != null) {
                values.set(key, fromFlag, key.flag());
            }
        }
        return KaizenConfig.from(values);
    }

    private static void readFile(Path file, ConfigValues values) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidConfigException("configuration file " + file + " does not exist");
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidConfigException("cannot read configuration file " + file + ": " + e.getMessage());
        }
        for (String name : properties.stringPropertyNames()) {
            ConfigKey key = ConfigKey.byKey(name);
            if (key == null) {
                throw new InvalidConfigException("unknown configuration key '" + name + "' in " + file
                        + " (see the configuration table in README.md)");
            }
            values.set(key, properties.getProperty(name), file.toString());
        }
    }
}
