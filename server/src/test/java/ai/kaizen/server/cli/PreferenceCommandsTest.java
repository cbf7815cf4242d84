package ai.kaizen.server.cli;

import ai.kaizen.model.Fixtures;
import static org.assertj.core.api.Assertions.assertThat;

import ai.kaizen.model.LanguageModel;
import ai.kaizen.model.generation.GenerationOptions;
import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.server.Main;
import ai.kaizen.server.TestClient;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.pairwise.PreferenceSplits;
import ai.kaizen.trainer.reward.RewardEvaluation;
import ai.kaizen.trainer.reward.RewardModel;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code train rm}, {@code train dpo}, {@code eval rm} and {@code eval policy} through the real command line. */
class PreferenceCommandsTest {

    @TempDir
    Path tmp;

    /** What a command printed and returned. */
    record Result(int exit, String out, String err) {
        JsonObject json() {
            return JsonParser.parseString(out.strip()).getAsJsonObject();
        }
    }

    static Result kaizen(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    /** Pairs whose chosen answer thanks the customer. */
    static List<String> pairs(int count, int seed) {
        String[] answers = {"It is sent.", "It is here.", "Done.", "On its way.", "Soon."};
        java.util.Random random = new java.util.Random(seed);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String good = "Thanks! " + answers[random.nextInt(answers.length)];
            String bad = answers[random.nextInt(answers.length)];
            lines.add("{\"prompt\": \"My order " + i + "?\", \"chosen\": \"" + good + "\", \"rejected\": \"" + bad
                    + "\"}");
        }
        return lines;
    }

    Path dataset() throws Exception {
        Path dir = tmp.resolve("data");
        Files.createDirectories(dir);
        Files.write(dir.resolve("train.jsonl"), pairs(32, 1), StandardCharsets.UTF_8);
        Files.write(dir.resolve("eval.jsonl"), pairs(8, 2), StandardCharsets.UTF_8);
        return dir;
    }

    Path config(String name, Path data, Path out, int steps) throws Exception {
        Path file = tmp.resolve(name + ".json");
        Files.writeString(file, "{\"model_name_or_path\": \"" + Fixtures.stories260k() + "\", \"dataset_dir\": \""
                + data + "\", \"output_dir\": \"" + out + "\", \"max_steps\": " + steps
                + ", \"learning_rate\": 0.003, \"max_length\": 128, \"logging_steps\": 2, \"save_steps\": 2,"
                + " \"seed\": 5}");
        return file;
    }

    @Test
    void trainRmThenEvalRmPrintsTheAccuracyOfTheSavedRewardModel() throws Exception {
        Path data = dataset();
        Path out = tmp.resolve("rm");
        Result train = kaizen("train", "rm", "--config", config("rm", data, out, 4).toString());
        assertThat(train.exit()).as(train.err()).isZero();
        JsonObject summary = train.json();
        assertThat(summary.get("steps").getAsInt()).isEqualTo(4);
        assertThat(summary.get("output_dir").getAsString()).isEqualTo(out.toString());
        assertThat(summary.keySet()).contains("train_loss", "eval_accuracy", "eval_mean_margin", "eval_loss",
                "pairs_per_second");
        assertThat(out.resolve("reward_stats.json")).exists();

        Result eval = kaizen("eval", "rm", "--model", out.toString(), "--data", data.resolve("eval.jsonl").toString());
        assertThat(eval.exit()).as(eval.err()).isZero();
        JsonObject line = eval.json();
        List<PreferenceExample> pairs = PreferenceSplits.read(data.resolve("eval.jsonl"));
        try (RewardModel rm = RewardModel.load(out)) {
            RewardEvaluation expected = RewardEvaluation.of(rm, pairs);
            assertThat(line.get("pairs").getAsInt()).isEqualTo(8);
            assertThat(line.get("accuracy").getAsDouble()).isEqualTo(expected.accuracy());
            assertThat(line.get("mean_margin").getAsDouble()).isEqualTo(expected.meanMargin());
        }
        // the trainer's own last evaluation was on the same pairs with the same weights
        assertThat(line.get("accuracy").getAsDouble()).isEqualTo(summary.get("eval_accuracy").getAsDouble());

        Result resumed = kaizen("train", "rm", "--config", config("rm", data, out, 6).toString(), "--resume");
        assertThat(resumed.exit()).as(resumed.err()).isZero();
        assertThat(resumed.json().get("resumed_from").getAsString()).endsWith("checkpoint-4");
        assertThat(resumed.json().get("steps").getAsInt()).isEqualTo(6);
    }

    @Test
    void trainRmLearnsFromThumbsAndReportsEachKindOfFeedback() throws Exception {
        Path data = dataset();
        Path thumbs = tmp.resolve("thumbs");
        Files.createDirectories(thumbs);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            lines.add("{\"prompt\": \"My bill " + i + "?\", \"completion\": \"" + (i % 2 == 0 ? "Thanks! Paid." : "Paid.")
                    + "\", \"label\": " + (i % 2 == 0) + "}");
        }
        Files.write(thumbs.resolve("train.jsonl"), lines, StandardCharsets.UTF_8);
        Files.write(thumbs.resolve("eval.jsonl"), lines.subList(0, 4), StandardCharsets.UTF_8);
        Path out = tmp.resolve("rm-thumbs");
        Result train = kaizen("train", "rm", "--config", config("rm-thumbs", data, out, 2).toString(), "--thumbs",
                thumbs.toString());
        assertThat(train.exit()).as(train.err()).isZero();
        assertThat(train.json().keySet()).contains("eval_accuracy", "eval_accuracy/pairs", "eval_accuracy/thumbs",
                "eval_count/thumbs", "eval_loss/thumbs");
        assertThat(train.json().get("eval_count/thumbs").getAsDouble()).isEqualTo(4);

