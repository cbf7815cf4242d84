package ai.kaizen.trainer.reward;

import ai.kaizen.model.Fixtures;
import ai.kaizen.trainer.dataset.BitextImport;
import ai.kaizen.trainer.dataset.MismatchedPairs;
import ai.kaizen.trainer.dataset.PreferenceExample;
import ai.kaizen.trainer.dataset.PromptIntents;
import ai.kaizen.trainer.dataset.Provenance;
import ai.kaizen.trainer.dataset.ThumbsExample;
import ai.kaizen.trainer.pairwise.PairwiseResult;
import ai.kaizen.trainer.starter.HeldOutSplit;
import ai.kaizen.trainer.training.TrainingListener;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a test: the measurement behind the README's figures on which feedback a reward model learns from, at a small,
 * realistic volume of Bitext feedback, from the starter model. Runs only when asked:
 *
 * <pre>
 * mvn -B -pl trainer test -Dtest=RewardSignalsMeasurement -Dkaizen.measure=true [-Dkaizen.measure.steps=400]
 *     [-Dkaizen.measure.eval_steps=200] [-Dkaizen.measure.runs=choices,all,all-m3] [-Dkaizen.measure.lr=1e-4]
 * </pre>
 *
 * Training feedback on the starter model's training messages: 100 A/B choices (detailed answer chosen over canned)
 * and 450 thumbs on other messages (the detailed answer up, or the canned one down, one answer per message). Held out,
 * on the starter model's held-out messages (never seen by it either): 100 choices, 100 thumbs and mismatched pairs
 * made from their approved answers (intents from Bitext). Every run is judged on that same held-out set. Runs:
 * {@code choices} (the choices alone), {@code all} (choices, thumbs and one mismatched pair per approved answer),
 * {@code all-half} (the same at {@code thumbs_weight} 0.5), {@code all-m3} (three mismatched pairs per approved
 * answer); batches of 16 and by default learning rate 1e-4, as the RLHF demonstration's reward model.
 */
@EnabledIfSystemProperty(named = "kaizen.measure", matches = "true")
class RewardSignalsMeasurement {

    @TempDir
    Path tmp;

    @Test
    void choicesAloneAgainstEveryKindOfFeedback() {
        Path bitext = Fixtures.inRepository("data/bitext");
        Path starter = Fixtures.inRepository("models/starter");
        List<BitextImport.LabelledRow> rows = new ArrayList<>(
                BitextImport.labelledRows(bitext.resolve("detailed_responses.csv")));
        rows.addAll(BitextImport.labelledRows(bitext.resolve("canned_responses.csv")));
        HeldOutSplit split = HeldOutSplit.of(rows, 0.1, 7); // the starter model's own held-out messages
        PromptIntents intents = PromptIntents.fromBitext(bitext);
        List<PreferenceExample> trainMessages = new ArrayList<>();
        List<PreferenceExample> heldOutMessages = new ArrayList<>();
        for (PreferenceExample p : BitextImport.read(bitext).preferences()) {
            (split.isHeldOut(p.prompt().get(0).content()) ? heldOutMessages : trainMessages).add(p);
        }
        Collections.shuffle(trainMessages, new Random(1));
        Collections.shuffle(heldOutMessages, new Random(2));
        List<PreferenceExample> choices = choices(trainMessages.subList(0, 100));
        List<ThumbsExample> thumbs = thumbs(trainMessages.subList(100, 550));
        List<PreferenceExample> evalChoices = choices(heldOutMessages.subList(0, 100));
        List<ThumbsExample> evalThumbs = thumbs(heldOutMessages.subList(100, 200));
        List<PreferenceExample> evalPairs = new ArrayList<>(evalChoices);
        evalPairs.addAll(MismatchedPairs.of(MismatchedPairs.approvedAnswers(evalChoices, evalThumbs), 1.0, 3,
                intents));
        int steps = Integer.getInteger("kaizen.measure.steps", 400);
        List<String> runs = List.of(System.getProperty("kaizen.measure.runs", "choices,all,all-m3").split(","));
        System.out.printf("data: %d choices, %d thumbs for training; held out %d choices, %d thumbs, %d mismatched%n",
                choices.size(), thumbs.size(), evalChoices.size(), evalThumbs.size(),
                evalPairs.size() - evalChoices.size());

        Map<String, Map<String, Double>> results = new TreeMap<>();
        for (String name : runs) {
            // all: choices + thumbs + mismatched pairs (1 per approved answer); -half: thumbs_weight 0.5; -m3: 3 each
            double perAnswer = name.equals("choices") ? 0 : name.endsWith("-m3") ? 3 : 1;
            double thumbsWeight = name.endsWith("-half") ? 0.5 : 1.0;
            List<PreferenceExample> pairs = new ArrayList<>(choices);
            pairs.addAll(MismatchedPairs.of(MismatchedPairs.approvedAnswers(choices, thumbs), perAnswer, 42,
                    intents));
            RewardDataset data = new RewardDataset(pairs, evalPairs, name.equals("choices") ? List.of() : thumbs,
                    evalThumbs);
            System.out.printf("%s: %d training pairs (%d mismatched), %d thumbs, thumbs_weight %.1f%n", name,
                    pairs.size(), pairs.size() - choices.size(), data.trainThumbs().size(), thumbsWeight);
            results.put(name, run(starter, name, steps, thumbsWeight, data));
        }
        results.forEach((name, metrics) -> System.out.printf("%s: choices %.3f, thumbs AUC %.3f, mismatched %.3f, "
                + "loss %.3f%n", name, metrics.get("eval_accuracy/choices"), metrics.get("eval_accuracy/thumbs"),
                metrics.get("eval_accuracy/mismatched"), metrics.get("eval_loss")));
    }

