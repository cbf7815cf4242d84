package ai.kaizen.server.config;

import java.util.Locale;
import java.util.Map;

/**
 * How the served models answer concurrent requests.
 *
 * @param batching      continuous batching or one generation per worker thread
 * @param maxBatch      {@code CONTINUOUS}: most sequences one model decodes together
 * @param kvCacheBytes  {@code CONTINUOUS}: most key/value-cache memory one model's running sequences reserve
 * @param prefillChunk  {@code CONTINUOUS}: prompt tokens read between two decode steps
 * @param workers       {@code PER_REQUEST}: threads that run generations
 * @param queue         generations that may wait before new ones are refused (503)
 */
public record InferenceSettings(Batching batching, int maxBatch, long kvCacheBytes, int prefillChunk, int workers,
                                int queue) {

    /** The values of {@code inference.batching}. */
    public enum Batching {
        CONTINUOUS, PER_REQUEST;

        /** The configuration's spelling: {@code continuous}, {@code per-request}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    static InferenceSettings from(ConfigValues values) {
        String mode = values.text(ConfigKey.INFERENCE_BATCHING);
        Batching batching = null;
        for (Batching b : Batching.values()) {
            if (b.label().equals(mode)) {
                batching = b;
            }
        }
        if (batching == null) {
            throw values.invalid(ConfigKey.INFERENCE_BATCHING, "must be continuous or per-request");
        }
        return new InferenceSettings(batching,
                values.integer(ConfigKey.INFERENCE_MAX_BATCH, 1, 256),
                values.integer(ConfigKey.INFERENCE_KV_CACHE_MB, 1, 1_048_576) * 1024L * 1024L,
                values.integer(ConfigKey.INFERENCE_PREFILL_CHUNK, 1, 65_536),
                values.integer(ConfigKey.INFERENCE_WORKERS, 1, 64),
                values.integer(ConfigKey.INFERENCE_QUEUE, 1, 10_000));
    }

    static InferenceSettings of(Map<ConfigKey, String> texts) {
        ConfigValues values = new ConfigValues();
        texts.forEach((key, value) -> values.set(key, value, "code"));
        return from(values);
    }
}
