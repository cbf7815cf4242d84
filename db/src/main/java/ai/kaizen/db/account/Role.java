package ai.kaizen.db.account;

import java.util.Locale;
import java.util.Optional;

/**
 * What a caller may do. End users chat (anonymously); reviewers also review; operators also run the loop.
 * Each role includes the ones before it.
 */
public enum Role {
    END_USER, REVIEWER, OPERATOR;

    /** Whether this role may do what {@code required} may do. */
    public boolean includes(Role required) {
        return ordinal() >= required.ordinal();
    }

    /** The name stored in the database and typed on the command line: {@code reviewer}, {@code operator}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The signed-in role named {@code label} ({@code reviewer} or {@code operator}). */
    public static Optional<Role> ofAccount(String label) {
        if (label == null) {
            return Optional.empty();
        }
        return switch (label.strip().toLowerCase(Locale.ROOT)) {
            case "reviewer" -> Optional.of(REVIEWER);
            case "operator" -> Optional.of(OPERATOR);
            default -> Optional.empty();
        };
    }
}
