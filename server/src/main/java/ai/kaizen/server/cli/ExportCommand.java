package ai.kaizen.server.cli;

import ai.kaizen.server.config.ConfigOptions;
import ai.kaizen.server.config.KaizenConfig;
import ai.kaizen.trainer.dataset.BitextImport;
import ai.kaizen.trainer.dataset.Dataset;
import ai.kaizen.trainer.dataset.DatasetBuilder;
import ai.kaizen.trainer.dataset.DatasetKind;
import ai.kaizen.trainer.dataset.DatasetParameters;
import ai.kaizen.trainer.dataset.Example;
import ai.kaizen.trainer.dataset.JsonlFormats;
import ai.kaizen.trainer.dataset.PromptSplitter;
import ai.kaizen.trainer.dataset.Split;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code kaizen export ...}: training data as TRL's JSONL files ({@code train.jsonl} and {@code eval.jsonl}). */
@Command(name = "export",
        mixinStandardHelpOptions = true,
        description = "Writes training data as TRL-style JSONL (train.jsonl and eval.jsonl, split by prompt).",
        subcommands = {ExportCommand.FromFeedback.class, ExportCommand.FromBitext.class})
public final class ExportCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code kaizen export dataset}: a dataset version built from the feedback in the database (and recorded). */
    @Command(name = "dataset",
            mixinStandardHelpOptions = true,
            description = {"Builds a dataset version from the feedback in the database, records it (cut-off, "
                    + "parameters, every id it took) and writes it; or writes an existing version again.",
                    "Prints one JSON line: the version id and the counts."})
    static final class FromFeedback implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--kind", paramLabel = "KIND", description = "sft, preference or thumbs.")
        String kind;

        @Option(names = "--dataset-version", paramLabel = "ID",
                description = "Write this recorded dataset version again, exactly.")
        Long version;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where train.jsonl and eval.jsonl go.")
        Path out;

        @Option(names = "--cut-off", paramLabel = "INSTANT",
                description = "Feedback up to this moment, ISO-8601 (default: now).")
        String cutOff;

        @Option(names = "--min-stars", paramLabel = "N", defaultValue = "4",
                description = "SFT: stars that make an answer good (default: ${DEFAULT-VALUE}).")
        int minStars;

        @Option(names = "--stars-margin", paramLabel = "X", defaultValue = "1.0",
                description = "Preferences: mean-star difference that makes a pair (default: ${DEFAULT-VALUE}).")
        double starsMargin;

        @Option(names = "--good-stars", paramLabel = "N", defaultValue = "4",
                description = "Thumbs: stars from which a rater's rating counts for an answer, when they gave no "
                        + "thumbs (default: ${DEFAULT-VALUE}; 6: never).")
        int goodStars;

        @Option(names = "--bad-stars", paramLabel = "N", defaultValue = "2",
                description = "Thumbs: stars up to which it counts against (default: ${DEFAULT-VALUE}; 0: never).")
        int badStars;

        @Option(names = "--eval-fraction", paramLabel = "F", defaultValue = "0.1",
                description = "Share of prompts held out (default: ${DEFAULT-VALUE}).")
        double evalFraction;

        @Option(names = "--split-seed", paramLabel = "S", defaultValue = "0",
                description = "Seed of the split by prompt (default: ${DEFAULT-VALUE}).")
        long splitSeed;

        @Override
        public Integer call() throws Exception {
            if ((kind == null) == (version == null)) {
                throw new ParameterException(spec.commandLine(), "give either --kind or --dataset-version");
            }
            DatasetParameters parameters;
            Instant until;
            try {
                parameters = DatasetParameters.DEFAULTS.withSftMinStars(minStars).withStarsMargin(starsMargin)
                        .withSplit(evalFraction, splitSeed).withStarLabels(goodStars, badStars);
                until = cutOff == null ? Instant.now() : Instant.parse(cutOff);
            } catch (IllegalArgumentException | DateTimeParseException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            KaizenConfig config = ConfigOptions.read(spec, System.getenv());
            try (CommandDatabase db = CommandDatabase.open(config)) {
                DatasetBuilder builder = new DatasetBuilder(db.database().sessions());
                Dataset<? extends Example> dataset;
                if (version != null) {
                    dataset = CommandDatabase.await(builder.rebuild(version), 30);
                } else {
                    DatasetKind k;
                    try {
                        k = DatasetKind.of(kind);
                    } catch (IllegalArgumentException e) {
                        throw new ParameterException(spec.commandLine(), "--kind must be sft, preference or thumbs");
                    }
                    dataset = switch (k) {
                        case SFT -> CommandDatabase.await(builder.buildSft(until, parameters), 30);
                        case PREFERENCE -> CommandDatabase.await(builder.buildPreferences(until, parameters), 30);
                        case THUMBS -> CommandDatabase.await(builder.buildThumbs(until, parameters), 30);
                    };
                }
                JsonlFormats.writeDataset(dataset, out);
                spec.commandLine().getOut().println(new JsonObject()
                        .put("version", dataset.versionId())
                        .put("kind", dataset.kind().label())
                        .put("cut_off", dataset.cutOff().toString())
                        .put("train", dataset.train().size())
                        .put("eval", dataset.eval().size())
                        .put("stats", new JsonObject(new java.util.HashMap<>(dataset.stats())))
                        .put("out", out.toAbsolutePath().toString()).encode());
            }
            return 0;
        }
    }

    /** {@code kaizen export bitext}: the shipped Bitext customer-service data as SFT and preference JSONL. */
    @Command(name = "bitext",
            mixinStandardHelpOptions = true,
            description = {"Reads the Bitext CSV files (detailed_responses.csv, canned_responses.csv) and writes",
                    "OUT/sft (the detailed answers) and OUT/preference (detailed chosen over canned), split by prompt."})
    static final class FromBitext implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--data", paramLabel = "DIR",
                description = "Folder with the two CSV files (default: the Bitext data shipped in Kaizen).")
        Path data;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
        Path out;

        @Option(names = "--eval-fraction", paramLabel = "F", defaultValue = "0.1",
                description = "Share of prompts held out (default: ${DEFAULT-VALUE}).")
        double evalFraction;

        @Option(names = "--split-seed", paramLabel = "S", defaultValue = "0",
                description = "Seed of the split by prompt (default: ${DEFAULT-VALUE}).")
        long splitSeed;

        @Override
        public Integer call() throws Exception {
            Path data = ShippedDataFolder.resolve(spec.commandLine(), this.data, "bitext");
            if (!Files.isRegularFile(data.resolve("detailed_responses.csv"))
                    || !Files.isRegularFile(data.resolve("canned_responses.csv"))) {
                throw new ParameterException(spec.commandLine(), "--data " + data
                        + " does not hold detailed_responses.csv and canned_responses.csv");
            }
            PromptSplitter splitter;
            try {
                splitter = new PromptSplitter(evalFraction, splitSeed);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            BitextImport.Result bitext = BitextImport.read(data);
            JsonObject counts = new JsonObject()
                    .put("sft", write(DatasetKind.SFT, bitext.sft(), splitter, out.resolve("sft")))
                    .put("preference", write(DatasetKind.PREFERENCE, bitext.preferences(), splitter,
                            out.resolve("preference")));
            spec.commandLine().getOut().println(counts.put("out", out.toAbsolutePath().toString()).encode());
            return 0;
        }

        private static JsonObject write(DatasetKind kind, List<? extends Example> examples, PromptSplitter splitter,
                                        Path dir) throws IOException {
            List<Example> train = new ArrayList<>();
            List<Example> eval = new ArrayList<>();
            for (Example e : examples) {
                (splitter.splitOf(e.prompt()) == Split.EVAL ? eval : train).add(e);
            }
            JsonlFormats.writeSplits(kind, train, eval, dir);
            return new JsonObject().put("train", train.size()).put("eval", eval.size());
        }
    }

}
