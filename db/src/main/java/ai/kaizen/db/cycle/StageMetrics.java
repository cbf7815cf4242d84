package ai.kaizen.db.cycle;

import java.util.List;

/** What one cycle's trainer logged in one stage, in order. */
public record StageMetrics(long cycleId, String stage, List<CycleMetric> metrics) {
}
