/**
 * Retraining cycles in the trainer process: {@link ai.kaizen.trainer.cycle.CycleRunner} runs a cycle's
 * {@link ai.kaizen.trainer.cycle.StageKind stages}, each a {@link ai.kaizen.trainer.cycle.CycleStage} made in
 * {@link ai.kaizen.trainer.cycle.CycleStages} (where the reward-model, DPO, KTO and PPO stages plug in), reporting
 * heartbeat, progress, metrics and log lines to the cycle's row. The evaluate stage's gate decides on held-out
 * evidence only: {@link ai.kaizen.trainer.cycle.GateVerdict} judges {@link ai.kaizen.trainer.cycle.GateEvidence}
 * by {@link ai.kaizen.trainer.cycle.GateThresholds}, and the cycle ends as it decided (succeeded, gate_failed or
 * no_verdict).
 */
package ai.kaizen.trainer.cycle;
