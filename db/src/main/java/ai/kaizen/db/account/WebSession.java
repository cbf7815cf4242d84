package ai.kaizen.db.account;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/**
 * A browser session. {@code id} is the SHA-256 of the token in the cookie; {@code userId} is empty for an
 * anonymous end user.
 */
@Entity
@Table(name = "web_session")
public class WebSession {

    @Id
    @Column(name = "id", length = 64)
    private String id;

    @Column(name = "user_id")
    private Long userId;

    @Column(name = "csrf_token", nullable = false, length = 64)
    private String csrfToken;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "last_seen_at", nullable = false)
    private Instant lastSeenAt;

    @Column(name = "expires_at", nullable = false)
    private Instant expiresAt;

    protected WebSession() {
    }

    public WebSession(String id, Long userId, String csrfToken, Instant expiresAt) {
        this.id = id;
        this.userId = userId;
        this.csrfToken = csrfToken;
        this.createdAt = Instant.now();
        this.lastSeenAt = createdAt;
        this.expiresAt = expiresAt;
    }

    public String id() {
        return id;
    }

    public Long userId() {
        return userId;
    }

    public String csrfToken() {
        return csrfToken;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public Instant lastSeenAt() {
        return lastSeenAt;
    }

    public Instant expiresAt() {
        return expiresAt;
    }

    public void touch(Instant now, Instant newExpiry) {
        this.lastSeenAt = now;
        this.expiresAt = newExpiry;
    }
}
