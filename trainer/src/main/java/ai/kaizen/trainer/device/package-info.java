/** Where training runs: the CPU, or a CUDA GPU with the {@code cuda} build profile. */
package ai.kaizen.trainer.device;