        Result missing = kaizen("train", "rm", "--config", config("rm-none", data, tmp.resolve("rm-none"), 1)
                .toString(), "--thumbs", tmp.resolve("nowhere").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("has no train.jsonl");
    }

    @Test
    void trainDpoThenEvalPolicyWritesOneAnswerPerPrompt() throws Exception {
        Path data = dataset();
        Path out = tmp.resolve("dpo");
        Result train = kaizen("train", "dpo", "--config", config("dpo", data, out, 2).toString());
        assertThat(train.exit()).as(train.err()).isZero();
        assertThat(train.json().keySet()).contains("train_loss", "train_rewards/margins", "eval_rewards/accuracies",
                "eval_logps/chosen");

        Path prompts = tmp.resolve("prompts.jsonl");
        Files.write(prompts, List.of("{\"prompt\": \"My order?\"}", "",
                "{\"prompt\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", "
                        + "\"content\": \"My bill?\"}]}"), StandardCharsets.UTF_8);
        Path answers = tmp.resolve("answers.jsonl");
        Result eval = kaizen("eval", "policy", "--model", out.toString(), "--prompts", prompts.toString(), "--out",
                answers.toString(), "--greedy", "--max-new-tokens", "6");
        assertThat(eval.exit()).as(eval.err()).isZero();
        assertThat(eval.json().get("prompts").getAsInt()).isEqualTo(2);
        List<JsonObject> lines = Files.readAllLines(answers).stream()
                .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).get("prompt").getAsString()).isEqualTo("My order?");
        assertThat(lines.get(1).get("prompt").getAsJsonArray()).hasSize(2);
        try (LanguageModel policy = LanguageModel.load(out)) {
            String expected = policy.generator().chat(List.of(ChatMessage.system("Be brief."),
                    ChatMessage.user("My bill?")), GenerationOptions.greedy(6), token -> true).text();
            assertThat(lines.get(1).get("response").getAsString()).isEqualTo(expected);
        }
    }

    @Test
    void theCommandsAreRegisteredWithHelp() {
        for (String[] command : new String[][] {{"train", "rm"}, {"train", "dpo"}, {"eval", "rm"},
            {"eval", "policy"}}) {
            Result help = kaizen(command[0], command[1], "--help");
            assertThat(help.exit()).isZero();
            assertThat(help.out()).contains("Usage: kaizen " + command[0] + " " + command[1]);
        }
        assertThat(kaizen("eval").out()).contains("rm", "policy");
    }

    @Test
    void badInputIsAOneLineErrorWithoutAStackTrace() throws Exception {
        Path bad = tmp.resolve("bad.jsonl");
        Files.write(bad, List.of("{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}", "{\"prompt\": 1"),
                StandardCharsets.UTF_8);
        Result malformed = kaizen("eval", "rm", "--model", Fixtures.stories260k().toString(), "--data",
                bad.toString());
        assertThat(malformed.exit()).isEqualTo(2);
        assertThat(malformed.err()).contains("line 2").doesNotContain("\tat ");

        Path good = tmp.resolve("good.jsonl");
        Files.write(good, pairs(2, 3), StandardCharsets.UTF_8);
        Result noHead = kaizen("eval", "rm", "--model", Fixtures.stories260k().toString(), "--data",
                good.toString());
        assertThat(noHead.exit()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(noHead.err().strip()).startsWith("kaizen rm: No scalar head").doesNotContain("\n");

        Result noPrompt = kaizen("eval", "policy", "--model", Fixtures.stories260k().toString(), "--prompts",
                good.toString().replace("good", "missing"), "--out", tmp.resolve("x.jsonl").toString());
        assertThat(noPrompt.exit()).isEqualTo(2);
        assertThat(noPrompt.err()).contains("cannot read").doesNotContain("\tat ");

        Path typo = tmp.resolve("typo2.json");
        Files.writeString(typo, "{\"bta\": 0.1, \"output_dir\": \"" + tmp.resolve("o2") + "\"}");
        Result unknown = kaizen("train", "dpo", "--config", typo.toString(), "--model",
                Fixtures.stories260k().toString(), "--data", dataset().toString());
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("Unknown DPO option 'bta'");
    }

    @Test
    void aGpuThatIsNotThereIsAUsageErrorAndAnUnknownDeviceIsNamed() throws Exception {
        Path data = dataset();
        Assumptions.assumeTrue(ai.djl.engine.Engine.getInstance().getGpuCount() == 0, "this machine has a GPU");
        for (String algorithm : List.of("sft", "rm", "dpo")) {
            Result gpu = kaizen("train", algorithm, "--device", "gpu", "--config",
                    config(algorithm + "-gpu", data, tmp.resolve(algorithm + "-gpu"), 1).toString());
            assertThat(gpu.exit()).as(algorithm).isEqualTo(2);
            assertThat(gpu.err()).as(algorithm).contains("no CUDA GPU").doesNotContain("\tat ");
        }
        Result tpu = kaizen("train", "rm", "--device", "tpu", "--config",
                config("rm-tpu", data, tmp.resolve("rm-tpu"), 1).toString());
        assertThat(tpu.exit()).isEqualTo(2);
        assertThat(tpu.err()).contains("unknown device 'tpu'");
    }
}
