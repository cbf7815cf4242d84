/**
 * {@code kaizen simulate}: simulated customers that chat with a running Kaizen through its OpenAI-compatible API and
 * give thumbs, stars and A/B choices from a judge built from the Bitext data, then optionally a retraining cycle
 * started through the console's API and a comparison of its candidate with the serving model on prompts the
 * customers never sent. Operators rehearse a cycle's settings with it; engineers measure with it.
 */
package ai.kaizen.server.simulate;
