package ai.kaizen.model;

import java.nio.file.Files;
import java.nio.file.Path;

/** The test fixtures inside the repository, whose root the build names in the system property kaizen.repository. */
public final class Fixtures {

    private Fixtures() {}

    /**
     * @param relative a path from the repository's root, e.g. {@code data/models/stories260k}
     * @return that path
     * @throws IllegalStateException if the property is unset or the path is not there
     */
    public static Path inRepository(String relative) {
        String root = System.getProperty("kaizen.repository");
        if (root == null || !Files.exists(Path.of(root, relative))) {
            throw new IllegalStateException(relative + " not found in the repository named by the system property "
                    + "kaizen.repository (set by the build): " + root);
        }
        return Path.of(root, relative).normalize();
    }

    /** @return the stories260K model directory ({@code data/models/stories260k}) */
    public static Path stories260k() {
        return inRepository("data/models/stories260k");
    }
}
