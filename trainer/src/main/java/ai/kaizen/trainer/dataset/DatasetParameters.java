package ai.kaizen.trainer.dataset;

import io.vertx.core.json.JsonObject;

/**
 * How a dataset is built; stored with each version so that it can be read back and repeated.
 *
 * @param sftMinStars         a rater's stars, when they gave no thumbs, count for an answer from this many up and
 *                            against it below (default 4)
 * @param starsMargin         two answers to the same prompt make a preference pair when their mean stars differ by
 *                            at least this much (default 1.0)
 * @param evalFraction        the share of prompts held out for evaluation, 0 to 1 (default 0.1)
 * @param splitSeed           seeds the hash that assigns prompts to splits; another seed, another split
 * @param bothBadAsThumbsDown whether both answers of a "both are bad" verdict become thumbs-down examples
 *                            (when their raters gave them no thumbs of their own; default true)
 */
public record DatasetParameters(int sftMinStars, double starsMargin, double evalFraction, long splitSeed,
                                boolean bothBadAsThumbsDown) {

    public static final DatasetParameters DEFAULTS = new DatasetParameters(4, 1.0, 0.1, 0, true);

    public DatasetParameters {
        if (sftMinStars < 1 || sftMinStars > 5) {
            throw new IllegalArgumentException("sftMinStars must be between 1 and 5");
        }
        if (!(starsMargin > 0)) {
            throw new IllegalArgumentException("starsMargin must be positive");
        }
        if (!(evalFraction >= 0 && evalFraction <= 1)) {
            throw new IllegalArgumentException("evalFraction must be between 0 and 1");
        }
    }

    public DatasetParameters withSftMinStars(int stars) {
        return new DatasetParameters(stars, starsMargin, evalFraction, splitSeed, bothBadAsThumbsDown);
    }

    public DatasetParameters withStarsMargin(double margin) {
        return new DatasetParameters(sftMinStars, margin, evalFraction, splitSeed, bothBadAsThumbsDown);
    }

    public DatasetParameters withSplit(double fraction, long seed) {
        return new DatasetParameters(sftMinStars, starsMargin, fraction, seed, bothBadAsThumbsDown);
    }

    public DatasetParameters withBothBadAsThumbsDown(boolean enabled) {
        return new DatasetParameters(sftMinStars, starsMargin, evalFraction, splitSeed, enabled);
    }

    /** The prompt splitter these parameters describe. */
    public PromptSplitter splitter() {
        return new PromptSplitter(evalFraction, splitSeed);
    }

    public JsonObject toJson() {
        return new JsonObject()
                .put("sftMinStars", sftMinStars)
                .put("starsMargin", starsMargin)
                .put("evalFraction", evalFraction)
                .put("splitSeed", splitSeed)
                .put("bothBadAsThumbsDown", bothBadAsThumbsDown);
    }

    /** Reads {@link #toJson()}'s output; missing fields take their defaults. */
    public static DatasetParameters fromJson(JsonObject json) {
        return new DatasetParameters(
                json.getInteger("sftMinStars", DEFAULTS.sftMinStars()),
                json.getDouble("starsMargin", DEFAULTS.starsMargin()),
                json.getDouble("evalFraction", DEFAULTS.evalFraction()),
                json.getLong("splitSeed", DEFAULTS.splitSeed()),
                json.getBoolean("bothBadAsThumbsDown", DEFAULTS.bothBadAsThumbsDown()));
    }
}
