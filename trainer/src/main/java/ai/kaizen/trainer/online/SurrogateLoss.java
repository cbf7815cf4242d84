package ai.kaizen.trainer.online;

import ai.djl.ndarray.NDArray;

/**
 * A micro-batch's clipped-surrogate loss, ready for backward (already divided as gradient accumulation
 * needs), and what is logged about it.
 *
 * @param loss scalar, differentiable
 * @param clipFraction share of tokens (GRPO) or answers (RLOO) where clipping removed the gradient
 *     ({@code policy/clipfrac}, TRL's {@code clip_ratio/region_mean})
 * @param approxKl {@code 0.5 mean((logp - old_logp)^2)} over answer tokens ({@code policy/approxkl})
 * @param meanRatio mean probability ratio, new over sampling time ({@code val/ratio}, for {@code ratio_limit})
 * @param klToReference mean per-token KL to the reference inside the loss (GRPO's k3 with beta; NaN when the
 *     loss has no KL term)
 */
public record SurrogateLoss(NDArray loss, double clipFraction, double approxKl, double meanRatio,
        double klToReference) {}
