-- Findings from casework, with the taxonomies they are filed under.

CREATE TABLE policy_areas (
    id         INTEGER PRIMARY KEY,
    code       TEXT    NOT NULL UNIQUE,
    name_zh    TEXT    NOT NULL,
    name_en    TEXT    NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order INTEGER NOT NULL DEFAULT 0
);

INSERT INTO policy_areas (code, name_zh, name_en, sort_order) VALUES
    ('disability',        '残疾与康复',     'Disability and rehabilitation',  10),
    ('child_welfare',     '儿童福利与监护', 'Child welfare and guardianship', 20),
    ('education',         '教育',           'Education',                      30),
    ('elderly_care',      '养老服务',       'Elderly care',                   40),
    ('social_assistance', '社会救助',       'Social assistance',              50),
    ('housing',           '住房保障',       'Housing',                        60),
    ('employment',        '就业',           'Employment',                     70),
    ('health',            '医疗卫生',       'Health',                         80),
    ('family',            '婚姻家庭',       'Family and marriage',            90);

-- city → district/county → street → community. `path` lists the ids from the root,
-- '/1/5/23/', so "this district and everything below it" is one index range.
CREATE TABLE localities (
    id        INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES localities (id),
    level     TEXT    NOT NULL CHECK (level IN ('city', 'district', 'street', 'community')),
    name_zh   TEXT    NOT NULL,
    name_en   TEXT    NOT NULL DEFAULT '',
    path      TEXT    NOT NULL DEFAULT '',
    active    BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE UNIQUE INDEX localities_sibling_name ON localities (COALESCE(parent_id, 0), name_zh);
CREATE INDEX localities_path_idx ON localities (path);

CREATE TABLE findings (
    id                INTEGER PRIMARY KEY,
    org_id            INTEGER NOT NULL REFERENCES organisations (id),
    recorded_by       INTEGER NOT NULL REFERENCES users (id),
    narrative         TEXT    NOT NULL,
    policy_area_id    INTEGER NOT NULL REFERENCES policy_areas (id),
    locality_id       INTEGER NOT NULL REFERENCES localities (id),
    locality_path     TEXT    NOT NULL,
    observed_on       TEXT    NOT NULL,
    people_affected   INTEGER NOT NULL CHECK (people_affected >= 1),
    age_min           INTEGER CHECK (age_min >= 0),
    age_max           INTEGER CHECK (age_max >= 0),
    threshold_benefit TEXT,
    threshold_kind    TEXT CHECK (threshold_kind IN ('age', 'income', 'residence', 'disability_grade', 'other')),
    threshold_value   TEXT,
    -- Private: only the recording organisation and admins ever see these.
    case_reference    TEXT,
    private_notes     TEXT,
    external_id       TEXT,
    -- Kept by advocacy-issue linking (a later capability); 0 = not linked.
    issue_link_count  INTEGER NOT NULL DEFAULT 0,
    search_terms      TEXT    NOT NULL DEFAULT '',
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL,
    deleted_at        TEXT,
    deleted_by        INTEGER REFERENCES users (id)
);
CREATE UNIQUE INDEX findings_external_idx ON findings (org_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX findings_observed_idx ON findings (observed_on DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX findings_org_observed_idx ON findings (org_id, observed_on DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX findings_area_locality_idx ON findings (policy_area_id, locality_path) WHERE deleted_at IS NULL;
CREATE INDEX findings_area_observed_idx ON findings (policy_area_id, observed_on DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX findings_locality_idx ON findings (locality_path, observed_on DESC) WHERE deleted_at IS NULL;

CREATE TABLE finding_figures (
    finding_id INTEGER NOT NULL REFERENCES findings (id),
    position   INTEGER NOT NULL,
    name       TEXT    NOT NULL,
    amount     REAL    NOT NULL,
    unit       TEXT    NOT NULL,
    PRIMARY KEY (finding_id, position)
);

CREATE TABLE finding_tags (
    finding_id INTEGER NOT NULL REFERENCES findings (id),
    tag        TEXT    NOT NULL,
    PRIMARY KEY (finding_id, tag)
);
CREATE INDEX finding_tags_tag_idx ON finding_tags (tag);

-- The state of a finding before each edit: who changed it, when, which fields.
CREATE TABLE finding_versions (
    id             INTEGER PRIMARY KEY,
    finding_id     INTEGER NOT NULL REFERENCES findings (id),
    version        INTEGER NOT NULL,
    edited_by      INTEGER NOT NULL REFERENCES users (id),
    edited_at      TEXT    NOT NULL,
    changed_fields TEXT    NOT NULL,
    snapshot       TEXT    NOT NULL,
    UNIQUE (finding_id, version)
);

-- Saves made although the personal-data guard found something, with the reason given.
CREATE TABLE pii_confirmations (
    id         INTEGER PRIMARY KEY,
    finding_id INTEGER NOT NULL REFERENCES findings (id),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    at         TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    hits       TEXT    NOT NULL
);

-- Full-text index over `findings.search_terms` (see domain::search_text). The prefix
-- index of 6 characters makes a one-character Chinese query ("u" + 5 hex digits,
-- matched as a prefix of the pairs) a single lookup instead of a scan of terms.
CREATE VIRTUAL TABLE findings_fts USING fts5 (
    search_terms,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61',
    prefix = '6'
);
