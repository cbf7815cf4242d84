/** Online A/B comparisons of model versions, judged by the users' pairwise choices. */
package ai.kaizen.db.comparison;
