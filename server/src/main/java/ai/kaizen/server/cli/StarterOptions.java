package ai.kaizen.server.cli;

import ai.kaizen.trainer.starter.StarterCorpus;
import ai.kaizen.trainer.starter.StarterData;
import ai.kaizen.trainer.starter.StarterRecipe;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The options every {@code kaizen starter} step shares: where the shipped data is. */
final class StarterOptions {

    @Option(names = "--data", paramLabel = "DIR",
            description = "A data folder with bitext/ and taskmaster-tm4/ (default: the data shipped in Kaizen).")
    Path data;

    /** Reads the corpus and draws the held-out split; a missing directory is a usage error. */
    StarterData load(CommandLine cli) {
        Path data = ShippedDataFolder.resolve(cli, this.data, "");
        if (!Files.isDirectory(data.resolve("bitext"))) {
            throw new ParameterException(cli, data + " has no bitext/ directory (give --data)");
        }
        try {
            return StarterData.of(StarterCorpus.load(data), StarterRecipe.SEED);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(cli, e.getMessage());
        }
    }

    /** A model directory argument must hold config.json. */
    static void requireModel(CommandLine cli, Path dir, String option) {
        if (dir == null || !Files.isRegularFile(dir.resolve("config.json"))) {
            throw new ParameterException(cli, "give a model directory with " + option + (dir == null ? ""
                    : "; " + dir + " has no config.json"));
        }
    }
}
