package ai.kaizen.model.generation;

/**
 * Receives tokens as they are generated (streaming). Called on the generating thread, in order,
 * once per generated token of each sequence; keep it short.
 */
@FunctionalInterface
public interface TokenListener {

    /** Ignores every token. */
    TokenListener NONE = token -> true;

    /**
     * Called after each generated token.
     *
     * @param token the token, its log-probability and its text delta
     * @return {@code true} to go on, {@code false} to stop this sequence now (finish reason
     *     {@link FinishReason#CANCELLED}; the other sequences of a batch go on)
     */
    boolean onToken(GeneratedToken token);
}
