-- Accounts, sessions and API keys; conversations and messages; ratings and pairwise choices.

-- Reviewers and operators sign in; end users chat anonymously through a session.
CREATE TABLE app_user (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          varchar(100)             NOT NULL,
    role          varchar(20)              NOT NULL CHECK (role IN ('reviewer', 'operator')),
    password_hash varchar(255)             NOT NULL,
    created_at    timestamp with time zone NOT NULL DEFAULT now(),
    disabled_at   timestamp with time zone
);
CREATE UNIQUE INDEX app_user_name_key ON app_user (lower(name));

-- A browser session: the cookie holds a random token, the table only its SHA-256 (a stolen table logs no one in).
CREATE TABLE web_session (
    id           varchar(64)              PRIMARY KEY,
    user_id      bigint REFERENCES app_user (id) ON DELETE CASCADE,
    csrf_token   varchar(64)              NOT NULL,
    created_at   timestamp with time zone NOT NULL DEFAULT now(),
    last_seen_at timestamp with time zone NOT NULL DEFAULT now(),
    expires_at   timestamp with time zone NOT NULL
);
CREATE INDEX web_session_expires_at ON web_session (expires_at);

-- Keys for the OpenAI-compatible API; as with sessions, only the hash is kept.
CREATE TABLE api_key (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         varchar(100)             NOT NULL,
    prefix       varchar(16)              NOT NULL,
    key_hash     varchar(64)              NOT NULL UNIQUE,
    created_at   timestamp with time zone NOT NULL DEFAULT now(),
    last_used_at timestamp with time zone,
    revoked_at   timestamp with time zone
);

-- A conversation belongs to whoever started it: a browser session, a signed-in user or an API key.
CREATE TABLE conversation (
    id                 uuid PRIMARY KEY,
    owner              varchar(80)              NOT NULL,
    title              varchar(200)             NOT NULL DEFAULT '',
    system_prompt      text                     NOT NULL DEFAULT '',
    current_message_id uuid,
    created_at         timestamp with time zone NOT NULL DEFAULT now(),
    updated_at         timestamp with time zone NOT NULL DEFAULT now()
);
CREATE INDEX conversation_owner_updated ON conversation (owner, updated_at DESC);

-- Messages form a tree (parent_id): regenerated answers and the two sides of a pairwise choice are siblings;
-- the conversation's current_message_id is the leaf of the branch the user sees.
-- Every answer keeps what produced it: model version, sampling settings, token counts and timings.
CREATE TABLE message (
    id                uuid PRIMARY KEY,
    conversation_id   uuid                     NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
    parent_id         uuid REFERENCES message (id) ON DELETE CASCADE,
    role              varchar(16)              NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content           text                     NOT NULL,
    model_version     varchar(200),
    sampling          jsonb,
    prompt_tokens     integer,
    completion_tokens integer,
    latency_ms        integer,
    first_token_ms    integer,
    finish_reason     varchar(20),
    created_at        timestamp with time zone NOT NULL DEFAULT now()
);
CREATE INDEX message_conversation ON message (conversation_id, created_at);
CREATE INDEX message_parent ON message (parent_id);
ALTER TABLE conversation ADD CONSTRAINT conversation_current_message_fk
    FOREIGN KEY (current_message_id) REFERENCES message (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED;

-- One rating per answer and rater; changing one's mind updates the row.
CREATE TABLE rating (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id uuid                     NOT NULL REFERENCES message (id) ON DELETE CASCADE,
    rater      varchar(80)              NOT NULL,
    thumbs     smallint CHECK (thumbs IN (-1, 1)),
    stars      smallint CHECK (stars BETWEEN 1 AND 5),
    reasons    text[]                   NOT NULL DEFAULT '{}',
    comment    text,
    created_at timestamp with time zone NOT NULL DEFAULT now(),
    updated_at timestamp with time zone NOT NULL DEFAULT now(),
    UNIQUE (message_id, rater)
);

-- Two answers to the same prompt shown side by side as A and B, and what the user chose.
CREATE TABLE pairwise_comparison (
    id                uuid PRIMARY KEY,
    prompt_message_id uuid                     NOT NULL REFERENCES message (id) ON DELETE CASCADE,
    answer_a_id       uuid                     NOT NULL REFERENCES message (id) ON DELETE CASCADE,
    answer_b_id       uuid                     NOT NULL REFERENCES message (id) ON DELETE CASCADE,
    rater             varchar(80)              NOT NULL,
    trigger           varchar(20)              NOT NULL CHECK (trigger IN ('sampled', 'regenerate')),
    choice            varchar(10) CHECK (choice IN ('a', 'b', 'tie', 'both_bad')),
    created_at        timestamp with time zone NOT NULL DEFAULT now(),
    decided_at        timestamp with time zone,
    CHECK (answer_a_id <> answer_b_id)
);
CREATE INDEX pairwise_prompt ON pairwise_comparison (prompt_message_id);
