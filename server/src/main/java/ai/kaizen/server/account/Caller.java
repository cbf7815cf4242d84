package ai.kaizen.server.account;

import ai.kaizen.db.account.Role;

import java.util.Objects;
import java.util.Optional;

/**
 * Who is making a request: an anonymous end user (known by a browser session), a signed-in reviewer or operator,
 * or an API client (known by its key). Its {@link #principal()} is what conversations and ratings are keyed by.
 *
 * @param role      what the caller may do
 * @param principal {@code session:<hash prefix>}, {@code user:<id>} or {@code apikey:<id>}
 * @param userName  the signed-in user's name, if any
 * @param csrfToken the session's CSRF token; empty for API clients, which send no cookies
 */
public record Caller(Role role, String principal, Optional<String> userName, Optional<String> csrfToken) {

    public Caller {
        Objects.requireNonNull(role);
        Objects.requireNonNull(principal);
    }

    public static Caller anonymous(String sessionId, String csrfToken) {
        // The first 32 hex digits of the session hash are plenty to be unique and reveal nothing usable.
        return new Caller(Role.END_USER, "session:" + sessionId.substring(0, 32), Optional.empty(),
                Optional.of(csrfToken));
    }

    public static Caller user(long userId, String name, Role role, String csrfToken) {
        return new Caller(role, "user:" + userId, Optional.of(name), Optional.of(csrfToken));
    }

    public static Caller apiKey(long keyId) {
        return new Caller(Role.END_USER, "apikey:" + keyId, Optional.empty(), Optional.empty());
    }

    public boolean isSignedIn() {
        return userName.isPresent();
    }

    public boolean may(Role required) {
        return role.includes(required);
    }
}
