/** Training speed: SFT tokens per second and where a PPO iteration's time goes ({@code kaizen bench train}). */
package ai.kaizen.trainer.bench;
