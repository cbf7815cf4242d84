package ai.kaizen.trainer.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where registered models' files live: one directory per version under {@code KAIZEN_HOME/models}. A model is
 * copied into a temporary directory beside its final place and then renamed into place in one atomic move, so a
 * reader never sees half a model; its SHA-256 (over every file's relative path and bytes, in path order) is
 * recorded in the registry and checked again before it is loaded.
 */
public final class ModelArtifacts {

    /** The files of a model directory do not hash to what the registry recorded. */
    public static final class ChecksumMismatch extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ChecksumMismatch(Path dir, String expected, String actual) {
            super("model files in " + dir + " have SHA-256 " + actual + ", the registry expects " + expected);
        }
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,120}");

    private final Path root;

    /** @param root the directory holding one subdirectory per model version ({@code KAIZEN_HOME/models}) */
    public ModelArtifacts(Path root) {
        this.root = root;
    }

    /** The store under Kaizen's home. */
    public static ModelArtifacts under(Path home) {
        return new ModelArtifacts(home.resolve("models"));
    }

    public Path root() {
        return root;
    }

    /** A model's files in the store, and their checksum. */
    public record Stored(Path dir, String sha256) {
    }

    /**
     * Copies the model directory {@code source} into the store as {@code name} (letters, digits, {@code ._@-});
     * fails if that name is taken. The copy is complete and hashed before it appears under its name.
     */
    public Stored store(Path source, String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid model name '" + name + "'");
        }
        Path target = root.resolve(name);
        Path temporary = root.resolve(".incoming-" + UUID.randomUUID());
        try {
            Files.createDirectories(root);
            if (Files.exists(target)) {
                throw new FileAlreadyExistsException(target.toString());
            }
            copyTree(source, temporary);
            String sha = checksum(temporary);
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot move " + temporary + " into place atomically", e);
            }
            return new Stored(target, sha);
        } catch (IOException e) {
            deleteTree(temporary);
            throw new UncheckedIOException("cannot store model " + name + ": " + e.getMessage(), e);
        }
    }

    /** SHA-256 over every regular file's path (relative, '/'-separated) and bytes, in path order. */
    public static String checksum(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> files = walk.filter(Files::isRegularFile)
                    .sorted(Comparator.comparing(p -> relative(dir, p))).toList();
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (Path file : files) {
                sha.update(relative(dir, file).getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
                    while (in.read(buffer) >= 0) {
                        // the digest stream hashes what passes
                    }
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model directory " + dir + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Fails with {@link ChecksumMismatch} unless the files in {@code dir} hash to {@code expected}. */
    public static void verify(Path dir, String expected) {
        String actual = checksum(dir);
        if (!actual.equalsIgnoreCase(expected)) {
            throw new ChecksumMismatch(dir, expected, actual);
        }
    }

    private static String relative(Path dir, Path file) {
        return dir.relativize(file).toString().replace('\\', '/');
    }

    private static void copyTree(Path source, Path target) throws IOException {
        try (Stream<Path> walk = Files.walk(source)) {
            for (Path p : walk.toList()) {
                Path to = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // best effort: a leftover .incoming-* directory is never read
        }
    }
}
