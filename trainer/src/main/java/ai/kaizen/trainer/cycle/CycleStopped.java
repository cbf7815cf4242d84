package ai.kaizen.trainer.cycle;

/** The cycle was cancelled, or declared dead, while a stage ran: the trainer stops without recording a result. */
final class CycleStopped extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CycleStopped() {
        super("the cycle is no longer running (cancelled or declared dead)", null, false, false);
    }
}
