-- The proposal of an issue, in the structure of a formal suggestion, kept as versions:
-- each save is a new row; the version that went to a department is fixed to that
-- submission.
CREATE TABLE proposal_versions (
    id              INTEGER PRIMARY KEY,
    issue_id        INTEGER NOT NULL REFERENCES advocacy_issues (id),
    version         INTEGER NOT NULL,
    title           TEXT    NOT NULL,
    reason          TEXT    NOT NULL DEFAULT '',
    background      TEXT    NOT NULL DEFAULT '',
    analysis        TEXT    NOT NULL DEFAULT '',
    -- one recommendation per line
    recommendations TEXT    NOT NULL DEFAULT '',
    cost            TEXT    NOT NULL DEFAULT '',
    author_id       INTEGER NOT NULL REFERENCES users (id),
    created_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX proposal_versions_issue_idx ON proposal_versions (issue_id, version);
ALTER TABLE submissions ADD COLUMN proposal_version_id INTEGER REFERENCES proposal_versions (id);
