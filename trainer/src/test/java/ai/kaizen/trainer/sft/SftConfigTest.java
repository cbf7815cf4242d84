package ai.kaizen.trainer.sft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.kaizen.model.config.Json;
import ai.kaizen.trainer.training.LoraSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SftConfigTest {

    @TempDir
    Path tmp;

    @Test
    void readsTrlNamedOptionsOverTheDefaults() throws Exception {
        Path file = tmp.resolve("sft.json");
        Files.writeString(file, """
                {"learning_rate": 1e-4, "per_device_train_batch_size": 4, "gradient_accumulation_steps": 8,
                 "max_steps": 300, "weight_decay": 0.01, "use_peft": true, "lora_r": 8,
                 "lora_target_modules": ["q_proj", "v_proj", "o_proj"], "output_dir": "runs/x"}
                """);
        SftConfig c = SftConfig.read(file, tmp.resolve("ignored"));

        assertThat(c.args().learningRate()).isEqualTo(1e-4);
        assertThat(c.args().effectiveBatchSize()).isEqualTo(32);
        assertThat(c.args().maxSteps()).isEqualTo(300);
        assertThat(c.args().adam().weightDecay()).isEqualTo(0.01);
        assertThat(c.args().adam().beta2()).isEqualTo(0.999);
        assertThat(c.args().maxGradNorm()).isEqualTo(1.0);
        assertThat(c.args().outputDir()).isEqualTo(Path.of("runs/x"));
        assertThat(c.args().lora().rank()).isEqualTo(8);
        assertThat(c.args().lora().alpha()).isEqualTo(32); // TRL's default alpha kept
        assertThat(c.args().lora().targetModules()).containsExactly("q_proj", "v_proj", "o_proj");
        // what is written beside a run reads back as the same configuration
        assertThat(SftConfig.fromJson(c.toJson(), SftConfig.defaults(tmp))).isEqualTo(c);
    }

    @Test
    void rejectsUnknownOptionsAndBadValues() {
        assertThatThrownBy(() -> SftConfig.fromJson(Json.parseObject("{\"learning_rat\": 1}", "test"),
                SftConfig.defaults(tmp))).hasMessageContaining("learning_rat");
        assertThatThrownBy(() -> SftConfig.fromJson(Json.parseObject("{\"lora_target_modules\": [\"qproj\"],"
                + " \"use_peft\": true}", "test"), SftConfig.defaults(tmp))).hasMessageContaining("qproj");
        assertThatThrownBy(() -> SftConfig.defaults(tmp).withMaxSteps(0).withLora(null)
                .withOutputDir(null)).isInstanceOf(IllegalArgumentException.class);
        assertThat(SftConfig.defaults(tmp).usesLora()).isFalse();
        assertThat(SftConfig.defaults(tmp).withLora(LoraSettings.DEFAULT).args().lora().targetModules())
                .isEqualTo(List.of("q_proj", "v_proj"));
    }
}
