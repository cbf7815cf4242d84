package ai.kaizen.db;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How the application reaches its database.
 *
 * @param externalUrl   an external PostgreSQL server to use; empty to run the embedded one
 * @param embeddedHome  where the embedded server keeps its data and binaries (used only without {@code externalUrl})
 * @param embeddedPort  port of the embedded server; 0 picks a free one at each start
 * @param poolSize      maximum connections of the reactive pool
 */
public record DatabaseSettings(Optional<DatabaseUrl> externalUrl, Path embeddedHome, int embeddedPort, int poolSize) {

    public DatabaseSettings {
        if (poolSize < 1) {
            throw new IllegalArgumentException("poolSize must be at least 1");
        }
    }
}
