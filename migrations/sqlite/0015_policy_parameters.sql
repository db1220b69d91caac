-- The policy-parameter ledger: named parameters ("Autism rehabilitation allowance,
-- Ningbo", yuan per child per month) and their values over time, each change linked to
-- the issue that won it, with how many people it reaches and the source.
CREATE TABLE policy_parameters (
    id         INTEGER PRIMARY KEY,
    name_zh    TEXT    NOT NULL,
    name_en    TEXT    NOT NULL DEFAULT '',
    unit       TEXT    NOT NULL,
    area_id    INTEGER REFERENCES policy_areas (id),
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX policy_parameters_name_idx ON policy_parameters (name_zh);

CREATE TABLE parameter_values (
    id            INTEGER PRIMARY KEY,
    parameter_id  INTEGER NOT NULL REFERENCES policy_parameters (id),
    value         REAL NOT NULL,
    valid_from    TEXT NOT NULL,
    issue_id      INTEGER REFERENCES advocacy_issues (id),
    beneficiaries INTEGER,
    source        TEXT    NOT NULL DEFAULT '',
    created_by    INTEGER NOT NULL REFERENCES users (id),
    created_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX parameter_values_from_idx ON parameter_values (parameter_id, valid_from);
CREATE INDEX parameter_values_issue_idx ON parameter_values (issue_id);
