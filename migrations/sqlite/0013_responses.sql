-- Government answers: responses with their classification, the proposer's satisfaction
-- and the commitments made; extensions and re-handling rounds of a submission; meetings
-- with the department; settings an admin chooses (the classification scheme).
ALTER TABLE submissions ADD COLUMN extended_due_on TEXT;
ALTER TABLE submissions ADD COLUMN extension_note TEXT NOT NULL DEFAULT '';
-- "Not satisfied" opens a re-handling round with its own deadline.
ALTER TABLE submissions ADD COLUMN rehandling_due_on TEXT;

CREATE TABLE responses (
    id             INTEGER PRIMARY KEY,
    submission_id  INTEGER NOT NULL REFERENCES submissions (id),
    round          INTEGER NOT NULL DEFAULT 1,
    responded_on   TEXT NOT NULL,
    classification TEXT    NOT NULL,
    summary        TEXT    NOT NULL,
    -- The reply letter, one of the issue's attachments.
    letter_id      INTEGER REFERENCES issue_attachments (id),
    satisfaction   TEXT CHECK (satisfaction IN ('satisfied', 'basically_satisfied', 'not_satisfied')),
    created_by     INTEGER NOT NULL REFERENCES users (id),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX responses_submission_idx ON responses (submission_id);

CREATE TABLE commitments (
    id          INTEGER PRIMARY KEY,
    response_id INTEGER NOT NULL REFERENCES responses (id),
    what        TEXT    NOT NULL,
    due_on      TEXT,
    status      TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'lapsed')),
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX commitments_response_idx ON commitments (response_id);
CREATE INDEX commitments_due_idx ON commitments (due_on) WHERE status = 'open';

CREATE TABLE submission_meetings (
    id            INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    met_on        TEXT NOT NULL,
    notes         TEXT    NOT NULL,
    created_by    INTEGER NOT NULL REFERENCES users (id),
    created_at    TEXT NOT NULL
);
CREATE INDEX submission_meetings_idx ON submission_meetings (submission_id);

CREATE TABLE app_settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO app_settings (name, value) VALUES ('classification_scheme', 'abc');
