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
 * @param desirableMinStars   in the thumbs dataset, a rater's stars (when they gave no thumbs) count for an answer
 *                            from this many up (default 4; 6 turns it off)
 * @param undesirableMaxStars in the thumbs dataset, a rater's stars count against an answer up to this many
 *                            (default 2; 0 turns it off); stars in between are no vote
 */
public record DatasetParameters(int sftMinStars, double starsMargin, double evalFraction, long splitSeed,
                                boolean bothBadAsThumbsDown, int desirableMinStars, int undesirableMaxStars) {

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
        if (undesirableMaxStars < 0 || desirableMinStars > 6 || undesirableMaxStars >= desirableMinStars) {
            throw new IllegalArgumentException("undesirableMaxStars and desirableMinStars must satisfy "
                    + "0 <= undesirableMaxStars < desirableMinStars <= 6");
        }
    }

    /** Parameters with the thumbs dataset's default star thresholds (4 and up good, 2 and down bad). */
    public DatasetParameters(int sftMinStars, double starsMargin, double evalFraction, long splitSeed,
                             boolean bothBadAsThumbsDown) {
        this(sftMinStars, starsMargin, evalFraction, splitSeed, bothBadAsThumbsDown, 4, 2);
    }

    public DatasetParameters withSftMinStars(int stars) {
        return new DatasetParameters(stars, starsMargin, evalFraction, splitSeed, bothBadAsThumbsDown,
                desirableMinStars, undesirableMaxStars);
    }

    public DatasetParameters withStarsMargin(double margin) {
        return new DatasetParameters(sftMinStars, margin, evalFraction, splitSeed, bothBadAsThumbsDown,
                desirableMinStars, undesirableMaxStars);
    }

    public DatasetParameters withSplit(double fraction, long seed) {
        return new DatasetParameters(sftMinStars, starsMargin, fraction, seed, bothBadAsThumbsDown, desirableMinStars,
                undesirableMaxStars);
    }

    public DatasetParameters withBothBadAsThumbsDown(boolean enabled) {
        return new DatasetParameters(sftMinStars, starsMargin, evalFraction, splitSeed, enabled, desirableMinStars,
                undesirableMaxStars);
    }

    /** The thumbs dataset's star thresholds: good from {@code desirable} stars up, bad up to {@code undesirable}. */
    public DatasetParameters withStarLabels(int desirable, int undesirable) {
        return new DatasetParameters(sftMinStars, starsMargin, evalFraction, splitSeed, bothBadAsThumbsDown, desirable,
                undesirable);
    }

    /** How a rater's stars vote on an answer in the thumbs dataset: 1 for, -1 against, 0 neither. */
    public int starsVote(int stars) {
        return stars >= desirableMinStars ? 1 : stars <= undesirableMaxStars ? -1 : 0;
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
                .put("bothBadAsThumbsDown", bothBadAsThumbsDown)
                .put("desirableMinStars", desirableMinStars)
                .put("undesirableMaxStars", undesirableMaxStars);
    }

    /** Reads {@link #toJson()}'s output; missing fields take their defaults. */
    public static DatasetParameters fromJson(JsonObject json) {
        return new DatasetParameters(
                json.getInteger("sftMinStars", DEFAULTS.sftMinStars()),
                json.getDouble("starsMargin", DEFAULTS.starsMargin()),
                json.getDouble("evalFraction", DEFAULTS.evalFraction()),
                json.getLong("splitSeed", DEFAULTS.splitSeed()),
                json.getBoolean("bothBadAsThumbsDown", DEFAULTS.bothBadAsThumbsDown()),
                json.getInteger("desirableMinStars", DEFAULTS.desirableMinStars()),
                json.getInteger("undesirableMaxStars", DEFAULTS.undesirableMaxStars()));
    }
}
