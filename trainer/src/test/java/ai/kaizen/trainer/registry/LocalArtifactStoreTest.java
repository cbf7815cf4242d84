package ai.kaizen.trainer.registry;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalArtifactStoreTest {

    @TempDir
    Path dir;

    @Test
    void storesACompleteCopyWhoseChecksumIsVerifiedAndDetectsTampering() throws Exception {
        Path source = Files.createDirectories(dir.resolve("out"));
        Files.writeString(source.resolve("config.json"), "{\"hidden_size\":8}");
        Files.write(source.resolve("model.safetensors"), new byte[]{1, 2, 3, 4});
        Files.createDirectories(source.resolve("sub"));
        Files.writeString(source.resolve("sub/extra.txt"), "x");

        LocalArtifactStore store = LocalArtifactStore.under(dir.resolve("home"));
        ArtifactStore.Stored stored = store.store(source, "sft-cycle-1@abc");
        assertThat(stored.location()).isEqualTo(dir.resolve("home/models/sft-cycle-1@abc").toString());
        Path storedDir = store.open(stored.location(), stored.sha256());
        assertThat(stored.sha256()).hasSize(64).isEqualTo(ModelArtifacts.checksum(source));
        assertThat(Files.readAllBytes(storedDir.resolve("model.safetensors"))).containsExactly(1, 2, 3, 4);
        try (var left = Files.list(store.root())) {
            assertThat(left).as("no temporary directory is left behind").hasSize(1);
        }
        ModelArtifacts.verify(storedDir, stored.sha256());

        Files.write(storedDir.resolve("model.safetensors"), new byte[]{1, 2, 3, 5});
        assertThatThrownBy(() -> store.open(stored.location(), stored.sha256()))
                .isInstanceOf(ModelArtifacts.ChecksumMismatch.class).hasMessageContaining("registry expects");
        Files.move(storedDir.resolve("sub/extra.txt"), storedDir.resolve("sub/renamed.txt"));
        assertThat(ModelArtifacts.checksum(storedDir)).isNotEqualTo(stored.sha256());

        assertThatThrownBy(() -> store.store(source, "sft-cycle-1@abc")).hasMessageContaining("cannot store");
        assertThatThrownBy(() -> store.store(source, "../escape")).isInstanceOf(IllegalArgumentException.class);
    }
}
