/** Retraining cycles: what operators asked for, the trainer's progress, metrics and log, and the result. */
package ai.kaizen.db.cycle;
