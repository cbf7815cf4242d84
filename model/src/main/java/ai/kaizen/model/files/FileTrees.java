package ai.kaizen.model.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Deleting a directory and everything under it. */
public final class FileTrees {

    private FileTrees() {
    }

    /**
     * Deletes {@code tree} (a directory with everything under it, or a file); nothing when it does not exist. Files
     * that vanish meanwhile (a database's or a trainer's last files, removed by their owner) are skipped.
     *
     * @throws UncheckedIOException when something could not be deleted
     */
    public static void delete(Path tree) {
        if (!Files.exists(tree)) {
            return;
        }
        try {
            Files.walkFileTree(tree, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException failure) throws IOException {
                    if (failure instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw failure;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                    if (failure != null && !(failure instanceof NoSuchFileException)) {
                        throw failure;
                    }
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + tree + ": " + e.getMessage(), e);
        }
    }

    /**
     * As {@link #delete}, leaving behind what could not be deleted: for temporary directories that nothing reads
     * again.
     */
    public static void deleteQuietly(Path tree) {
        try {
            delete(tree);
        } catch (UncheckedIOException e) {
            // left behind: not worth failing the caller for
        }
    }
}
