package ai.kaizen.db.chat;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/**
 * A conversation. {@code owner} says who may see it ({@code session:<hash>}, {@code user:<id>} or
 * {@code apikey:<id>}); {@code currentMessageId} is the last message of the branch on screen.
 */
@Entity
@Table(name = "conversation")
public class Conversation {

    @Id
    private UUID id;

    @Column(name = "owner", nullable = false, length = 80)
    private String owner;

    @Column(name = "title", nullable = false, length = 200)
    private String title;

    @Column(name = "system_prompt", nullable = false, columnDefinition = "text")
    private String systemPrompt;

    @Column(name = "current_message_id")
    private UUID currentMessageId;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    protected Conversation() {
    }

    public Conversation(UUID id, String owner, String title, String systemPrompt) {
        this.id = id;
        this.owner = owner;
        this.title = title;
        this.systemPrompt = systemPrompt;
        this.createdAt = Instant.now();
        this.updatedAt = createdAt;
    }

    public UUID id() {
        return id;
    }

    public String owner() {
        return owner;
    }

    public String title() {
        return title;
    }

    public String systemPrompt() {
        return systemPrompt;
    }

    public UUID currentMessageId() {
        return currentMessageId;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public Instant updatedAt() {
        return updatedAt;
    }

    public void moveTo(UUID messageId) {
        this.currentMessageId = messageId;
        this.updatedAt = Instant.now();
    }

    public void retitle(String newTitle) {
        this.title = newTitle;
    }
}
