-- Comments on advocacy issues (Markdown, rendered and sanitised when shown).
CREATE TABLE issue_comments (
    id         INTEGER PRIMARY KEY,
    issue_id   INTEGER NOT NULL REFERENCES advocacy_issues (id),
    author_id  INTEGER NOT NULL REFERENCES users (id),
    body       TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);
CREATE INDEX issue_comments_issue_idx ON issue_comments (issue_id, id);
