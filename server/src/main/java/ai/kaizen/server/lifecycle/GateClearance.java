package ai.kaizen.server.lifecycle;

import ai.kaizen.db.cycle.TrainingCycle;
import ai.kaizen.db.registry.ModelVersion;
import io.vertx.core.json.JsonObject;

import java.util.Optional;

/**
 * What the evaluation gate said of a model version, and so whether promoting it needs an operator's override. A
 * version a cycle trained may be promoted plainly only when its cycle's gate passed it; one whose gate failed, gave
 * no verdict or never ran (its cycle failed or was cancelled after registering it) needs an override with a reason,
 * which the audit log keeps. A version no cycle trained (the configured {@code model.dir}) has no gate to pass.
 *
 * @param gate    {@code passed}, {@code failed}, {@code no_verdict}, {@code pending} (awaiting reviewers' votes, or
 *                cancelled while it did), {@code not_evaluated}, or {@code none} for a version no cycle trained
 * @param refusal why a plain promotion is refused, or null when none is
 */
public record GateClearance(String gate, String refusal) {

    /** The request field that overrides a refusal. */
    public static final String OVERRIDE_REASON = "override_reason";

    /**
     * @param version the version
     * @param cycle   the cycle whose candidate it is (empty when none is)
     */
    public static GateClearance of(ModelVersion version, Optional<TrainingCycle> cycle) {
        return of(version.id(), version.cycleId(), cycle.map(TrainingCycle::gateReport).orElse(null));
    }

    /**
     * @param versionId  the version
     * @param cycleId    the cycle that trained it (null: none did)
     * @param gateReport that cycle's gate report, a JSON object (null when its gate never reported)
     */
    static GateClearance of(long versionId, Long cycleId, String gateReport) {
        if (cycleId == null) {
            return new GateClearance("none", null);
        }
        String where = "cycle " + cycleId;
        JsonObject report = gateReport == null ? null : new JsonObject(gateReport);
        // Reports written before verdicts existed say only "passed".
        String verdict = report == null ? null
                : report.getString("verdict", report.getBoolean("passed", false) ? "pass" : "fail");
        String reason = report == null ? null : report.getString("reason");
        String tail = ": promoting it needs an override, {\"" + OVERRIDE_REASON + "\": \"why\"}";
        String name = "model version " + versionId;
        if (verdict == null) {
            return new GateClearance("not_evaluated", name + " was never judged by the evaluation gate (" + where
                    + " did not finish its evaluation)" + tail);
        }
        return switch (verdict) {
            case "pass" -> new GateClearance("passed", null);
            case "pending" -> new GateClearance("pending", "the evaluation gate has not given its verdict on " + name
                    + " (" + where + (reason == null ? "" : ": " + reason) + ")" + tail);
            case "no_verdict" -> new GateClearance("no_verdict", "the evaluation gate gave no verdict on " + name
                    + " (" + where + (reason == null ? "" : ": " + reason) + ")" + tail);
            default -> new GateClearance("failed", "the evaluation gate failed " + name + " (" + where
                    + (reason == null ? "" : ": " + reason) + ")" + tail);
        };
    }

    public boolean needsOverride() {
        return refusal != null;
    }
}
