/**
 * Scalar heads on the final hidden state ({@link ai.kaizen.model.head.ScalarHead}): the reward
 * model's and the PPO value model's output.
 */
package ai.kaizen.model.head;
