-- The in-app inbox: reminders and news about issues a person owns, watches or
-- coordinates. A message is stored with its catalogue key and values, so each reader
-- sees it in their own language. (user, dedupe_key) is unique: several instances may
-- run the same reminder pass and each reminder is still created, and e-mailed, once.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    kind        TEXT    NOT NULL,
    issue_id    INTEGER REFERENCES advocacy_issues (id),
    message_key TEXT    NOT NULL,
    params      TEXT    NOT NULL DEFAULT '{}',
    dedupe_key  TEXT    NOT NULL,
    created_at  TEXT NOT NULL,
    read_at     TEXT,
    emailed_at  TEXT
);
CREATE UNIQUE INDEX notifications_dedupe_idx ON notifications (user_id, dedupe_key);
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at);
