/**
 * Online A/B comparisons of model versions: which version answers the other side of a user's pairwise choice, and
 * the head-to-head win rate with the always-valid interval and the verdict that the console shows.
 */
package ai.kaizen.server.comparison;
