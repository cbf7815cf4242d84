package ai.kaizen.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {

    @TempDir
    Path out;

    static void write(Path dir, long step) {
        new TrainerState(step, 0, (int) step, 42, 0, Double.NaN, -1, 0).write(dir);
    }

    @Test
    void aWriteThatDiesHalfwayLeavesThePreviousCheckpointTheNewest() throws Exception {
        Checkpoints.write(out, 10, dir -> write(dir, 10), 0);
        assertThatThrownBy(() -> Checkpoints.write(out, 20, dir -> {
            write(dir, 20);
            throw new IllegalStateException("killed while writing weights");
        }, 0)).hasMessageContaining("killed");

        assertThat(Checkpoints.latest(out)).contains(out.resolve("checkpoint-10"));
        assertThat(TrainerState.read(Checkpoints.latest(out).orElseThrow()).globalStep()).isEqualTo(10);
        assertThat(out.resolve("checkpoint-20")).doesNotExist();
        // a directory without trainer_state.json (copied by hand, half deleted) is not a checkpoint
        assertThat(out.resolve("checkpoint-30").toFile().mkdirs()).isTrue();
        assertThat(Checkpoints.latest(out)).contains(out.resolve("checkpoint-10"));
        // the next write clears what the killed one left behind
        Checkpoints.write(out, 40, dir -> write(dir, 40), 0);
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("checkpoint-10",
                    "checkpoint-30", "checkpoint-40");
        }
    }

    @Test
    void keepsTheNewestCheckpointsAndOrdersThemByStepNotByName() throws Exception {
        for (long step : new long[] {5, 10, 100, 1000}) {
            Checkpoints.write(out, step, dir -> write(dir, step), 2);
        }
        assertThat(Checkpoints.list(out)).containsExactly(out.resolve("checkpoint-100"),
                out.resolve("checkpoint-1000"));
        Checkpoints.write(out, 1000, dir -> write(dir, 1000), 2); // the same step again (after a resume)
        assertThat(Checkpoints.list(out)).hasSize(2);
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).allMatch(n -> n.startsWith("checkpoint-"));
        }
    }
}
