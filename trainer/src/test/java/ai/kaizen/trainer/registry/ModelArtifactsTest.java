package ai.kaizen.trainer.registry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelArtifactsTest {

    @TempDir
    Path dir;

    @Test
    void storesACompleteCopyWhoseChecksumIsVerifiedAndDetectsTampering() throws Exception {
        Path source = Files.createDirectories(dir.resolve("out"));
        Files.writeString(source.resolve("config.json"), "{\"hidden_size\":8}");
        Files.write(source.resolve("model.safetensors"), new byte[]{1, 2, 3, 4});
        Files.createDirectories(source.resolve("sub"));
        Files.writeString(source.resolve("sub/extra.txt"), "x");

        ModelArtifacts store = ModelArtifacts.under(dir.resolve("home"));
        ModelArtifacts.Stored stored = store.store(source, "sft-cycle-1@abc");
        assertThat(stored.dir()).isEqualTo(dir.resolve("home/models/sft-cycle-1@abc"));
        assertThat(stored.sha256()).hasSize(64).isEqualTo(ModelArtifacts.checksum(source));
        assertThat(Files.readAllBytes(stored.dir().resolve("model.safetensors"))).containsExactly(1, 2, 3, 4);
        try (var left = Files.list(store.root())) {
            assertThat(left).as("no temporary directory is left behind").hasSize(1);
        }
        ModelArtifacts.verify(stored.dir(), stored.sha256());

        Files.write(stored.dir().resolve("model.safetensors"), new byte[]{1, 2, 3, 5});
        assertThatThrownBy(() -> ModelArtifacts.verify(stored.dir(), stored.sha256()))
                .isInstanceOf(ModelArtifacts.ChecksumMismatch.class).hasMessageContaining("registry expects");
        Files.move(stored.dir().resolve("sub/extra.txt"), stored.dir().resolve("sub/renamed.txt"));
        assertThat(ModelArtifacts.checksum(stored.dir())).isNotEqualTo(stored.sha256());

        assertThatThrownBy(() -> store.store(source, "sft-cycle-1@abc")).hasMessageContaining("cannot store");
        assertThatThrownBy(() -> store.store(source, "../escape")).isInstanceOf(IllegalArgumentException.class);
    }
}
