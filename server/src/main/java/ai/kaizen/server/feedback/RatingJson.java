package ai.kaizen.server.feedback;

import ai.kaizen.db.feedback.Rating;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** A rating as every route shows it: {@code {"thumbs", "stars", "reasons", "comment"}}. */
public final class RatingJson {

    private RatingJson() {
    }

    public static JsonObject of(Rating rating) {
        return new JsonObject()
                .put("thumbs", rating.thumbs())
                .put("stars", rating.stars())
                .put("reasons", new JsonArray(rating.reasons()))
                .put("comment", rating.comment());
    }
}
