-- A worker proposes that a finding belongs to an issue; the owner (or another senior
-- worker, coordinator or admin) accepts or declines.
CREATE TABLE issue_link_proposals (
    issue_id    INTEGER NOT NULL REFERENCES advocacy_issues (id),
    finding_id  INTEGER NOT NULL REFERENCES findings (id),
    proposed_by INTEGER NOT NULL REFERENCES users (id),
    proposed_at TEXT    NOT NULL,
    PRIMARY KEY (issue_id, finding_id)
);
