package ai.kaizen.model.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {

    @TempDir
    Path tmp;

    @Test
    void deletesADirectoryWithEverythingUnderItAndLeavesItsSiblings() throws Exception {
        Path tree = tmp.resolve("run");
        Files.createDirectories(tree.resolve("checkpoint-1/nested"));
        Files.writeString(tree.resolve("checkpoint-1/nested/weights"), "w");
        Files.writeString(tree.resolve("metrics.jsonl"), "{}");
        Files.writeString(tmp.resolve("sibling"), "s");

        FileTrees.delete(tree);

        assertThat(tree).doesNotExist();
        assertThat(tmp.resolve("sibling")).exists();
    }

    @Test
    void deletesAFileAndIgnoresWhatIsNotThere() throws Exception {
        Path file = Files.writeString(tmp.resolve("eval_baseline.json"), "{}");
        FileTrees.delete(file);
        assertThat(file).doesNotExist();
        FileTrees.delete(tmp.resolve("never-was"));
        FileTrees.deleteQuietly(tmp.resolve("never-was"));
    }
}
