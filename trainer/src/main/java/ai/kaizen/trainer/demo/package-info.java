/**
 * The RLHF demonstration on the shipped customer-service data: from a policy fine-tuned on canned answers, a reward
 * model on detailed-over-canned pairs, then PPO and DPO, each judged against the starting policy.
 */
package ai.kaizen.trainer.demo;
