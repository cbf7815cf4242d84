package ai.kaizen.server.simulate;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A retraining cycle started and followed through the console's API, as an operator would: {@code POST
 * /api/console/cycles} with the request, then {@code GET /api/console/cycles/{id}} every few seconds until it is
 * neither queued nor running.
 */
final class CycleRehearsal {

    private static final Duration POLL = Duration.ofSeconds(2);

    private final KaizenClient client;
    private final PrintWriter progress;

    CycleRehearsal(KaizenClient client, PrintWriter progress) {
        this.client = client;
        this.progress = progress;
    }

    /**
     * How the cycle ended.
     *
     * @param cycle the cycle as the console gave it last (status, error, stage results, gate report, ...)
     */
    record Outcome(JsonObject cycle) {

        long id() {
            return cycle.getLong("id");
        }

        String status() {
            return cycle.getString("status");
        }

        /** The candidate the evaluate stage registered, or null. */
        Long candidateVersionId() {
            return cycle.getLong("candidate_version_id");
        }

        /** The evaluation gate's report, or null when the cycle had none. */
        JsonObject gate() {
            return cycle.getJsonObject("gate_report");
        }

        /** The version the gate compared the candidate with (the one the cycle trained from). */
        Long servingVersionId() {
            return gate() == null ? null : gate().getLong("serving_version_id");
        }

        JsonObject toJson() {
            JsonObject json = new JsonObject().put("id", id()).put("status", status())
                    .put("error", cycle.getString("error")).put("candidate_version_id", candidateVersionId())
                    .put("request", cycle.getJsonObject("request"));
            JsonObject gate = gate();
            if (gate != null) {
                json.put("gate", new JsonObject().put("verdict", gate.getString("verdict"))
                        .put("passed", gate.getBoolean("passed")).put("reason", gate.getString("reason"))
                        .put("prompts", gate.getInteger("prompts")).put("serving_version_id", servingVersionId())
                        .put("checks", gate.getJsonArray("checks", new JsonArray())));
            }
            return json;
        }
    }

    /**
     * Starts the cycle and waits for its end.
     *
     * @param request the cycle's request, as the console's API takes it
     * @param timeout how long to wait before giving up (the cycle is left running)
     */
    Outcome run(JsonObject request, Duration timeout) {
        long id = new JsonObject(client.console("POST", "/api/console/cycles", request, 201)).getLong("id");
        progress.println("simulate: started cycle " + id + " " + request.encode());
        progress.flush();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        while (true) {
            JsonObject cycle = new JsonObject(client.console("GET", "/api/console/cycles/" + id, null, 200));
            String status = cycle.getString("status");
            String now = status + " " + Objects.toString(cycle.getString("stage"), "") + " "
                    + Objects.toString(cycle.getInteger("step"), "") + "/"
                    + Objects.toString(cycle.getInteger("total_steps"), "");
            if (!now.equals(last)) {
                progress.println("simulate: cycle " + id + ": " + now);
                progress.flush();
                last = now;
            }
            if (!List.of("queued", "running").contains(status)) {
                return new Outcome(cycle);
            }
            if (System.nanoTime() > deadline) {
                throw new KaizenClient.Failure("cycle " + id + " did not end in " + timeout.toMinutes()
                        + " min; it is still " + status + " (cancel it in the console if needed)");
            }
            KaizenClient.sleep(POLL);
        }
    }
}
