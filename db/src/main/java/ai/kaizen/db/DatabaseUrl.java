package ai.kaizen.db;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where a PostgreSQL database lives and how to log in, parsed from the URL forms people paste:
 * {@code postgresql://user:pass@host:5432/kaizen?sslmode=require}, {@code postgres://...} and
 * {@code jdbc:postgresql://...}. User and password may be percent-encoded.
 *
 * @param host      server host name or address
 * @param port      server port
 * @param database  database name
 * @param user      user name (may be empty: the driver then uses its default)
 * @param password  password (may be empty)
 * @param params    extra connection parameters (e.g. {@code sslmode}), passed to the drivers as they are
 */
public record DatabaseUrl(String host, int port, String database, String user, String password,
                          Map<String, String> params) {

    public static final int DEFAULT_PORT = 5432;

    public DatabaseUrl {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(database, "database");
        user = user == null ? "" : user;
        password = password == null ? "" : password;
        params = Map.copyOf(params == null ? Map.of() : params);
        if (host.isBlank()) {
            throw new IllegalArgumentException("the host is missing");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the port must be between 1 and 65535, got " + port);
        }
        if (database.isBlank()) {
            throw new IllegalArgumentException("the database name is missing (postgresql://host:5432/NAME)");
        }
    }

    /**
     * Parses a PostgreSQL URL.
     *
     * @throws IllegalArgumentException with a message fit for a person when the text is not such a URL
     */
    public static DatabaseUrl parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("the URL is empty");
        }
        String s = text.strip();
        if (s.startsWith("jdbc:")) {
            s = s.substring("jdbc:".length());
        }
        URI uri;
        try {
            uri = new URI(s);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme();
        if (!"postgresql".equals(scheme) && !"postgres".equals(scheme)) {
            throw new IllegalArgumentException(
                    "expected postgresql://user:password@host:5432/database, got scheme '" + scheme + "'");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("the host is missing (postgresql://user:password@HOST:5432/database)");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String database = decode(path.startsWith("/") ? path.substring(1) : path);
        String user = "";
        String password = "";
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            password = colon < 0 ? "" : decode(userInfo.substring(colon + 1));
        }
        Map<String, String> params = new LinkedHashMap<>();
        String query = uri.getRawQuery();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq));
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
                if (key.equals("user") && user.isEmpty()) {
                    user = value;
                } else if (key.equals("password") && password.isEmpty()) {
                    password = value;
                } else if (!key.isEmpty()) {
                    params.put(key, value);
                }
            }
        }
        return new DatabaseUrl(uri.getHost(), uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort(), database,
                user, password, params);
    }

    /** The JDBC form of this URL, credentials excluded (pass them separately). */
    public String jdbcUrl() {
        StringBuilder url = new StringBuilder("jdbc:postgresql://").append(hostForUrl()).append(':').append(port)
                .append('/').append(encode(database));
        String separator = "?";
        for (Map.Entry<String, String> p : params.entrySet()) {
            url.append(separator).append(encode(p.getKey())).append('=').append(encode(p.getValue()));
            separator = "&";
        }
        return url.toString();
    }

    /** The same server with another database on it. */
    public DatabaseUrl withDatabase(String otherDatabase) {
        return new DatabaseUrl(host, port, otherDatabase, user, password, params);
    }

    /** A form safe to log: the password is masked. */
    @Override
    public String toString() {
        String credentials = user.isEmpty() ? "" : encode(user) + (password.isEmpty() ? "" : ":****") + "@";
        String url = "postgresql://" + credentials + hostForUrl() + ":" + port + "/" + database;
        return params.isEmpty() ? url : url + "?" + String.join("&",
                params.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
    }

    private String hostForUrl() {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
