package ai.kaizen.server.config;

import ai.kaizen.model.llama.ModelOptions;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which engine serves the model versions that do not name one in the registry, and how to reach an external one.
 *
 * @param engine      {@code serving.engine}: this process, or an OpenAI-compatible engine
 * @param engineUrl   {@code serving.engine-url}: the engine's base URL (requests go to {@code /v1/chat/completions})
 * @param apiKey      {@code serving.engine-api-key}: sent as {@code Authorization: Bearer}; empty sends none
 * @param engineModel {@code serving.engine-model}: the {@code model} name of versions that record none; empty uses
 *                    the version's label
 * @param timeout     {@code serving.engine-timeout-seconds}: longest wait to connect, and between two streamed bytes
 * @param streams     {@code serving.engine-streams}: most answers streaming from the engine at once
 * @param modelOptions {@code model.dtype}: how this process holds the weights of the models it runs
 */
public record ServingSettings(Engine engine, Optional<URI> engineUrl, String apiKey, Optional<String> engineModel,
                              Duration timeout, int streams, ModelOptions modelOptions) {

    /** The values of {@code serving.engine} (and of a model version's own engine). */
    public enum Engine {
        LOCAL, OPENAI;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The engine spelt {@code text} ({@code local}, {@code openai}), if any. */
        public static Optional<Engine> of(String text) {
            for (Engine e : values()) {
                if (e.label().equals(text)) {
                    return Optional.of(e);
                }
            }
            return Optional.empty();
        }
    }

    static ServingSettings from(ConfigValues values) {
        Engine engine = Engine.of(values.text(ConfigKey.SERVING_ENGINE)).orElseThrow(() ->
                values.invalid(ConfigKey.SERVING_ENGINE, "must be local or openai"));
        String url = values.text(ConfigKey.SERVING_ENGINE_URL);
        Optional<URI> uri = Optional.empty();
        if (!url.isEmpty()) {
            try {
                uri = Optional.of(URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url));
            } catch (IllegalArgumentException e) {
                throw values.invalid(ConfigKey.SERVING_ENGINE_URL, "is not a URL");
            }
            if (!"http".equals(uri.get().getScheme()) && !"https".equals(uri.get().getScheme())
                    || uri.get().getHost() == null) {
                throw values.invalid(ConfigKey.SERVING_ENGINE_URL, "is not an http:// or https:// URL");
            }
        } else if (engine == Engine.OPENAI) {
            throw values.invalid(ConfigKey.SERVING_ENGINE_URL, "is needed when serving.engine is openai");
        }
        String model = values.text(ConfigKey.SERVING_ENGINE_MODEL);
        ModelOptions options;
        try {
            options = ModelOptions.ofDtype(values.text(ConfigKey.MODEL_DTYPE));
        } catch (IllegalArgumentException e) {
            throw values.invalid(ConfigKey.MODEL_DTYPE, "must be " + ModelOptions.DTYPES);
        }
        return new ServingSettings(engine, uri, values.text(ConfigKey.SERVING_ENGINE_API_KEY),
                model.isEmpty() ? Optional.empty() : Optional.of(model),
                Duration.ofSeconds(values.integer(ConfigKey.SERVING_ENGINE_TIMEOUT_SECONDS, 1, 3600)),
                values.integer(ConfigKey.SERVING_ENGINE_STREAMS, 1, 10_000), options);
    }

    /** The settings {@code texts} give, the other keys at their defaults; fails as a configuration file would. */
    public static ServingSettings of(Map<ConfigKey, String> texts) {
        ConfigValues values = new ConfigValues();
        texts.forEach((key, value) -> values.set(key, value, "code"));
        return from(values);
    }

    /** Models served here only: what tests and tools that load a model themselves use. */
    public static ServingSettings local() {
        return of(Map.of());
    }
}
