package ai.kaizen.trainer.registry;

import ai.kaizen.model.files.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * Models under {@code KAIZEN_HOME/models}, one directory per version: copied into a temporary directory beside its
 * final place and renamed into place in one atomic move, so that a reader never sees half a model. Cycles' working
 * files already live under the home, so there is nothing to save or restore.
 */
public final class LocalArtifactStore implements ArtifactStore {

    private final Path root;

    /** @param root the directory holding one subdirectory per model version ({@code KAIZEN_HOME/models}) */
    public LocalArtifactStore(Path root) {
        this.root = root;
    }

    /** The store under Kaizen's home. */
    public static LocalArtifactStore under(Path home) {
        return new LocalArtifactStore(home.resolve("models"));
    }

    public Path root() {
        return root;
    }

    @Override
    public Stored store(Path source, String name) {
        ModelArtifacts.checkName(name);
        Path target = root.resolve(name);
        Path temporary = root.resolve(".incoming-" + UUID.randomUUID());
        try {
            Files.createDirectories(root);
            if (Files.exists(target)) {
                throw new FileAlreadyExistsException(target.toString());
            }
            ModelArtifacts.copyTree(source, temporary);
            String sha = ModelArtifacts.checksum(temporary);
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot move " + temporary + " into place atomically", e);
            }
            return new Stored(target.toString(), sha);
        } catch (IOException e) {
            FileTrees.deleteQuietly(temporary);
            throw new UncheckedIOException("cannot store model " + name + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Path open(String location, String sha256) {
        Path dir = Path.of(location);
        ModelArtifacts.verify(dir, sha256);
        return dir;
    }

    @Override
    public boolean shared() {
        return false;
    }

    @Override
    public void saveCycle(long cycleId, Path workDir) {
        // the work directory is under the home already
    }

    @Override
    public void restoreCycle(long cycleId, Path workDir) {
        // nothing is kept anywhere else
    }

    @Override
    public void close() {
    }
}
