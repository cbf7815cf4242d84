package ai.kaizen.server.comparison;

import ai.kaizen.server.inference.ModelSlot;

import java.util.Optional;
import java.util.random.RandomGenerator;

/** Which model, if any, answers the second side of a user's pairwise choice instead of the serving one. */
@FunctionalInterface
public interface Challengers {

    /** No online comparison: both sides come from the serving model. */
    Challengers NONE = (servingLabel, random) -> Optional.empty();

    /**
     * A lease on the challenger when this pair should pit it against {@code servingLabel} (drawn with
     * {@code random}), else empty. The caller closes the lease when its answer is done.
     */
    Optional<ModelSlot.Lease> draw(String servingLabel, RandomGenerator random);
}
