package ai.kaizen.trainer.dataset;

/** A line of a dataset file that cannot be read; the message starts with the line number. */
public final class DatasetFormatException extends RuntimeException {

    private final long line;

    public DatasetFormatException(long line, String problem, Throwable cause) {
        super("line " + line + ": " + problem, cause);
        this.line = line;
    }

    /** The number of the bad line, from 1. */
    public long line() {
        return line;
    }
}
