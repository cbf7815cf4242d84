package ai.kaizen.server.simulate;

import ai.kaizen.model.tokenizer.ChatMessage;
import ai.kaizen.trainer.cycle.IntentJudge;
import ai.kaizen.trainer.dataset.BitextImport;
import ai.kaizen.trainer.dataset.BitextImport.LabelledRow;
import ai.kaizen.trainer.starter.StarterCorpus;
import ai.kaizen.trainer.starter.StarterData;
import ai.kaizen.trainer.starter.StarterRecipe;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Where simulated customers' messages come from, and how they are split between feedback and evaluation. */
public final class SimulationPrompts {

    private SimulationPrompts() {
    }

    /**
     * Bitext's training split, as the starter model's recipe cuts it (10% of each intent's messages held out with
     * seed {@value StarterRecipe#SEED}; those are left out here too, so that the simulator never spends the starter
     * model's own test messages): each training message once, with its intent and its first detailed answer as the
     * reference.
     *
     * @param bitextDir the folder with {@code detailed_responses.csv} and {@code canned_responses.csv}
     */
    public static List<SimulationPrompt> bitextTraining(Path bitextDir) {
        List<LabelledRow> detailed = BitextImport.labelledRows(bitextDir.resolve("detailed_responses.csv"));
        List<LabelledRow> canned = BitextImport.labelledRows(bitextDir.resolve("canned_responses.csv"));
        StarterData data = StarterData.of(new StarterCorpus(detailed, canned, List.of()), StarterRecipe.SEED);
        return data.trainDetailed().stream()
                .map(r -> new SimulationPrompt(r.instruction(), r.intent(), r.response())).toList();
    }

    /**
     * One {@code {"prompt": "...", "intent": "...", "reference": "..."}} object a line; blank lines are skipped.
     * {@code intent} may be left out for a Bitext customer message (the judge knows its intent), {@code reference}
     * may be left out (closeness is then not measured).
     *
     * @throws IllegalArgumentException naming the line, for a line that is not such an object
     */
    public static List<SimulationPrompt> fromJsonl(Path file, IntentJudge judge) {
        List<SimulationPrompt> prompts = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int number = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                prompts.add(parse(line, judge, file + ":" + number));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no prompts");
        }
        return prompts;
    }

    private static SimulationPrompt parse(String line, IntentJudge judge, String where) {
        JsonObject json;
        try {
            json = new JsonObject(line);
        } catch (DecodeException e) {
            throw new IllegalArgumentException(where + ": not a JSON object");
        }
        if (!(json.getValue("prompt") instanceof String prompt) || prompt.isBlank()) {
            throw new IllegalArgumentException(where + ": \"prompt\" must be a non-empty string");
        }
        Object intent = json.getValue("intent");
        Object reference = json.getValue("reference");
        if ((intent != null && !(intent instanceof String)) || (reference != null && !(reference instanceof String))) {
            throw new IllegalArgumentException(where + ": \"intent\" and \"reference\" must be strings");
        }
        String known = intent != null ? (String) intent
                : judge.intentOf(List.of(ChatMessage.user(prompt))).orElseThrow(() -> new IllegalArgumentException(
                        where + ": no \"intent\", and the prompt is not a Bitext customer message whose intent is "
                                + "known"));
        return new SimulationPrompt(prompt, known, (String) reference);
    }

    /**
     * The prompts split by message, with a seed: {@code evaluation} (at most {@code evalCount} distinct messages,
     * kept for comparing models) and {@code feedback} (every other distinct message, for the customers). No message
     * is on both sides, so a candidate trained on the customers' feedback is compared on messages it never saw.
     *
     * @param evaluation messages kept for the comparison
     * @param feedback   messages the customers send, in the order they are sent
     */
    public record Split(List<SimulationPrompt> evaluation, List<SimulationPrompt> feedback) {

        /**
         * @param prompts   the prompts (a repeated message keeps its first occurrence)
         * @param evalCount how many messages to keep for evaluation
         * @param seed      the shuffle's seed
         * @throws IllegalArgumentException when that would leave no message for the customers
         */
        public static Split of(List<SimulationPrompt> prompts, int evalCount, long seed) {
            Map<String, SimulationPrompt> distinct = new LinkedHashMap<>();
            prompts.forEach(p -> distinct.putIfAbsent(p.message(), p));
            List<SimulationPrompt> shuffled = new ArrayList<>(distinct.values());
            Collections.shuffle(shuffled, new Random(seed));
            if (evalCount < 0 || evalCount >= shuffled.size()) {
                throw new IllegalArgumentException("keeping " + evalCount + " of " + shuffled.size()
                        + " distinct prompts for evaluation leaves none for the customers");
            }
            return new Split(List.copyOf(shuffled.subList(0, evalCount)),
                    List.copyOf(shuffled.subList(evalCount, shuffled.size())));
        }
    }
}
