-- Recurring-gap detection. Each pass replaces the candidates; dismissals outlive
-- passes: a candidate is hidden while all its findings are in one dismissal, and shown
-- again once a new finding joins it.
CREATE TABLE gap_candidates (
    id              INTEGER PRIMARY KEY,
    area_id         INTEGER NOT NULL REFERENCES policy_areas (id),
    -- sorted ids, comma-separated
    finding_ids     TEXT    NOT NULL,
    finding_count   INTEGER NOT NULL,
    workers         INTEGER NOT NULL,
    organisations   INTEGER NOT NULL,
    -- JSON arrays: terms (concepts as @id) and benefit names
    shared_terms    TEXT    NOT NULL,
    benefits        TEXT    NOT NULL,
    threshold_kind  TEXT,
    threshold_value TEXT,
    threshold_count INTEGER,
    cohesion        DOUBLE PRECISION NOT NULL,
    dismissed       BOOLEAN NOT NULL DEFAULT FALSE,
    computed_at     TEXT NOT NULL
);

CREATE TABLE gap_dismissals (
    id           INTEGER PRIMARY KEY,
    finding_ids  TEXT    NOT NULL,
    dismissed_by INTEGER NOT NULL REFERENCES users (id),
    dismissed_at TEXT NOT NULL
);

-- One row per pass, for "last looked at …" and for the record.
CREATE TABLE gap_passes (
    id            INTEGER PRIMARY KEY,
    started_at    TEXT NOT NULL,
    finished_at   TEXT NOT NULL,
    findings      INTEGER NOT NULL,
    candidates    INTEGER NOT NULL
);

-- Background work shared by several instances: whoever holds the lease runs it.
CREATE TABLE background_leases (
    name   TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until  TEXT NOT NULL
);

-- A finding's page offers the open issues of its policy area, latest first.
CREATE INDEX advocacy_issues_area_idx ON advocacy_issues (policy_area_id, updated_at);
