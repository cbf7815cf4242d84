package ai.kaizen.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Feedback committed: {@code kaizen_feedback_writes_total{kind="rating"|"choice", source="page"|"api"}} (one per
 * rating or choice stored; a {@code /v1/feedback} with both counts one of each) and
 * {@code kaizen_feedback_replays_total} (retries answered from an idempotency key, storing nothing).
 */
public final class FeedbackMetrics {

    /** Where feedback came from: the chat page or the API. */
    public enum Source { page, api }

    private final Counter pageRatings;
    private final Counter pageChoices;
    private final Counter apiRatings;
    private final Counter apiChoices;
    private final Counter replays;

    FeedbackMetrics(MeterRegistry registry) {
        pageRatings = writes(registry, "rating", Source.page);
        pageChoices = writes(registry, "choice", Source.page);
        apiRatings = writes(registry, "rating", Source.api);
        apiChoices = writes(registry, "choice", Source.api);
        replays = Counter.builder("kaizen.feedback.replays")
                .description("Feedback requests answered from an earlier request with the same idempotency key")
                .register(registry);
    }

    private static Counter writes(MeterRegistry registry, String kind, Source source) {
        return Counter.builder("kaizen.feedback.writes").tag("kind", kind).tag("source", source.name())
                .description("Feedback committed to the database").register(registry);
    }

    public void rating(Source source) {
        (source == Source.page ? pageRatings : apiRatings).increment();
    }

    public void choice(Source source) {
        (source == Source.page ? pageChoices : apiChoices).increment();
    }

    public void replay() {
        replays.increment();
    }
}