    private Map<String, Double> run(Path starter, String name, int steps, double thumbsWeight, RewardDataset data) {
        JsonObject o = new JsonObject();
        o.addProperty("learning_rate", Double.parseDouble(System.getProperty("kaizen.measure.lr", "1e-4")));
        o.addProperty("max_steps", steps);
        o.addProperty("per_device_train_batch_size", 16);
        o.addProperty("max_length", 256);
        o.addProperty("warmup_steps", 10);
        o.addProperty("eval_steps", Integer.getInteger("kaizen.measure.eval_steps", 200));
        o.addProperty("save_steps", 0);
        o.addProperty("logging_steps", 5);
        o.addProperty("thumbs_weight", thumbsWeight);
        RewardConfig config = RewardConfig.fromJson(o, RewardConfig.defaults(tmp.resolve(name)));
        long started = System.nanoTime();
        PairwiseResult result = RewardRun.run(starter, config, data, new TrainingListener() {
            @Override
            public void onLog(Map<String, Number> metrics) {
                if (metrics.containsKey("eval_loss")) {
                    System.out.printf("%s step %s: choices %.3f, thumbs AUC %.3f, mismatched %.3f%n", name,
                            metrics.get("step"), metrics.get("eval_accuracy/choices").doubleValue(),
                            metrics.get("eval_accuracy/thumbs").doubleValue(),
                            metrics.get("eval_accuracy/mismatched").doubleValue());
                }
            }
        });
        System.out.printf("%s: %d steps in %.0f s, %s%n", name, result.globalStep(),
                (System.nanoTime() - started) / 1e9, new TreeMap<>(result.evalMetrics()));
        return result.evalMetrics();
    }

    /** Users' A/B choices: the detailed answer chosen over the canned one. */
    private static List<PreferenceExample> choices(List<PreferenceExample> pairs) {
        return pairs.stream().map(p -> new PreferenceExample(p.prompt(), p.chosen(), p.rejected(),
                new Provenance("pairwise", p.provenance().ids()))).toList();
    }

    /** One thumb per message: alternately the detailed answer up and the canned answer down. */
    private static List<ThumbsExample> thumbs(List<PreferenceExample> pairs) {
        List<ThumbsExample> out = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            PreferenceExample p = pairs.get(i);
            boolean up = i % 2 == 0;
            out.add(new ThumbsExample(p.prompt(), up ? p.chosen() : p.rejected(), up,
                    new Provenance("rating", p.provenance().ids())));
        }
        return out;
    }
}
