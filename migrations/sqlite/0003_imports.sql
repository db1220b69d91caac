-- Uploaded spreadsheets between the upload, the column mapping and the commit. Kept in
-- the database so that any app instance can serve the next step.
CREATE TABLE import_batches (
    id           INTEGER PRIMARY KEY,
    org_id       INTEGER NOT NULL REFERENCES organisations (id),
    user_id      INTEGER NOT NULL REFERENCES users (id),
    filename     TEXT    NOT NULL,
    content      BLOB    NOT NULL,
    created_at   TEXT    NOT NULL,
    committed_at TEXT,
    outcome      TEXT
);
CREATE INDEX import_batches_created_idx ON import_batches (created_at);
