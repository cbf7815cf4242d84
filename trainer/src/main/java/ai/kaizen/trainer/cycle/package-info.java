/**
 * Retraining cycles in the trainer process: {@link ai.kaizen.trainer.cycle.CycleRunner} runs a cycle's
 * {@link ai.kaizen.trainer.cycle.StageKind stages}, each a {@link ai.kaizen.trainer.cycle.CycleStage} made in
 * {@link ai.kaizen.trainer.cycle.CycleStages} (where the reward-model, DPO and PPO stages plug in), reporting
 * heartbeat, progress, metrics and log lines to the cycle's row.
 */
package ai.kaizen.trainer.cycle;
