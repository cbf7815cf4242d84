package ai.kaizen.server.simulate;

/**
 * One message a simulated customer sends.
 *
 * @param message   the customer message
 * @param intent    what the customer wants, e.g. {@code get_refund}: an answer addresses the message when the intent
 *                  classifier reads this intent in it
 * @param reference the answer closeness is measured against (Bitext's detailed answer), or null when the data has
 *                  none
 */
public record SimulationPrompt(String message, String intent, String reference) {
}
