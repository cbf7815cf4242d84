package ai.kaizen.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private static KaizenConfig load(Map<ConfigKey, String> flags, Map<String, String> env, Path file) {
        return ConfigLoader.load(flags, env, Optional.ofNullable(file));
    }

    @Test
    void defaultsApplyWhenNothingIsSet() {
        KaizenConfig config = load(Map.of(), Map.of(), null);
        assertThat(config.home()).isEqualTo(Path.of(System.getProperty("user.home"), ".kaizen"));
        assertThat(config.httpHost()).isEqualTo("0.0.0.0");
        assertThat(config.httpPort()).isEqualTo(8080);
        assertThat(config.databaseUrl()).isEmpty();
        assertThat(config.databasePoolSize()).isEqualTo(10);
        assertThat(config.shutdownGrace()).isEqualTo(Duration.ofSeconds(20));
        assertThat(config.logLevel()).isEqualTo("INFO");
    }

    @Test
    void theDefaultModelIsTheRepositorysStarterModelWhenItIsThere() throws IOException {
        // tests run in server/, where models/starter is absent: the default then serves no model
        assertThat(Files.exists(Path.of("models/starter/config.json"))).isFalse();
        assertThat(load(Map.of(), Map.of(), null).modelDir()).isEmpty();
        assertThat(KaizenConfig.defaults(dir).with(Map.of(ConfigKey.HTTP_PORT, "0")).modelDir()).isEmpty();
        // a directory named explicitly must exist
        assertThatThrownBy(() -> load(Map.of(ConfigKey.MODEL_DIR, dir.resolve("none").toString()), Map.of(), null))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("model.dir");
        Path model = Files.createDirectories(dir.resolve("m"));
        Files.writeString(model.resolve("config.json"), "{}");
        assertThat(load(Map.of(), Map.of("KAIZEN_MODEL_DIR", model.toString()), null).modelDir()).contains(model);
    }

    @Test
    void flagsBeatEnvironmentWhichBeatsTheFile() throws IOException {
        Path file = dir.resolve("kaizen.properties");
        Files.writeString(file, "http.port=1111\ndatabase.pool-size=3\nlog.level=debug\n");
        KaizenConfig config = load(Map.of(ConfigKey.HTTP_PORT, "3333"),
                Map.of("KAIZEN_HTTP_PORT", "2222", "KAIZEN_DATABASE_POOL_SIZE", "4"), file);
        assertThat(config.httpPort()).isEqualTo(3333);
        assertThat(config.databasePoolSize()).isEqualTo(4);
        assertThat(config.logLevel()).isEqualTo("DEBUG");
    }

    @Test
    void theFileCanBeNamedByTheEnvironment() throws IOException {
        Path file = dir.resolve("other.properties");
        Files.writeString(file, "home=" + dir.resolve("h") + "\n");
        KaizenConfig config = load(Map.of(), Map.of("KAIZEN_CONFIG", file.toString()), null);
        assertThat(config.home()).isEqualTo(dir.resolve("h"));
    }

    @Test
    void homeExpandsTheTilde() {
        KaizenConfig config = load(Map.of(), Map.of("KAIZEN_HOME", "~/kz"), null);
        assertThat(config.home()).isEqualTo(Path.of(System.getProperty("user.home"), "kz"));
    }

    @Test
    void databaseUrlIsParsed() {
        KaizenConfig config = load(Map.of(),
                Map.of("KAIZEN_DATABASE_URL", "postgresql://kz:pw@db:5432/kaizen"), null);
        assertThat(config.databaseUrl()).hasValueSatisfying(url -> {
            assertThat(url.host()).isEqualTo("db");
            assertThat(url.password()).isEqualTo("pw");
        });
        assertThat(config.databaseSettings().externalUrl()).isEqualTo(config.databaseUrl());
    }

    @Test
    void anInvalidValueNamesTheKeyAndItsSourceInOneLine() {
        assertThatThrownBy(() -> load(Map.of(ConfigKey.HTTP_PORT, "eighty"), Map.of(), null))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("invalid value for http.port (from --http-port): 'eighty' is not a whole number");
        assertThatThrownBy(() -> load(Map.of(), Map.of("KAIZEN_HTTP_PORT", "70000"), null))
                .hasMessage("invalid value for http.port (from KAIZEN_HTTP_PORT): '70000' must be between 0 and 65535");
        assertThatThrownBy(() -> load(Map.of(), Map.of("KAIZEN_DATABASE_POOL_SIZE", "0"), null))
                .hasMessageContaining("database.pool-size");
        assertThatThrownBy(() -> load(Map.of(), Map.of("KAIZEN_LOG_LEVEL", "loud"), null))
                .hasMessageContaining("log.level");
        assertThatThrownBy(() -> load(Map.of(), Map.of("KAIZEN_SHUTDOWN_GRACE_SECONDS", "-1"), null))
                .hasMessageContaining("shutdown.grace-seconds");
        assertThatThrownBy(() -> load(Map.of(ConfigKey.HTTP_HOST, "a host"), Map.of(), null))
                .hasMessageContaining("http.host");
    }

    @Test
    void anInvalidDatabaseUrlNeverEchoesThePassword() {
        assertThatThrownBy(() -> load(Map.of(), Map.of("KAIZEN_DATABASE_URL", "mysql://u:hunter2@h/d"), null))
                .hasMessageStartingWith("invalid value for database.url (from KAIZEN_DATABASE_URL):")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void fileProblemsAreReportedClearly() throws IOException {
        assertThatThrownBy(() -> load(Map.of(), Map.of(), dir.resolve("missing.properties")))
                .hasMessageContaining("missing.properties does not exist");
        Path file = dir.resolve("typo.properties");
        Files.writeString(file, "http.prot=9000\n");
        assertThatThrownBy(() -> load(Map.of(), Map.of(), file))
                .hasMessageContaining("unknown configuration key 'http.prot'");
        Files.writeString(file, "http.port=nine\n");
        assertThatThrownBy(() -> load(Map.of(), Map.of(), file))
                .hasMessage("invalid value for http.port (from " + file + "): 'nine' is not a whole number");
    }

    @Test
    void namesAreDerivedFromTheKey() {
        assertThat(ConfigKey.HOME.environmentVariable()).isEqualTo("KAIZEN_HOME");
        assertThat(ConfigKey.DATABASE_URL.environmentVariable()).isEqualTo("KAIZEN_DATABASE_URL");
        assertThat(ConfigKey.DATABASE_POOL_SIZE.flag()).isEqualTo("--database-pool-size");
    }
}
