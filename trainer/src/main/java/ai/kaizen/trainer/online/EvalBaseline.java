package ai.kaizen.trainer.online;

import ai.kaizen.model.config.Json;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The starting policy's evaluation: the score of its answer to each held-out prompt, taken before the
 * first update and kept in the output directory ({@value #FILE}) so that a resumed run judges against
 * the same answers. A later evaluation's win rate counts, prompt by prompt, how often the policy's
 * answer scores above the starting one (a tie counts half, as in the demonstration's comparison).
 *
 * @param scores the starting answers' scores (as trained on: normalised, clipped, EOS-penalised), in
 *     prompt order
 */
public record EvalBaseline(float[] scores) {

    /** Its file in the output directory. */
    public static final String FILE = "eval_baseline.json";

    /** Scores closer than this count as a tie: greedy answers left unchanged score the same. */
    private static final double TIE = 1e-4;

    /**
     * @param later scores of a later evaluation, same prompts in the same order
     * @return the share of prompts where the later answer wins, ties counting half
     */
    public double winRate(float[] later) {
        if (later.length != scores.length) {
            throw new IllegalArgumentException("the baseline has " + scores.length + " prompts, the evaluation "
                    + later.length);
        }
        double wins = 0;
        for (int i = 0; i < scores.length; i++) {
            double d = later[i] - scores[i];
            wins += Math.abs(d) <= TIE ? 0.5 : d > 0 ? 1 : 0;
        }
        return scores.length == 0 ? Double.NaN : wins / scores.length;
    }

    /** @return the starting answers' mean score */
    public double meanScore() {
        double s = 0;
        for (float f : scores) {
            s += f;
        }
        return scores.length == 0 ? Double.NaN : s / scores.length;
    }

    /** @param outputDir the run's output directory, to write {@value #FILE} into */
    public void write(Path outputDir) {
        JsonObject o = new JsonObject();
        o.addProperty("mean_score", meanScore());
        JsonArray a = new JsonArray();
        for (float f : scores) {
            a.add(f);
        }
        o.add("scores", a);
        Json.write(outputDir.resolve(FILE), o);
    }

    /** @return the baseline a run wrote into this directory, if any */
    public static Optional<EvalBaseline> read(Path outputDir) {
        Path file = outputDir.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        JsonArray a = Json.readObject(file).getAsJsonArray("scores");
        float[] s = new float[a.size()];
        int i = 0;
        for (JsonElement e : a) {
            s[i++] = e.getAsFloat();
        }
        return Optional.of(new EvalBaseline(s));
    }
}
