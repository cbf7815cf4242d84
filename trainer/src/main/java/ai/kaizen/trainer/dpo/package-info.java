/** Direct preference optimisation: {@link ai.kaizen.trainer.dpo.DpoTrainer}, {@link ai.kaizen.trainer.dpo.DpoConfig}. */
package ai.kaizen.trainer.dpo;
