-- Evidence beyond findings: statistics with their source, and policy documents.
CREATE TABLE issue_evidence (
    id         INTEGER PRIMARY KEY,
    issue_id   INTEGER NOT NULL REFERENCES advocacy_issues (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('statistic', 'policy_document')),
    title      TEXT    NOT NULL,
    detail     TEXT    NOT NULL DEFAULT '',
    source     TEXT    NOT NULL DEFAULT '',
    url        TEXT,
    added_by   INTEGER NOT NULL REFERENCES users (id),
    added_at   TEXT    NOT NULL,
    removed_at TEXT
);
CREATE INDEX issue_evidence_issue_idx ON issue_evidence (issue_id);
