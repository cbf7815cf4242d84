/**
 * Kahneman-Tversky optimisation from answers labelled desirable or undesirable (thumbs, stars):
 * {@link ai.kaizen.trainer.kto.KtoTrainer}, {@link ai.kaizen.trainer.kto.KtoConfig}.
 */
package ai.kaizen.trainer.kto;
