-- Files attached to an issue (PDF, images, office documents). The bytes live in the
-- database so that every instance serves the same files; the type was read from the
-- content when the file was added.
CREATE TABLE issue_attachments (
    id           INTEGER PRIMARY KEY,
    issue_id     INTEGER NOT NULL REFERENCES advocacy_issues (id),
    filename     TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size_bytes   INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    content      BLOB    NOT NULL,
    added_by     INTEGER NOT NULL REFERENCES users (id),
    added_at     TEXT    NOT NULL,
    removed_at   TEXT
);
CREATE INDEX issue_attachments_issue_idx ON issue_attachments (issue_id);
