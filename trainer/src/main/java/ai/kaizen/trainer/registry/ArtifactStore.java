package ai.kaizen.trainer.registry;

import java.nio.file.Path;

/**
 * Where registered models' files and retraining cycles' working files (datasets, checkpoints) live: a directory
 * under Kaizen's home ({@link LocalArtifactStore}, the default), or S3-compatible object storage
 * ({@link S3ArtifactStore}) that servers and trainer jobs on other machines share. A model is complete and
 * checksummed in the store before {@link #store} returns; the caller then records its location and SHA-256 in the
 * registry, and that record is what makes it a version. Readers go through {@link #open}, which checks the files
 * against the recorded checksum before anyone loads them.
 */
public interface ArtifactStore extends AutoCloseable {

    /** A model's files in the store: where (a directory, or an {@code s3://} URL) and their checksum. */
    record Stored(String location, String sha256) {
    }

    /**
     * Copies the model directory {@code source} into the store as {@code name} (letters, digits, {@code ._@-});
     * fails if that name is taken.
     */
    Stored store(Path source, String name);

    /**
     * A local directory holding the files at {@code location} (as {@link #store} returned it, or a directory of
     * this machine), checked against {@code sha256}; files from object storage are downloaded once into this
     * machine's cache. Fails with {@link ModelArtifacts.ChecksumMismatch} when they do not hash to it.
     */
    Path open(String location, String sha256);

    /** Whether machines other than this one can read what the store holds. */
    boolean shared();

    /** Copies cycle {@code cycleId}'s working files to the store, so that a trainer elsewhere can resume it. */
    void saveCycle(long cycleId, Path workDir);

    /** Brings back into {@code workDir} the working files of cycle {@code cycleId} that it lacks. */
    void restoreCycle(long cycleId, Path workDir);

    @Override
    void close();
}
