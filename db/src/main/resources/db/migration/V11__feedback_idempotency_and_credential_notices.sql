-- /v1/feedback requests sent with an Idempotency-Key: the first request's answer, stored in the same transaction
-- as its feedback, so that a retry with the same key gets that answer and stores nothing new.
CREATE TABLE feedback_request (
    principal       varchar(80)              NOT NULL,
    idempotency_key varchar(200)             NOT NULL,
    request_sha256  varchar(64)              NOT NULL,
    response        jsonb,
    created_at      timestamp with time zone NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, idempotency_key)
);
CREATE INDEX feedback_request_created_at ON feedback_request (created_at);

-- Servers cache sessions and API keys for a few seconds. Any change that takes access away (a session ended or
-- shortened, a key revoked or deleted, a user disabled, renamed or given another role) is announced on this
-- channel, whoever makes it (any instance, an admin command, plain SQL), so that every server forgets the entry
-- at once instead of at the end of its cache time.
CREATE FUNCTION kaizen_notify_credentials() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'web_session' THEN
        PERFORM pg_notify('kaizen_credentials', 'session:' || OLD.id);
    ELSIF TG_TABLE_NAME = 'api_key' THEN
        PERFORM pg_notify('kaizen_credentials', 'key:' || OLD.key_hash);
    ELSE
        PERFORM pg_notify('kaizen_credentials', 'user:' || OLD.id);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER web_session_credentials AFTER DELETE ON web_session
    FOR EACH ROW EXECUTE FUNCTION kaizen_notify_credentials();
CREATE TRIGGER web_session_credentials_change AFTER UPDATE ON web_session
    FOR EACH ROW WHEN (NEW.expires_at < OLD.expires_at OR NEW.user_id IS DISTINCT FROM OLD.user_id
                       OR NEW.csrf_token <> OLD.csrf_token OR NEW.id <> OLD.id)
    EXECUTE FUNCTION kaizen_notify_credentials();

CREATE TRIGGER api_key_credentials AFTER DELETE ON api_key
    FOR EACH ROW EXECUTE FUNCTION kaizen_notify_credentials();
CREATE TRIGGER api_key_credentials_change AFTER UPDATE ON api_key
    FOR EACH ROW WHEN (NEW.revoked_at IS DISTINCT FROM OLD.revoked_at OR NEW.key_hash <> OLD.key_hash)
    EXECUTE FUNCTION kaizen_notify_credentials();

CREATE TRIGGER app_user_credentials AFTER DELETE ON app_user
    FOR EACH ROW EXECUTE FUNCTION kaizen_notify_credentials();
CREATE TRIGGER app_user_credentials_change AFTER UPDATE ON app_user
    FOR EACH ROW WHEN (NEW.disabled_at IS DISTINCT FROM OLD.disabled_at OR NEW.role <> OLD.role
                       OR NEW.name <> OLD.name)
    EXECUTE FUNCTION kaizen_notify_credentials();
