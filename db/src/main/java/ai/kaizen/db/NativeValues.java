package ai.kaizen.db;

import java.time.Instant;

/** Values of native query rows, whose Java types depend on the driver: one place to read them. */
public final class NativeValues {

    private NativeValues() {
    }

    /** A {@code timestamp with time zone} column as an instant. */
    public static Instant instant(Object value) {
        if (value instanceof Instant i) {
            return i;
        }
        if (value instanceof java.time.OffsetDateTime o) {
            return o.toInstant();
        }
        if (value instanceof java.sql.Timestamp t) {
            return t.toInstant();
        }
        throw new IllegalStateException("unexpected timestamp type " + (value == null ? "null" : value.getClass()));
    }
}
