package ai.kaizen.db.cycle;

import java.time.Instant;

/** One line of a cycle's trainer log. */
public record CycleLogLine(long id, Instant at, String line) {
}
