package ai.kaizen.db.chat;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One turn of a conversation. The content is what its author wrote (for an answer, the model's text with its
 * {@code {{placeholders}}}, what training learns from); {@link #shown()} is what the customer saw. Assistant messages
 * keep what produced them: the model version, the sampling settings
 * (JSON), token counts, total latency and time to first token, and why generation stopped.
 */
@Entity
@Table(name = "message")
public class Message {

    /**
     * The finish reason of an answer its model has not finished: stored when generation starts and replaced when it
     * ends, so an answer whose process died (or whose generation failed) keeps it, with the text saved so far. Such
     * an answer can be rated and chosen like any other, but it is not a complete answer for training.
     */
    public static final String INTERRUPTED = "interrupted";

    /** Who wrote a message. */
    public enum Author {
        system, user, assistant
    }

    @Id
    private UUID id;

    @Column(name = "conversation_id", nullable = false)
    private UUID conversationId;

    @Column(name = "parent_id")
    private UUID parentId;

    @Column(name = "role", nullable = false, length = 16)
    @jakarta.persistence.Enumerated(jakarta.persistence.EnumType.STRING)
    private Author role;

    @Column(name = "content", nullable = false, columnDefinition = "text")
    private String content;

    /** The answer as the customer saw it (placeholders filled), when that differs from {@link #content}. */
    @Column(name = "shown_content", columnDefinition = "text")
    private String shownContent;

    @Column(name = "model_version", length = 200)
    private String modelVersion;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "sampling", columnDefinition = "jsonb")
    private String sampling;

    @Column(name = "prompt_tokens")
    private Integer promptTokens;

    @Column(name = "completion_tokens")
    private Integer completionTokens;

    @Column(name = "latency_ms")
    private Integer latencyMs;

    @Column(name = "first_token_ms")
    private Integer firstTokenMs;

    @Column(name = "finish_reason", length = 20)
    private String finishReason;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    /** Written for reviewers (a sampled candidate, an ideal answer): never on the user's branches. */
    @Column(name = "review_only", nullable = false)
    private boolean reviewOnly;

    @Column(name = "prompt_sha256")
    private byte[] promptSha256;

    protected Message() {
    }

    private Message(UUID id, UUID conversationId, UUID parentId, Author role, String content) {
        this.id = id;
        this.conversationId = conversationId;
        this.parentId = parentId;
        this.role = role;
        this.content = content;
        this.createdAt = Instant.now();
    }

    /** A message written by the user (or the system prompt). */
    public static Message written(UUID conversationId, UUID parentId, Author role, String content) {
        return new Message(UUID.randomUUID(), conversationId, parentId, role, content);
    }

    /** An answer of the model, with what produced it. */
    public static Message answer(UUID id, UUID conversationId, UUID parentId, String content, Generation generation) {
        Message m = new Message(id, conversationId, parentId, Author.assistant, content);
        m.modelVersion = generation.modelVersion();
        m.sampling = generation.samplingJson();
        m.promptTokens = generation.promptTokens();
        m.completionTokens = generation.completionTokens();
        m.latencyMs = generation.latencyMs();
        m.firstTokenMs = generation.firstTokenMs();
        m.finishReason = generation.finishReason();
        return m;
    }

    /**
     * An answer the model starts to write: empty, {@link #INTERRUPTED} until it is finished, with what produces it
     * and no counts yet.
     *
     * @param promptSha256 {@link #promptSha256(String, List) the digest} of the prompt it answers
     */
    public static Message started(UUID id, UUID conversationId, UUID parentId, String modelVersion,
                                  String samplingJson, int promptTokens, byte[] promptSha256) {
        Message m = new Message(id, conversationId, parentId, Author.assistant, "");
        m.modelVersion = modelVersion;
        m.sampling = samplingJson;
        m.promptTokens = promptTokens;
        m.completionTokens = 0;
        m.finishReason = INTERRUPTED;
        m.promptSha256 = promptSha256.clone();
        return m;
    }

    /**
     * The SHA-256 of a prompt, word for word: the conversation's system prompt and the turns before the answer, each
     * role and text. Two answers answer the same prompt when their digests are equal, wherever they are stored, so a
     * choice between them needs no walk up their conversations.
     *
     * @param turns the conversation from its first message to the one answered
     */
    public static byte[] promptSha256(String systemPrompt, List<Message> turns) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            field(digest, systemPrompt);
            for (Message turn : turns) {
                field(digest, turn.role.name());
                field(digest, turn.content);
            }
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** A text with its length first, so that no two lists of texts give the same bytes. */
    private static void field(MessageDigest digest, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        digest.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
        digest.update(bytes);
    }

    /**
     * Records that the customer saw {@code shown} for this answer (its placeholders filled); the content stays what
     * the model wrote.
     *
     * @return this message
     */
    public Message shownAs(String shown) {
        this.shownContent = shown == null || shown.equals(content) ? null : shown;
        return this;
    }

    /**
     * Marks this answer as written for reviewers only (a candidate sampled for ranking, a reviewer's ideal answer):
     * it stays beside the user's answers in the tree but is never one of their branches.
     *
     * @return this message
     */
    public Message forReview() {
        this.reviewOnly = true;
        return this;
    }

    /**
     * What produced an answer.
     *
     * @param samplingJson the sampling settings as a JSON object
     * @param finishReason {@code stop} (end of sequence or a stop string), {@code length}, {@code cancelled}, or
     *                     {@link #INTERRUPTED}
     */
    public record Generation(String modelVersion, String samplingJson, int promptTokens, int completionTokens,
                             int latencyMs, Integer firstTokenMs, String finishReason) {
    }

    public UUID id() {
        return id;
    }

    public UUID conversationId() {
        return conversationId;
    }

    public UUID parentId() {
        return parentId;
    }

    public Author role() {
        return role;
    }

    public String content() {
        return content;
    }

    /** What the customer saw: the content, with the placeholders filled where the answer had some. */
    public String shown() {
        return shownContent != null ? shownContent : content;
    }

    public String modelVersion() {
        return modelVersion;
    }

    public String sampling() {
        return sampling;
    }

    public Integer promptTokens() {
        return promptTokens;
    }

    public Integer completionTokens() {
        return completionTokens;
    }

    public Integer latencyMs() {
        return latencyMs;
    }

    public Integer firstTokenMs() {
        return firstTokenMs;
    }

    public String finishReason() {
        return finishReason;
    }

    /** Whether this is an answer its model did not finish (see {@link #INTERRUPTED}). */
    public boolean interrupted() {
        return INTERRUPTED.equals(finishReason);
    }

    public Instant createdAt() {
        return createdAt;
    }

    /** Whether this answer was written for reviewers only (see {@link #forReview()}). */
    public boolean reviewOnly() {
        return reviewOnly;
    }
}
