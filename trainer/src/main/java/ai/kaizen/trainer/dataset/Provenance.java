package ai.kaizen.trainer.dataset;

import java.util.List;
import java.util.Objects;

/**
 * Where an example came from: the kind of feedback and the ids of its rows, so that a bad example can be traced
 * back to what produced it.
 *
 * @param kind e.g. {@code rating}, {@code pairwise}, {@code stars}, {@code both_bad}, {@code bitext}, or
 *             {@code none} when unknown (imported without one)
 * @param ids  the rows of that feedback (rating ids, comparison ids, a file and line...), as text
 */
public record Provenance(String kind, List<String> ids) {

    /** For examples whose origin is not known. */
    public static final Provenance NONE = new Provenance("none", List.of());

    public Provenance {
        Objects.requireNonNull(kind, "kind");
        ids = List.copyOf(ids);
    }

    public static Provenance of(String kind, String... ids) {
        return new Provenance(kind, List.of(ids));
    }
}
