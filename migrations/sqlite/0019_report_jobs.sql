-- Federation reports made in the background: who asked, for what (period, scope,
-- format, language as JSON), how far along, and the finished file. Kept in the
-- database so that any instance shows the progress and serves the download.
CREATE TABLE report_jobs (
    id           INTEGER PRIMARY KEY,
    requested_by INTEGER NOT NULL REFERENCES users (id),
    params       TEXT    NOT NULL,
    status       TEXT    NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    progress     INTEGER NOT NULL DEFAULT 0,
    -- The step under way, as a message key.
    step         TEXT    NOT NULL DEFAULT '',
    -- Why it failed, as a message key.
    error        TEXT,
    filename     TEXT,
    content_type TEXT,
    result       BLOB,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    finished_at  TEXT
);
CREATE INDEX report_jobs_user_idx ON report_jobs (requested_by, id);
-- Issues closed in a period are read from the timeline.
CREATE INDEX audit_log_action_at_idx ON audit_log (action, at);
