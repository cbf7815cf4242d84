package ai.kaizen.model;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared test models, wherever Maven or an IDE starts the tests. */
public final class Fixtures {

    private Fixtures() {}

    /** @return the stories260K model directory (shared/models/stories260k beside or above the checkout) */
    public static Path stories260k() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path candidate = dir.resolve("shared/models/stories260k");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("shared/models/stories260k not found above " + Path.of("").toAbsolutePath());
    }
}
