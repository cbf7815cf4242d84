/** The model registry: every model version with its lineage, and the history of which one served. */
package ai.kaizen.db.registry;
