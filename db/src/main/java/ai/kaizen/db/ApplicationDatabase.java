package ai.kaizen.db;

import org.postgresql.PGConnection;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static ai.kaizen.db.EmbeddedCredentials.APPLICATION_ROLE;
import static ai.kaizen.db.EmbeddedCredentials.SUPERUSER;

/**
 * The application's role and database in the embedded cluster, made ready by the superuser at every start: the role
 * {@code kaizen} logs in with its stored password and is no superuser (an SQL injection must not reach
 * {@code COPY ... TO PROGRAM} or other roles); it owns the database {@code kaizen} and everything in it, so that the
 * migrations run as it. Every step is idempotent, which is also how homes made before this role existed (where
 * {@code postgres} owned everything) are upgraded.
 */
final class ApplicationDatabase {

    private ApplicationDatabase() {
    }

    /**
     * @param server      the cluster's {@code postgres} database, as the superuser
     * @param application the application's database, as the superuser
     */
    static void prepare(DataSource server, DataSource application, String password) {
        try {
            try (Connection c = server.getConnection(); Statement s = c.createStatement()) {
                if (!exists(s, "SELECT 1 FROM pg_roles WHERE rolname = '" + APPLICATION_ROLE + "'")) {
                    s.execute("CREATE ROLE " + APPLICATION_ROLE);
                }
                s.execute("ALTER ROLE " + APPLICATION_ROLE
                        + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS");
                // Hashed (SCRAM) by the driver: the password itself never reaches the server or its logs.
                c.unwrap(PGConnection.class).alterUserPassword(APPLICATION_ROLE, password.toCharArray(),
                        "scram-sha-256");
                if (exists(s, "SELECT 1 FROM pg_database WHERE datname = '" + EmbeddedPostgresServer.DATABASE + "'")) {
                    s.execute("ALTER DATABASE " + EmbeddedPostgresServer.DATABASE + " OWNER TO " + APPLICATION_ROLE);
                } else {
                    s.execute("CREATE DATABASE " + EmbeddedPostgresServer.DATABASE + " OWNER " + APPLICATION_ROLE
                            + " ENCODING 'UTF8'");
                }
            }
            try (Connection c = application.getConnection(); Statement s = c.createStatement()) {
                transferOwnership(s);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not prepare the role and database '" + APPLICATION_ROLE + "': "
                    + e.getMessage(), e);
        }
    }

    /**
     * Hands what the superuser owns in the application's database to the application's role: what migrations made
     * before the role existed (tables with their indexes and identity sequences, Flyway's history). {@code REASSIGN
     * OWNED} cannot do it: it refuses the bootstrap superuser. The public schema needs nothing: it belongs to
     * whoever owns the database.
     */
    private static void transferOwnership(Statement s) throws SQLException {
        String userObjects = " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
                + " AND n.nspname NOT LIKE 'pg\\_%'";
        for (String schema : names(s, "SELECT quote_ident(n.nspname) FROM pg_namespace n WHERE n.nspowner = '"
                + SUPERUSER + "'::regrole" + userObjects)) {
            s.execute("ALTER SCHEMA " + schema + " OWNER TO " + APPLICATION_ROLE);
        }
        // Tables and views first: a table takes its indexes and identity sequences along, and those refuse to be
        // changed alone; then the sequences still left, which belong to no table.
        for (String kinds : List.of("'r', 'p', 'v', 'm', 'f'", "'S'")) {
            for (String relation : names(s, "SELECT c.oid::regclass::text FROM pg_class c"
                    + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relowner = '" + SUPERUSER
                    + "'::regrole AND c.relkind IN (" + kinds + ")" + userObjects)) {
                s.execute("ALTER TABLE " + relation + " OWNER TO " + APPLICATION_ROLE);
            }
        }
    }

    private static boolean exists(Statement s, String query) throws SQLException {
        try (ResultSet rs = s.executeQuery(query)) {
            return rs.next();
        }
    }

    private static List<String> names(Statement s, String query) throws SQLException {
        List<String> names = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(query)) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }
}
