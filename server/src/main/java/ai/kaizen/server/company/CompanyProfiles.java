package ai.kaizen.server.company;

import ai.kaizen.db.audit.AuditLog;
import ai.kaizen.db.company.CompanyProfile;
import ai.kaizen.db.company.CompanyProfileRepository;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Objects;

/**
 * The company profile in force (the newest saved version, read afresh for each answer, so that a save on one
 * instance applies on every instance at the next answer) and its saves, each audited as
 * {@code set_company_profile} with the new version and the fields it changed.
 */
public final class CompanyProfiles {

    private final CompanyProfileRepository stored;
    private final AuditLog audit;

    public CompanyProfiles(CompanyProfileRepository stored, AuditLog audit) {
        this.stored = Objects.requireNonNull(stored);
        this.audit = Objects.requireNonNull(audit);
    }

    /** The newest version, or {@link CompanyProfile#NONE} while nobody saved one. */
    public Future<CompanyProfile> current() {
        return Future.fromCompletionStage(stored.current()).map(saved -> saved.orElse(CompanyProfile.NONE));
    }

    /** What each placeholder becomes now. */
    public Future<PlaceholderValues> placeholders() {
        return current().map(PlaceholderValues::new);
    }

    public Future<List<CompanyProfile>> versions(int limit) {
        return Future.fromCompletionStage(stored.versions(limit));
    }

    public Future<java.util.Optional<CompanyProfile>> version(int version) {
        return Future.fromCompletionStage(stored.version(version));
    }

    /** Saves {@code wanted} (already checked) as the next version, by {@code actor}, and audits it. */
    public Future<CompanyProfile> save(CompanyProfile wanted, String actor) {
        return current().compose(before -> Future.fromCompletionStage(stored.save(wanted, actor))
                .compose(saved -> Future.fromCompletionStage(audit.record(actor, "set_company_profile",
                                new JsonObject().put("version", saved.version())
                                        .put("changed", changed(before, saved)).encode()))
                        .map(recorded -> saved)));
    }

    /** The fields whose values differ, as the API names them; extra values by their placeholder names. */
    static JsonArray changed(CompanyProfile before, CompanyProfile after) {
        JsonObject a = CompanyProfileJson.write(before);
        JsonObject b = CompanyProfileJson.write(after);
        JsonArray changed = new JsonArray();
        for (String field : List.of("name", "website_name", "website_url", "support_phone", "support_email",
                "support_hours", "live_chat")) {
            if (!Objects.equals(a.getValue(field), b.getValue(field))) {
                changed.add(field);
            }
        }
        java.util.Set<String> names = new java.util.TreeSet<>(before.extra().keySet());
        names.addAll(after.extra().keySet());
        for (String name : names) {
            if (!Objects.equals(before.extra().get(name), after.extra().get(name))) {
                changed.add("extra." + name);
            }
        }
        return changed;
    }
}
