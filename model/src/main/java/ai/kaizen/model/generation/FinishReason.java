package ai.kaizen.model.generation;

/** Why a sequence stopped. */
public enum FinishReason {
    /** It produced an end-of-sequence token. */
    EOS,
    /** Its text reached one of the stop strings. */
    STOP_STRING,
    /** It reached the token limit (or the model's context length). */
    LENGTH,
    /** The listener asked to stop. */
    CANCELLED
}
