package ai.kaizen.server.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Keeps the README's configuration table true: every key, its variable and its default. */
class ReadmeConfigurationTableTest {

    @Test
    void readmeDocumentsEveryKey() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        for (ConfigKey key : ConfigKey.values()) {
            String dflt = key.defaultValue().isEmpty() ? "(empty)" : "`" + key.defaultValue() + "`";
            String row = "| `" + key.key() + "` | `" + key.environmentVariable() + "` | `" + key.flag() + "` | "
                    + dflt + " | " + key.description() + " |";
            assertThat(readme).as("README row for " + key.key()).contains(row);
        }
    }
}
