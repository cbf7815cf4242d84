/**
 * Human evaluation, the evaluation gate's last step: blind "candidate against serving" tasks on held-out prompts,
 * reviewers' votes on them, and the counts the gate judges.
 */
package ai.kaizen.db.humaneval;
