package ai.kaizen.server.http;

import ai.kaizen.db.account.SessionRepository;
import ai.kaizen.db.account.User;
import ai.kaizen.db.account.UserRepository;
import ai.kaizen.db.account.WebSession;
import ai.kaizen.server.account.Caller;
import ai.kaizen.server.account.CredentialCache;
import ai.kaizen.server.account.CredentialCache.CachedSession;
import ai.kaizen.server.account.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Browser sessions: a random token in an HttpOnly, SameSite cookie; the database keeps its SHA-256, the signed-in
 * user (if any) and the session's CSRF token. Expiry slides with use. Puts the {@link Caller} of a request with a
 * live session into the routing context; {@link #ensure} creates an anonymous session where one is needed. Live
 * sessions are kept in a {@link CredentialCache} for a few seconds, so most requests read nothing to know their
 * caller; ending a session forgets it there at once (and, through the database's notice, on every instance).
 */
public final class Sessions implements Handler<RoutingContext> {

    public static final String COOKIE = "kaizen_session";
    static final String CALLER = "kaizen.caller";
    private static final String SESSION_ID = "kaizen.session";
    /** Expiry is pushed out at most this often, to avoid a write on every request. */
    private static final Duration TOUCH_EVERY = Duration.ofMinutes(5);

    private final SessionRepository sessions;
    private final UserRepository users;
    private final Duration maxAge;
    private final boolean trustProxy;
    private final CredentialCache cache;

    public Sessions(SessionRepository sessions, UserRepository users, Duration maxAge, boolean trustProxy,
                    CredentialCache cache) {
        this.sessions = sessions;
        this.users = users;
        this.maxAge = maxAge;
        this.trustProxy = trustProxy;
        this.cache = cache;
    }

    /** The caller of this request, if it has a session or an API key. */
    public static Optional<Caller> caller(RoutingContext ctx) {
        return Optional.ofNullable(ctx.get(CALLER));
    }

    public static void setCaller(RoutingContext ctx, Caller caller) {
        ctx.put(CALLER, caller);
    }

    @Override
    public void handle(RoutingContext ctx) {
        Cookie cookie = ctx.request().getCookie(COOKIE);
        if (cookie == null || cookie.getValue().isBlank() || cookie.getValue().length() > 100) {
            ctx.next();
            return;
        }
        String id = Tokens.sha256(cookie.getValue());
        Instant now = Instant.now();
        Optional<CachedSession> cached = cache.session(id).filter(c -> c.expiresAt().isAfter(now));
        Future<Optional<Caller>> caller;
        if (cached.isPresent()) {
            // Sliding expiry: one of the requests that find the last push older than TOUCH_EVERY pushes it again.
            caller = cache.updateSession(id, c -> isTouchDue(c.lastSeenAt(), now) ? c.touched(now, now.plus(maxAge)) : c)
                    ? Future.fromCompletionStage(sessions.touch(id, now, now.plus(maxAge)),
                    ctx.vertx().getOrCreateContext()).map(touched -> Optional.of(cached.get().caller()))
                    : Future.succeededFuture(Optional.of(cached.get().caller()));
        } else {
            long generation = cache.generation();
            caller = Future.fromCompletionStage(sessions.findLive(id, now), ctx.vertx().getOrCreateContext())
                    .compose(found -> found.isEmpty() ? Future.succeededFuture(Optional.<Caller>empty())
                            : callerOf(found.get()).compose(c -> {
                                WebSession session = found.get();
                                boolean touch = isTouchDue(session.lastSeenAt(), now);
                                Instant lastSeen = touch ? now : session.lastSeenAt();
                                Instant expiry = touch ? now.plus(maxAge) : session.expiresAt();
                                cache.putSession(id, new CachedSession(c, session.userId(), lastSeen, expiry),
                                        generation);
                                return (touch ? Future.fromCompletionStage(sessions.touch(id, now, expiry))
                                        : Future.succeededFuture()).map(touched -> Optional.of(c));
                            }));
        }
        caller.onSuccess(found -> {
                    found.ifPresentOrElse(c -> {
                        ctx.put(CALLER, c);
                        ctx.put(SESSION_ID, id);
                    }, () -> ctx.response().addCookie(expired()));
                    ctx.next();
                })
                .onFailure(ctx::fail);
    }

    private static boolean isTouchDue(Instant lastSeenAt, Instant now) {
        return lastSeenAt.plus(TOUCH_EVERY).isBefore(now);
    }

    private Future<Caller> callerOf(WebSession session) {
        if (session.userId() == null) {
            return Future.succeededFuture(Caller.anonymous(session.id(), session.csrfToken()));
        }
        return Future.fromCompletionStage(users.find(session.userId()))
                .map(user -> user.filter(u -> !u.isDisabled())
                        .map(u -> Caller.user(u.id(), u.name(), u.role(), session.csrfToken()))
                        .orElseGet(() -> Caller.anonymous(session.id(), session.csrfToken())));
    }

    /** The caller, creating an anonymous session (and its cookie) when the request has none. */
    public Future<Caller> ensure(RoutingContext ctx) {
        Optional<Caller> existing = caller(ctx);
        if (existing.isPresent()) {
            return Future.succeededFuture(existing.get());
        }
        return start(ctx, null).map(session -> {
            Caller caller = Caller.anonymous(session.id(), session.csrfToken());
            ctx.put(CALLER, caller);
            return caller;
        });
    }

    /** Replaces the request's session by a new one for {@code user} (a new token: no session fixation). */
    public Future<Caller> signIn(RoutingContext ctx, User user) {
        return end(ctx).compose(ended -> start(ctx, user.id())).map(session -> {
            Caller caller = Caller.user(user.id(), user.name(), user.role(), session.csrfToken());
            ctx.put(CALLER, caller);
            return caller;
        });
    }

    /** Ends the request's session, if any, and clears its cookie. */
    public Future<Void> end(RoutingContext ctx) {
        String id = ctx.get(SESSION_ID);
        ctx.remove(CALLER);
        ctx.remove(SESSION_ID);
        ctx.response().addCookie(expired());
        if (id != null) {
            cache.forget("session:" + id);
        }
        return id == null ? Future.succeededFuture()
                : Future.fromCompletionStage(sessions.delete(id), ctx.vertx().getOrCreateContext());
    }

    private Future<WebSession> start(RoutingContext ctx, Long userId) {
        String token = Tokens.random();
        String id = Tokens.sha256(token);
        WebSession session = new WebSession(id, userId, Tokens.random(), Instant.now().plus(maxAge));
        return Future.fromCompletionStage(sessions.create(session), ctx.vertx().getOrCreateContext())
                .map(created -> {
                    ctx.response().addCookie(cookie(ctx, token));
                    ctx.put(SESSION_ID, id);
                    return created;
                });
    }

    private Cookie cookie(RoutingContext ctx, String token) {
        return Cookie.cookie(COOKIE, token)
                .setPath("/")
                .setHttpOnly(true)
                .setSameSite(CookieSameSite.LAX)
                .setSecure(isTls(ctx))
                .setMaxAge(maxAge.toSeconds());
    }

    private static Cookie expired() {
        return Cookie.cookie(COOKIE, "").setPath("/").setHttpOnly(true).setSameSite(CookieSameSite.LAX)
                .setMaxAge(0);
    }

    /** Whether the browser reached us over TLS: directly, or through a trusted proxy that says so. */
    boolean isTls(RoutingContext ctx) {
        return ctx.request().isSSL()
                || trustProxy && "https".equalsIgnoreCase(ctx.request().getHeader("X-Forwarded-Proto"));
    }
}
