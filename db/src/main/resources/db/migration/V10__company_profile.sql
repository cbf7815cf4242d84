-- The company profile operators describe in the console: what the server puts in place of the answers'
-- {{placeholders}} (the Bitext data's {{Website Name}}, {{Customer Support Phone Number}}, ...). Every save is a new
-- row, never changed; the newest version is the one in force. extra maps any other placeholder name to its value.
CREATE TABLE company_profile (
    version         integer                  PRIMARY KEY CHECK (version > 0),
    name            varchar(200),
    website_name    varchar(200),
    website_url     varchar(500),
    support_phone   varchar(40),
    support_email   varchar(254),
    support_hours   varchar(200),
    live_chat       varchar(200),
    extra           jsonb                    NOT NULL DEFAULT '{}',
    saved_by        varchar(100)             NOT NULL,
    saved_at        timestamp with time zone NOT NULL DEFAULT now()
);

-- An answer as the customer saw it, with its placeholders filled (NULL: the same as content). content keeps what
-- the model wrote, placeholders included, which is what datasets and reviewers' ideal answers are made of.
ALTER TABLE message ADD COLUMN shown_content text;
