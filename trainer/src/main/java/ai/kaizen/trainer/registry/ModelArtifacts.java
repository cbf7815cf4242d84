package ai.kaizen.trainer.registry;

import ai.kaizen.model.files.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A model's checksum: SHA-256 over every file's relative path and bytes, in path order, recorded in the registry
 * when the model is stored ({@link ArtifactStore}) and checked again before it is loaded; and the file-tree helpers
 * the stores share.
 */
public final class ModelArtifacts {

    /** The files of a model directory do not hash to what the registry recorded. */
    public static final class ChecksumMismatch extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ChecksumMismatch(String where, String expected, String actual) {
            super("model files in " + where + " have SHA-256 " + actual + ", the registry expects " + expected);
        }
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,120}");

    private ModelArtifacts() {
    }

    /** Fails unless {@code name} may name a model in a store (letters, digits, {@code ._@-}). */
    static void checkName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid model name '" + name + "'");
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
            throw new ChecksumMismatch(dir.toString(), expected, actual);
        }
    }

    static String relative(Path dir, Path file) {
        return dir.relativize(file).toString().replace('\\', '/');
    }

    static void copyTree(Path source, Path target) throws IOException {
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

}
