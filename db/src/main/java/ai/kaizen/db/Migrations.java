package ai.kaizen.db;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a database's schema to the current version with the versioned SQL scripts under
 * {@code db/migration} on the classpath ({@code V<n>__<what>.sql}). Runs over JDBC, before the reactive pool opens.
 */
public final class Migrations {

    private static final Logger log = LoggerFactory.getLogger(Migrations.class);

    private Migrations() {
    }

    /**
     * Applies every pending migration; blocks.
     *
     * @return the schema version after migrating
     */
    public static String migrate(DatabaseUrl url) {
        Flyway flyway = Flyway.configure()
                .dataSource(url.jdbcUrl(), url.user(), url.password())
                .locations("classpath:db/migration")
                .connectRetries(3)
                .failOnMissingLocations(true)
                .load();
        MigrateResult result = flyway.migrate();
        // With nothing to apply, Flyway leaves the target empty: the schema is then at its initial version.
        String version = result.targetSchemaVersion != null ? result.targetSchemaVersion
                : result.initialSchemaVersion != null ? result.initialSchemaVersion : "none";
        log.info("database schema at version {} ({} migration(s) applied)", version, result.migrationsExecuted);
        return version;
    }
}
