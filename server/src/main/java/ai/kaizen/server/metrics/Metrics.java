package ai.kaizen.server.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The server's meters, exposed at {@code GET /metrics} in Prometheus' text format: the JVM's (memory, garbage
 * collection, threads, classes, CPU, uptime) and Kaizen's own ({@link HttpMetrics}, {@link FeedbackMetrics},
 * {@link CycleMetrics}, {@link InferenceMetrics}). One per server.
 */
public final class Metrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final InferenceMetrics inference;
    private final FeedbackMetrics feedback;

    public Metrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        inference = new InferenceMetrics(registry);
        feedback = new FeedbackMetrics(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Where the model's serving code records tokens, batches, queue depth and latencies. */
    public InferenceMetrics inference() {
        return inference;
    }

    public FeedbackMetrics feedback() {
        return feedback;
    }

    /** Every meter in Prometheus' text format (version 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
