package ai.kaizen.trainer.training;

import ai.kaizen.model.files.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The {@code checkpoint-<step>} directories of an output directory (transformers' layout), written
 * atomically: everything goes into a temporary sibling directory that is renamed into place only
 * when complete, so a process killed mid-write leaves the previous checkpoint as the newest one.
 */
public final class Checkpoints {

    /** Directory name prefix, as transformers. */
    public static final String PREFIX = "checkpoint-";

    private static final String TEMP_PREFIX = ".tmp-" + PREFIX;

    private Checkpoints() {}

    /**
     * Writes a checkpoint atomically and deletes the oldest ones beyond {@code keep}.
     *
     * @param outputDir the run's output directory
     * @param step the step, naming the directory
     * @param writer fills the (temporary) directory it is given
     * @param keep how many checkpoints to keep, newest first (0: all)
     * @return the checkpoint directory
     */
    public static Path write(Path outputDir, long step, Consumer<Path> writer, int keep) {
        Path target = outputDir.resolve(PREFIX + step);
        Path temp = outputDir.resolve(TEMP_PREFIX + step);
        try {
            Files.createDirectories(outputDir);
            deleteLeftovers(outputDir); // of a process killed while writing
            FileTrees.delete(temp);
            Files.createDirectories(temp);
            writer.accept(temp);
            if (Files.exists(target)) {
                // the same step again (a resumed run): move the old one aside first, then drop it
                Path old = outputDir.resolve(".old-" + PREFIX + step);
                FileTrees.delete(old);
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                FileTrees.delete(old);
            } else {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            }
            if (keep > 0) {
                List<Path> all = list(outputDir);
                for (int i = 0; i < all.size() - keep; i++) {
                    FileTrees.delete(all.get(i));
                }
            }
            return target;
        } catch (FileAlreadyExistsException e) {
            throw new UncheckedIOException("Checkpoint " + target + " appeared while writing", e);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write checkpoint " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param outputDir an output directory
     * @return its complete checkpoints, oldest first
     */
    public static List<Path> list(Path outputDir) {
        if (!Files.isDirectory(outputDir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(outputDir)) {
            List<Path> out = new ArrayList<>(s.filter(p -> step(p) >= 0 && Files.isDirectory(p)
                    && Files.exists(p.resolve(TrainerState.FILE))).toList());
            out.sort(Comparator.comparingLong(Checkpoints::step));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param outputDir an output directory
     * @return its newest complete checkpoint, if any
     */
    public static Optional<Path> latest(Path outputDir) {
        List<Path> all = list(outputDir);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** @return the step of a {@code checkpoint-<step>} directory, or -1 for anything else */
    static long step(Path dir) {
        String name = dir.getFileName().toString();
        if (!name.startsWith(PREFIX)) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(PREFIX.length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void deleteLeftovers(Path outputDir) throws IOException {
        try (Stream<Path> s = Files.list(outputDir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(TEMP_PREFIX)).toList()) {
                FileTrees.delete(p);
            }
        }
    }

}
