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
    void theWeightTypeOfServedModelsIsConfigured() {
        assertThat(load(Map.of(), Map.of(), null).modelOptions().dtypeName()).isEqualTo("float32");
        assertThat(load(Map.of(), Map.of("KAIZEN_MODEL_DTYPE", "float16"), null).modelOptions().dtypeName())
                .isEqualTo("float16");
        ai.kaizen.model.llama.ModelOptions int8 = load(Map.of(ConfigKey.MODEL_DTYPE, "int8"), Map.of(), null)
                .modelOptions();
        assertThat(int8.int8Decode()).isTrue();
        assertThat(int8.dataType()).isEqualTo(ai.djl.ndarray.types.DataType.FLOAT32); // prompts read in float32
        assertThatThrownBy(() -> load(Map.of(ConfigKey.MODEL_DTYPE, "int4"), Map.of(), null))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessage("invalid value for model.dtype (from --model-dtype): 'int4' must be float32, float16 or int8");
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
    void trainerJobsAndObjectStorageAreConfiguredAndCheckedAtStart() {
        KaizenConfig defaults = load(Map.of(), Map.of(), null);
        assertThat(defaults.lifecycle().launcher()).isEqualTo(LifecycleSettings.Launcher.LOCAL);
        assertThat(defaults.artifacts().isLocal()).isTrue();

        Map<String, String> cluster = Map.of("KAIZEN_DATABASE_URL", "postgresql://kaizen:pw@db:5432/kaizen",
                "KAIZEN_CYCLE_LAUNCHER", "kubernetes", "KAIZEN_ARTIFACTS_URL", "s3://kaizen-models/prod",
                "KAIZEN_ARTIFACTS_S3_ENDPOINT", "http://minio:9000", "KAIZEN_ARTIFACTS_S3_PATH_STYLE", "true",
                "KAIZEN_CYCLE_KUBERNETES_NODE_SELECTOR", "nvidia.com/gpu.present=true, pool=gpu",
                "KAIZEN_CYCLE_KUBERNETES_TOLERATIONS", "nvidia.com/gpu:NoSchedule",
                "KAIZEN_CYCLE_KUBERNETES_GPUS", "1");
        KaizenConfig config = load(Map.of(), cluster, null);
        LifecycleSettings cycles = config.lifecycle();
        assertThat(cycles.launcher()).isEqualTo(LifecycleSettings.Launcher.KUBERNETES);
        assertThat(cycles.kubernetes().nodeSelector()).containsEntry("nvidia.com/gpu.present", "true")
                .containsEntry("pool", "gpu");
        assertThat(cycles.kubernetes().tolerations()).singleElement()
                .satisfies(t -> assertThat(t.getOperator()).isEqualTo("Exists"));
        assertThat(cycles.kubernetes().gpus()).isEqualTo(1);
        assertThat(cycles.kubernetes().secret()).contains("kaizen-trainer");
        assertThat(config.artifacts().url()).isEqualTo("s3://kaizen-models/prod");
        assertThat(config.artifacts().endpoint()).contains(java.net.URI.create("http://minio:9000"));
        assertThat(config.artifacts().pathStyle()).isTrue();

        java.util.function.Function<Map<String, String>, Map<String, String>> with = changes -> {
            Map<String, String> all = new java.util.HashMap<>(cluster);
            all.putAll(changes);
            return all;
        };
        assertThatThrownBy(() -> load(Map.of(), with.apply(Map.of("KAIZEN_CYCLE_LAUNCHER", "slurm")), null))
                .hasMessageContaining("cycle.launcher").hasMessageContaining("not local or kubernetes");
        Map<String, String> embedded = with.apply(Map.of());
        embedded.remove("KAIZEN_DATABASE_URL");
        assertThatThrownBy(() -> load(Map.of(), embedded, null)).hasMessageContaining("needs database.url");
        assertThatThrownBy(() -> load(Map.of(), with.apply(Map.of("KAIZEN_ARTIFACTS_URL", "")), null))
                .hasMessageContaining("needs artifacts.url (s3://...) or cycle.kubernetes-home-claim");
        assertThat(load(Map.of(), with.apply(Map.of("KAIZEN_ARTIFACTS_URL", "",
                "KAIZEN_CYCLE_KUBERNETES_HOME_CLAIM", "kaizen-home")), null).lifecycle().kubernetes().homeClaim())
                .contains("kaizen-home");
        assertThatThrownBy(() -> load(Map.of(), with.apply(Map.of("KAIZEN_CYCLE_KUBERNETES_TOLERATIONS",
                "gpu=yes")), null)).hasMessageContaining("cycle.kubernetes-tolerations");
        assertThatThrownBy(() -> load(Map.of(), with.apply(Map.of("KAIZEN_CYCLE_KUBERNETES_NODE_SELECTOR",
                "gpu")), null)).hasMessageContaining("cycle.kubernetes-node-selector");
        assertThatThrownBy(() -> load(Map.of(), with.apply(Map.of("KAIZEN_CYCLE_KUBERNETES_MEMORY", "lots")),
                null)).hasMessageContaining("is not a Kubernetes quantity");
        assertThatThrownBy(() -> load(Map.of(), with.apply(Map.of("KAIZEN_CYCLE_KUBERNETES_SCHEDULE_TIMEOUT_SECONDS",
                "60")), null)).hasMessageContaining("must be less than cycle.heartbeat-timeout-seconds");
        assertThatThrownBy(() -> load(Map.of(), with.apply(Map.of("KAIZEN_ARTIFACTS_URL", "https://bucket")), null))
                .hasMessageContaining("artifacts.url").hasMessageContaining("not an s3://bucket/prefix URL");
        assertThatThrownBy(() -> load(Map.of(), with.apply(Map.of("KAIZEN_ARTIFACTS_S3_ENDPOINT", "minio:9000")),
                null)).hasMessageContaining("artifacts.s3-endpoint");
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
