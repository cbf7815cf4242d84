package ai.kaizen.db;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Modes that keep other local users out of what Kaizen keeps under its home: they must neither read the database's
 * files and passwords nor swap the server binaries that the next start runs.
 */
public final class OwnerOnly {

    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> GROUP_AND_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private OwnerOnly() {
    }

    /** Creates {@code directory} if needed (with its parents) and makes it 0700, also when it was already there. */
    public static void directory(Path directory) throws IOException {
        Files.createDirectories(directory);
        Files.setPosixFilePermissions(directory, DIRECTORY);
    }

    /** Makes an existing file 0600. */
    static void file(Path file) throws IOException {
        Files.setPosixFilePermissions(file, FILE);
    }

    /**
     * Takes every group and others permission off {@code root} and everything below it, keeping the owner's (the
     * binaries stay runnable). Symbolic links are left alone: their own mode means nothing.
     */
    static void tree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.toList()) {
                if (Files.isSymbolicLink(path)) {
                    continue;
                }
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
                if (permissions.removeAll(GROUP_AND_OTHERS)) {
                    Files.setPosixFilePermissions(path, permissions);
                }
            }
        }
    }
}
