/**
 * Judging trained policies: a candidate against the policy it started from, on held-out prompts, as the evaluation
 * gate of a retraining cycle and the RLHF demonstration do it (reward-model score, win rate, KL, length).
 */
package ai.kaizen.trainer.eval;
