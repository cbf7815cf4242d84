package ai.kaizen.model;

/**
 * A model directory, checkpoint or request that the engine cannot use: a missing file, a malformed
 * {@code config.json}, a tensor with the wrong shape. The message is meant for the user and names
 * the file, tensor or option at fault, so command-line tools print it as it is.
 */
public class ModelException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a user-facing message.
     *
     * @param message what went wrong, naming the file, tensor or option
     */
    public ModelException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a user-facing message and its cause.
     *
     * @param message what went wrong, naming the file, tensor or option
     * @param cause the underlying failure
     */
    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
