package ai.kaizen.db.company;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * One saved version of the company profile: what the server puts in place of the answers' placeholders. Every field
 * but the version may be null (not given).
 *
 * @param version      1 for the first save, one more for each save after it; 0 for the profile nobody saved
 * @param name         the company's name
 * @param websiteName  the website's (or app's) name
 * @param websiteUrl   the website's address
 * @param supportPhone the customer-support phone number
 * @param supportEmail the customer-support email address
 * @param supportHours when customer support is open, in words
 * @param liveChat     where or how to reach the live chat, in words
 * @param extra        any other placeholder name (as written between the braces) and its value
 * @param savedBy      who saved it (null for version 0)
 * @param savedAt      when (null for version 0)
 */
public record CompanyProfile(int version, String name, String websiteName, String websiteUrl, String supportPhone,
                             String supportEmail, String supportHours, String liveChat, Map<String, String> extra,
                             String savedBy, Instant savedAt) {

    /** The profile before anyone saved one: no values, so every placeholder gets its neutral phrase. */
    public static final CompanyProfile NONE = new CompanyProfile(0, null, null, null, null, null, null, null,
            Map.of(), null, null);

    public CompanyProfile {
        extra = java.util.Collections.unmodifiableMap(new TreeMap<>(extra));
    }
}
