package ai.kaizen.db.review;

/** A review request that cannot be done as asked; {@link #status()} is the HTTP status that says why. */
public final class ReviewException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    public ReviewException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    /** 400 bad input, 404 no such task for this reviewer, 409 the task is no longer in a state that allows it. */
    public int status() {
        return status;
    }
}
