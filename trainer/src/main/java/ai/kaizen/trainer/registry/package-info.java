/** Registered models' files: stored atomically under Kaizen's home, checksummed, verified before loading. */
package ai.kaizen.trainer.registry;
