package ai.kaizen.server.config;

/** A configuration value that cannot be used; its message is one line that names the key and where it came from. */
public final class InvalidConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public InvalidConfigException(String message) {
        super(message, null, false, false);
    }
}
