-- The way from proposal to government answer: approval of a draft, the stage a closed
-- issue was closed from, government departments, the holiday calendar that reply
-- deadlines are counted on, and submissions of an issue to a department.
ALTER TABLE advocacy_issues ADD COLUMN approved_at TEXT;
ALTER TABLE advocacy_issues ADD COLUMN approved_by INTEGER REFERENCES users (id);
ALTER TABLE advocacy_issues ADD COLUMN closed_from TEXT;

CREATE TABLE departments (
    id           INTEGER PRIMARY KEY,
    name_zh      TEXT    NOT NULL,
    name_en      TEXT    NOT NULL DEFAULT '',
    level        TEXT    NOT NULL CHECK (level IN ('national', 'provincial', 'municipal', 'district', 'county', 'street')),
    parent_id    INTEGER REFERENCES departments (id),
    reply_unit   TEXT    NOT NULL DEFAULT 'months' CHECK (reply_unit IN ('months', 'calendar_days', 'working_days')),
    reply_count  INTEGER NOT NULL DEFAULT 3 CHECK (reply_count > 0),
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX departments_name_idx ON departments (name_zh);

-- Public holidays and the make-up working days that move weekends, for the years in
-- holiday_years (a year not listed is not covered: deadlines fall back to calendar days).
CREATE TABLE holiday_days (
    day  TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday'))
);
CREATE TABLE holiday_years (
    year INTEGER PRIMARY KEY
);
-- The State Council's arrangements for 2025 and 2026.
INSERT INTO holiday_years (year) VALUES (2025), (2026);
INSERT INTO holiday_days (day, kind) VALUES
    ('2025-01-01', 'holiday'),
    ('2025-01-26', 'workday'),
    ('2025-01-28', 'holiday'),
    ('2025-01-29', 'holiday'),
    ('2025-01-30', 'holiday'),
    ('2025-01-31', 'holiday'),
    ('2025-02-01', 'holiday'),
    ('2025-02-02', 'holiday'),
    ('2025-02-03', 'holiday'),
    ('2025-02-04', 'holiday'),
    ('2025-02-08', 'workday'),
    ('2025-04-04', 'holiday'),
    ('2025-04-05', 'holiday'),
    ('2025-04-06', 'holiday'),
    ('2025-04-27', 'workday'),
    ('2025-05-01', 'holiday'),
    ('2025-05-02', 'holiday'),
    ('2025-05-03', 'holiday'),
    ('2025-05-04', 'holiday'),
    ('2025-05-05', 'holiday'),
    ('2025-05-31', 'holiday'),
    ('2025-06-01', 'holiday'),
    ('2025-06-02', 'holiday'),
    ('2025-09-28', 'workday'),
    ('2025-10-01', 'holiday'),
    ('2025-10-02', 'holiday'),
    ('2025-10-03', 'holiday'),
    ('2025-10-04', 'holiday'),
    ('2025-10-05', 'holiday'),
    ('2025-10-06', 'holiday'),
    ('2025-10-07', 'holiday'),
    ('2025-10-08', 'holiday'),
    ('2025-10-11', 'workday'),
    ('2026-01-01', 'holiday'),
    ('2026-01-02', 'holiday'),
    ('2026-01-03', 'holiday'),
    ('2026-01-04', 'workday'),
    ('2026-02-14', 'workday'),
    ('2026-02-15', 'holiday'),
    ('2026-02-16', 'holiday'),
    ('2026-02-17', 'holiday'),
    ('2026-02-18', 'holiday'),
    ('2026-02-19', 'holiday'),
    ('2026-02-20', 'holiday'),
    ('2026-02-21', 'holiday'),
    ('2026-02-22', 'holiday'),
    ('2026-02-23', 'holiday'),
    ('2026-02-28', 'workday'),
    ('2026-04-04', 'holiday'),
    ('2026-04-05', 'holiday'),
    ('2026-04-06', 'holiday'),
    ('2026-05-01', 'holiday'),
    ('2026-05-02', 'holiday'),
    ('2026-05-03', 'holiday'),
    ('2026-05-04', 'holiday'),
    ('2026-05-05', 'holiday'),
    ('2026-05-09', 'workday'),
    ('2026-06-19', 'holiday'),
    ('2026-06-20', 'holiday'),
    ('2026-06-21', 'holiday'),
    ('2026-09-20', 'workday'),
    ('2026-09-25', 'holiday'),
    ('2026-09-26', 'holiday'),
    ('2026-09-27', 'holiday'),
    ('2026-10-01', 'holiday'),
    ('2026-10-02', 'holiday'),
    ('2026-10-03', 'holiday'),
    ('2026-10-04', 'holiday'),
    ('2026-10-05', 'holiday'),
    ('2026-10-06', 'holiday'),
    ('2026-10-07', 'holiday'),
    ('2026-10-10', 'workday');

CREATE TABLE submissions (
    id                   INTEGER PRIMARY KEY,
    issue_id             INTEGER NOT NULL REFERENCES advocacy_issues (id),
    department_id        INTEGER NOT NULL REFERENCES departments (id),
    handling             TEXT    NOT NULL CHECK (handling IN ('lead', 'co')),
    channel              TEXT    NOT NULL CHECK (channel IN ('letter', 'deputy_suggestion', 'cppcc_proposal', 'meeting', 'federation_report')),
    submitted_on         TEXT NOT NULL,
    reference            TEXT    NOT NULL DEFAULT '',
    contact              TEXT    NOT NULL DEFAULT '',
    due_on               TEXT NOT NULL,
    -- The calendar did not cover the years the deadline ran through.
    due_calendar_missing BOOLEAN NOT NULL DEFAULT FALSE,
    created_by           INTEGER NOT NULL REFERENCES users (id),
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX submissions_issue_idx ON submissions (issue_id);
CREATE INDEX submissions_department_idx ON submissions (department_id);
CREATE INDEX submissions_due_idx ON submissions (due_on);
