package ai.kaizen.trainer.cycle;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.dataset.Example;
import ai.kaizen.trainer.dataset.JsonlFormats;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.Split;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The cycle's dataset version in the shape a TRL method reads, as a directory {@code datasets.load_dataset} (and so
 * TRL's {@code --dataset_name}) takes: {@code train.jsonl} and {@code test.jsonl}. Made from what the dataset stage
 * wrote: SFT conversations, preference pairs without Kaizen's ties (TRL would read a tie as a preference), thumbs, or
 * the pairs' distinct prompts for the online methods.
 *
 * @param dir   the export's directory
 * @param train examples (or prompts) in {@code train.jsonl}
 * @param test  examples (or prompts) in {@code test.jsonl}
 */
public record TrlExport(Path dir, int train, int test) {

    /** TRL's default name of the training split, and the file it is read from. */
    public static final String TRAIN_SPLIT = "train";
    /** The held-out split: {@code --dataset_test_split test}. */
    public static final String TEST_SPLIT = "test";

    /**
     * Writes the export of {@code method} from the dataset stage's directory {@code source} (its {@code train.jsonl}
     * and {@code eval.jsonl}) into {@code dir}.
     */
    public static TrlExport write(TrlMethod method, Path source, Path dir) throws IOException {
        Files.createDirectories(dir);
        int train = writeSplit(method, source.resolve(Split.TRAIN.label() + ".jsonl"),
                dir.resolve(TRAIN_SPLIT + ".jsonl"));
        int test = writeSplit(method, source.resolve(Split.EVAL.label() + ".jsonl"),
                dir.resolve(TEST_SPLIT + ".jsonl"));
        if (train == 0) {
            throw new IllegalStateException("the dataset gives no " + method.source().label()
                    + " examples for trl " + method.command() + " to train on");
        }
        return new TrlExport(dir, train, test);
    }

    private static int writeSplit(TrlMethod method, Path from, Path to) throws IOException {
        List<Example> examples;
        try (Reader in = Files.newBufferedReader(from, StandardCharsets.UTF_8)) {
            examples = JsonlFormats.read(method.source(), in);
        }
        if (method.source() == ai.kaizen.trainer.dataset.DatasetKind.PREFERENCE) {
            examples = examples.stream().filter(e -> !((PreferenceExample) e).tie()).toList();
        }
        try (Writer out = Files.newBufferedWriter(to, StandardCharsets.UTF_8)) {
            if (method.promptsOnly()) {
                Set<List<ChatMessage>> prompts = new LinkedHashSet<>();
                examples.forEach(e -> prompts.add(((PreferenceExample) e).prompt()));
                JsonlFormats.writePrompts(new ArrayList<>(prompts), out);
                return prompts.size();
            }
            JsonlFormats.write(method.source(), examples, out);
            return examples.size();
        }
    }
}
