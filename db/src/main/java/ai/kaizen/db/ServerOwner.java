package ai.kaizen.db;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The Kaizen process that started the embedded PostgreSQL (its process id and start time, so that a process id the
 * system handed out again is not taken for it). PostgreSQL runs detached: a Kaizen killed with SIGKILL leaves it
 * running, and the next Kaizen must tell such an orphan, which it stops, from a server a live Kaizen still owns
 * (`serve` while an operator runs `kaizen admin`), which it shares.
 *
 * @param pid     its process id
 * @param started when it started
 */
record ServerOwner(long pid, Instant started) {

    /** This process. */
    static ServerOwner current() {
        ProcessHandle self = ProcessHandle.current();
        return new ServerOwner(self.pid(), self.info().startInstant().orElse(Instant.EPOCH));
    }

    /** Whether that process still runs (the same one: its start time matches where the system tells it). */
    boolean isAlive() {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().startInstant().map(started::equals).orElse(true)).isPresent();
    }

    /** The owner recorded in {@code file}; empty when there is none or it cannot be read. */
    static Optional<ServerOwner> read(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return Optional.of(new ServerOwner(Long.parseLong(lines.get(0).strip()), Instant.parse(lines.get(1).strip())));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // absent, or half-written by a process that died while writing it
        }
    }

    /** Records this owner in {@code file} (owner-only), replacing it whole. */
    void write(Path file) throws IOException {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Files.writeString(partial, pid + "\n" + started + "\n", StandardCharsets.UTF_8);
        OwnerOnly.file(partial);
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
