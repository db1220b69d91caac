-- Who stands behind an issue: supporting organisations and co-signing workers (a joint
-- proposal carries their names), and who follows it (watchers).
CREATE TABLE issue_supporters (
    issue_id BIGINT      NOT NULL REFERENCES advocacy_issues (id),
    org_id   BIGINT      NOT NULL REFERENCES organisations (id),
    added_by BIGINT      NOT NULL REFERENCES users (id),
    added_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (issue_id, org_id)
);
CREATE TABLE issue_cosigners (
    issue_id BIGINT      NOT NULL REFERENCES advocacy_issues (id),
    user_id  BIGINT      NOT NULL REFERENCES users (id),
    added_by BIGINT      NOT NULL REFERENCES users (id),
    added_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (issue_id, user_id)
);
CREATE TABLE issue_watchers (
    issue_id BIGINT      NOT NULL REFERENCES advocacy_issues (id),
    user_id  BIGINT      NOT NULL REFERENCES users (id),
    added_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (issue_id, user_id)
);
