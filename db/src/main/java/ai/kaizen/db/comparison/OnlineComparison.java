package ai.kaizen.db.comparison;

import java.time.Instant;

/**
 * An online A/B comparison: from {@code startedAt} until {@code endedAt} (null while it runs), a {@code share} of the
 * users' pairwise choices pit the baseline version (serving when it started) against the challenger.
 */
public record OnlineComparison(long id, long baselineVersionId, String baselineLabel, long challengerVersionId,
                               String challengerLabel, double share, String reason, String startedBy,
                               Instant startedAt, Instant endedAt) {

    public boolean running() {
        return endedAt == null;
    }
}
