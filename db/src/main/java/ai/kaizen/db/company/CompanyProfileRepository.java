package ai.kaizen.db.company;

import ai.kaizen.db.NativeValues;
import io.vertx.core.json.JsonObject;
import org.hibernate.reactive.stage.Stage;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** The company profile's versions: each save appends one, the newest is in force. */
public final class CompanyProfileRepository {

    private static final String COLUMNS = "version, name, website_name, website_url, support_phone, support_email,"
            + " support_hours, live_chat, extra::text, saved_by, saved_at";

    private final Stage.SessionFactory sessions;

    public CompanyProfileRepository(Stage.SessionFactory sessions) {
        this.sessions = Objects.requireNonNull(sessions);
    }

    /** The newest version, or empty while nobody saved one. */
    public CompletionStage<Optional<CompanyProfile>> current() {
        return sessions.withSession(s -> s.createNativeQuery("SELECT " + COLUMNS
                        + " FROM company_profile ORDER BY version DESC LIMIT 1", Object[].class).getResultList())
                .thenApply(rows -> rows.stream().findFirst().map(CompanyProfileRepository::profile));
    }

    /** The newest {@code limit} versions, newest first. */
    public CompletionStage<List<CompanyProfile>> versions(int limit) {
        return sessions.withSession(s -> s.createNativeQuery("SELECT " + COLUMNS
                                + " FROM company_profile ORDER BY version DESC LIMIT :n", Object[].class)
                        .setParameter("n", limit).getResultList())
                .thenApply(rows -> rows.stream().map(CompanyProfileRepository::profile).toList());
    }

    /** One version, if there is one. */
    public CompletionStage<Optional<CompanyProfile>> version(int version) {
        return sessions.withSession(s -> s.createNativeQuery("SELECT " + COLUMNS
                                + " FROM company_profile WHERE version = :v", Object[].class)
                        .setParameter("v", version).getResultList())
                .thenApply(rows -> rows.stream().findFirst().map(CompanyProfileRepository::profile));
    }

    /**
     * Saves {@code profile}'s values as the next version, by {@code actor} (the time is the database's), and returns
     * it as stored. Saves never collide: the table is locked against other saves (reads go on) until the commit.
     */
    public CompletionStage<CompanyProfile> save(CompanyProfile profile, String actor) {
        Objects.requireNonNull(actor, "actor");
        return sessions.withTransaction(s -> s.createNativeQuery(
                                "LOCK TABLE company_profile IN SHARE ROW EXCLUSIVE MODE").executeUpdate()
                        .thenCompose(locked -> s.createNativeQuery("INSERT INTO company_profile (version, name,"
                                        + " website_name, website_url, support_phone, support_email, support_hours,"
                                        + " live_chat, extra, saved_by)"
                                        + " SELECT coalesce(max(version), 0) + 1, cast(:name AS varchar),"
                                        + " cast(:websiteName AS varchar), cast(:websiteUrl AS varchar),"
                                        + " cast(:phone AS varchar), cast(:email AS varchar), cast(:hours AS varchar),"
                                        + " cast(:chat AS varchar), cast(cast(:extra AS text) AS jsonb), :by"
                                        + " FROM company_profile")
                                .setParameter("name", profile.name())
                                .setParameter("websiteName", profile.websiteName())
                                .setParameter("websiteUrl", profile.websiteUrl())
                                .setParameter("phone", profile.supportPhone())
                                .setParameter("email", profile.supportEmail())
                                .setParameter("hours", profile.supportHours())
                                .setParameter("chat", profile.liveChat())
                                .setParameter("extra", new JsonObject(new LinkedHashMap<>(profile.extra())).encode())
                                .setParameter("by", actor)
                                .executeUpdate())
                        .thenCompose(n -> s.createNativeQuery("SELECT " + COLUMNS
                                + " FROM company_profile ORDER BY version DESC LIMIT 1", Object[].class)
                                .getSingleResult()))
                .thenApply(CompanyProfileRepository::profile);
    }

    private static CompanyProfile profile(Object[] r) {
        Map<String, String> extra = new LinkedHashMap<>();
        new JsonObject((String) r[8]).forEach(e -> extra.put(e.getKey(), String.valueOf(e.getValue())));
        return new CompanyProfile(((Number) r[0]).intValue(), (String) r[1], (String) r[2], (String) r[3],
                (String) r[4], (String) r[5], (String) r[6], (String) r[7], extra, (String) r[9],
                NativeValues.instant(r[10]));
    }
}
