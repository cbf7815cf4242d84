package ai.kaizen.trainer.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.kaizen.trainer.sft.TestData;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShippedDataTest {

    @TempDir
    Path tmp;

    @Test
    void theBuiltClassesCarryTheRepositorysDataFolder() throws IOException {
        Path dir = ShippedData.directory(tmp.resolve("home"));
        for (String file : new String[] {"bitext/detailed_responses.csv", "bitext/canned_responses.csv",
                "taskmaster-tm4/dialogs.jsonl.gz", "abcd/guidelines.json"}) {
            assertThat(dir.resolve(file)).hasSameBinaryContentAs(TestData.data(file));
        }
        assertThat(dir.resolve("models")).doesNotExist(); // the test fixtures stay out of the jar
        assertThat(tmp.resolve("home")).doesNotExist(); // read in place: nothing to unpack
    }

    @Test
    void aJarsCopyIsUnpackedOnceAndARewrittenFileIsRestored() throws IOException {
        Path jar = jar(Map.of("kaizen-data/README.md", "read me", "kaizen-data/bitext/a.csv", "x,y\n1,2\n",
                "other/file.txt", "not data"));
        Path target = tmp.resolve("home/data");
        try (JarFile file = new JarFile(jar.toFile())) {
            assertThat(ShippedData.unpack(file, target)).isEqualTo(target);
        }
        assertThat(target.resolve("bitext/a.csv")).hasContent("x,y\n1,2");
        assertThat(target.resolve("other")).doesNotExist();
        assertThat(target.resolve("../other")).doesNotExist();

        Files.writeString(target.resolve("bitext/a.csv"), "truncated"); // a different size: written again
        try (JarFile file = new JarFile(jar.toFile())) {
            ShippedData.unpack(file, target);
        }
        assertThat(target.resolve("bitext/a.csv")).hasContent("x,y\n1,2");
        try (var files = Files.walk(target)) {
            assertThat(files.filter(f -> f.toString().endsWith(".partial"))).isEmpty();
        }
    }

    @Test
    void anEntryThatPointsOutsideTheTargetIsRefused() throws IOException {
        Path jar = jar(Map.of("kaizen-data/../../escape.txt", "x"));
        try (JarFile file = new JarFile(jar.toFile())) {
            assertThatThrownBy(() -> ShippedData.unpack(file, tmp.resolve("home/data")))
                    .isInstanceOf(IOException.class).hasMessageContaining("outside");
        }
        assertThat(tmp.resolve("escape.txt")).doesNotExist();
    }

    private Path jar(Map<String, String> entries) throws IOException {
        Path jar = tmp.resolve("data.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                j.putNextEntry(new JarEntry(e.getKey()));
                j.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                j.closeEntry();
            }
        }
        return jar;
    }
}
