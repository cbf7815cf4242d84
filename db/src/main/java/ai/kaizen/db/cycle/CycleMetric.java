package ai.kaizen.db.cycle;

import java.time.Instant;

/** One logged value of a cycle's trainer; {@code id} grows, so a live view asks for those after the last it saw. */
public record CycleMetric(long id, String stage, int step, String name, double value, Instant at) {
}
