package ai.kaizen.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.model.Fixtures;
import ai.kaizen.server.cli.PreferenceCommandsTest.Result;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train kto} through the real command line, on the unpaired format of {@code export dataset --kind thumbs}. */
class KtoCommandTest {

    @TempDir
    Path tmp;

    /** Answers that thank the customer are good, the others bad; conversational and plain-string lines mixed. */
    static List<String> thumbs(int count, int seed) {
        String[] answers = {"It is sent.", "It is here.", "Done.", "On its way.", "Soon."};
        Random random = new Random(seed);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            boolean good = i % 2 == 0;
            String answer = (good ? "Thanks! " : "") + answers[random.nextInt(answers.length)];
            lines.add(i % 3 == 0
                    ? "{\"prompt\": \"My order " + i + "?\", \"completion\": \"" + answer + "\", \"label\": " + good
                            + "}"
                    : "{\"prompt\": [{\"role\": \"user\", \"content\": \"My order " + i + "?\"}], \"completion\": "
                            + "[{\"role\": \"assistant\", \"content\": \"" + answer + "\"}], \"label\": " + good + "}");
        }
        return lines;
    }

    Path dataset() throws Exception {
        Path dir = tmp.resolve("data");
        Files.createDirectories(dir);
        Files.write(dir.resolve("train.jsonl"), thumbs(24, 1), StandardCharsets.UTF_8);
        Files.write(dir.resolve("eval.jsonl"), thumbs(8, 2), StandardCharsets.UTF_8);
        return dir;
    }

    Path config(Path data, Path out, int steps) throws Exception {
        Path file = tmp.resolve("kto-" + steps + ".json");
        Files.writeString(file, "{\"model_name_or_path\": \"" + Fixtures.stories260k() + "\", \"dataset_dir\": \""
                + data + "\", \"output_dir\": \"" + out + "\", \"max_steps\": " + steps
                + ", \"learning_rate\": 0.003, \"max_length\": 128, \"per_device_train_batch_size\": 4,"
                + " \"logging_steps\": 2, \"save_steps\": 2, \"seed\": 5, \"desirable_weight\": 1.0}");
        return file;
    }

    @Test
    void trainKtoPrintsTrlMetricsAndResumes() throws Exception {
        Path data = dataset();
        Path out = tmp.resolve("kto");
        Result train = PreferenceCommandsTest.kaizen("train", "kto", "--config", config(data, out, 2).toString());
        assertThat(train.exit()).as(train.err()).isZero();
        JsonObject summary = train.json();
        assertThat(summary.get("steps").getAsInt()).isEqualTo(2);
        assertThat(summary.keySet()).contains("train_loss", "train_kl", "train_rewards/chosen", "eval_loss",
                "eval_rewards/margins", "eval_logps/rejected", "eval_kl", "samples_per_second", "output_dir");
        assertThat(out.resolve("config.json")).exists();

        Result resumed = PreferenceCommandsTest.kaizen("train", "kto", "--config", config(data, out, 3).toString(),
                "--resume");
        assertThat(resumed.exit()).as(resumed.err()).isZero();
        assertThat(resumed.json().get("resumed_from").getAsString()).endsWith("checkpoint-2");
        assertThat(resumed.json().get("steps").getAsInt()).isEqualTo(3);
    }

    @Test
    void helpIsRegisteredAndBadInputIsAOneLineUsageError() throws Exception {
        Result help = PreferenceCommandsTest.kaizen("train", "kto", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("Usage: kaizen train kto");
        assertThat(PreferenceCommandsTest.kaizen("train").out()).contains("kto");

        Path typo = tmp.resolve("typo.json");
        Files.writeString(typo, "{\"bta\": 0.1, \"output_dir\": \"" + tmp.resolve("o") + "\"}");
        Result unknown = PreferenceCommandsTest.kaizen("train", "kto", "--config", typo.toString(), "--model",
                Fixtures.stories260k().toString(), "--data", dataset().toString());
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("Unknown KTO option 'bta'");

        Path pairs = tmp.resolve("pairs");
        Files.createDirectories(pairs);
        Files.write(pairs.resolve("train.jsonl"),
                List.of("{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}"), StandardCharsets.UTF_8);
        Result wrongFormat = PreferenceCommandsTest.kaizen("train", "kto", "--model",
                Fixtures.stories260k().toString(), "--data", pairs.toString(), "--output",
                tmp.resolve("o2").toString());
        assertThat(wrongFormat.exit()).isEqualTo(2);
        assertThat(wrongFormat.err()).contains("line 1").contains("completion").doesNotContain("\tat ");
    }
}
