-- Advocacy issues and the findings that are their evidence.
CREATE TABLE advocacy_issues (
    id                INTEGER PRIMARY KEY,
    title             TEXT    NOT NULL,
    problem_statement TEXT    NOT NULL,
    policy_area_id    INTEGER NOT NULL REFERENCES policy_areas (id),
    owner_id          INTEGER NOT NULL REFERENCES users (id),
    priority          TEXT    NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    stage             TEXT    NOT NULL DEFAULT 'identified',
    created_by        INTEGER NOT NULL REFERENCES users (id),
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL
);
CREATE INDEX advocacy_issues_updated_idx ON advocacy_issues (updated_at);

-- Each link records who made it and when.
CREATE TABLE issue_findings (
    issue_id   INTEGER NOT NULL REFERENCES advocacy_issues (id),
    finding_id INTEGER NOT NULL REFERENCES findings (id),
    linked_by  INTEGER NOT NULL REFERENCES users (id),
    linked_at  TEXT    NOT NULL,
    PRIMARY KEY (issue_id, finding_id)
);
CREATE INDEX issue_findings_finding_idx ON issue_findings (finding_id);
