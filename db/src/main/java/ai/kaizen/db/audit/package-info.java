/** The operators' audit log. */
package ai.kaizen.db.audit;
