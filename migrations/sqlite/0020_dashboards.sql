-- Dashboards: how long an issue has been in its stage, and findings counted by month,
-- policy area, district and organisation, kept exact in the same transaction as every
-- save, edit and deletion of a finding (so that a million findings count in a few
-- rows).
ALTER TABLE advocacy_issues ADD COLUMN stage_since TEXT;
UPDATE advocacy_issues SET stage_since = COALESCE(
    (SELECT MAX(a.at) FROM audit_log a
      WHERE a.subject_type = 'issue' AND a.subject_id = advocacy_issues.id
        AND a.action IN ('issue.drafting_started','issue.review_requested','issue.approved','issue.sent_back','issue.submitted','issue.responded','issue.implementing','issue.closed','issue.reopened','issue.merged')),
    created_at);
CREATE INDEX advocacy_issues_stage_idx ON advocacy_issues (stage, stage_since);

CREATE TABLE finding_counts (
    month          TEXT    NOT NULL,
    policy_area_id INTEGER NOT NULL,
    -- 0 when the finding's place is above district level.
    district_id    INTEGER NOT NULL,
    org_id         INTEGER NOT NULL,
    findings       INTEGER NOT NULL,
    PRIMARY KEY (month, policy_area_id, district_id, org_id)
);
-- The district is the second step of the locality path (/city/district/…/).
INSERT INTO finding_counts (month, policy_area_id, district_id, org_id, findings)
SELECT substr(observed_on, 1, 7), policy_area_id,
       COALESCE(CAST(NULLIF(substr(rest, 1, instr(rest, '/') - 1), '') AS INTEGER), 0),
       org_id, COUNT(*)
FROM (SELECT observed_on, policy_area_id, org_id,
             substr(locality_path, instr(substr(locality_path, 2), '/') + 2) AS rest
      FROM findings WHERE deleted_at IS NULL)
GROUP BY 1, 2, 3, 4;

-- Each submission's answers summed up (first and latest answer, the latest's class and
-- rating, whether an answer is still awaited), rewritten from its responses in the
-- same transaction as every response written, so that departments are ranked from one
-- table.
ALTER TABLE submissions ADD COLUMN answer_first_on TEXT;
ALTER TABLE submissions ADD COLUMN answer_latest_on TEXT;
ALTER TABLE submissions ADD COLUMN answer_latest_class TEXT;
ALTER TABLE submissions ADD COLUMN answer_latest_satisfaction TEXT;
ALTER TABLE submissions ADD COLUMN awaiting_answer BOOLEAN NOT NULL DEFAULT TRUE;
UPDATE submissions SET
    answer_first_on = (SELECT MIN(r.responded_on) FROM responses r WHERE r.submission_id = submissions.id),
    answer_latest_on = (SELECT MAX(r.responded_on) FROM responses r WHERE r.submission_id = submissions.id),
    answer_latest_class = (SELECT r.classification FROM responses r WHERE r.submission_id = submissions.id
                           ORDER BY r.responded_on DESC, r.round DESC, r.id DESC LIMIT 1),
    answer_latest_satisfaction = (SELECT r.satisfaction FROM responses r WHERE r.submission_id = submissions.id
                                  ORDER BY r.responded_on DESC, r.round DESC, r.id DESC LIMIT 1),
    awaiting_answer = CASE
        WHEN NOT EXISTS (SELECT 1 FROM responses r WHERE r.submission_id = submissions.id) THEN TRUE
        WHEN (SELECT r.satisfaction FROM responses r WHERE r.submission_id = submissions.id
              ORDER BY r.responded_on DESC, r.round DESC, r.id DESC LIMIT 1) = 'not_satisfied' THEN TRUE
        ELSE FALSE END;
-- The deadline in force (the re-handling round's, an extension's or the first) and
-- whether a re-handling round is open, rewritten with the summary and on extensions.
ALTER TABLE submissions ADD COLUMN in_rehandling BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE submissions ADD COLUMN current_due TEXT;
UPDATE submissions SET in_rehandling = COALESCE(answer_latest_satisfaction = 'not_satisfied', FALSE), current_due = CASE WHEN answer_latest_satisfaction = 'not_satisfied' AND rehandling_due_on IS NOT NULL THEN rehandling_due_on ELSE COALESCE(extended_due_on, due_on) END;
CREATE INDEX submissions_awaiting_idx ON submissions (awaiting_answer, in_rehandling, current_due);
-- Departments are ranked from this index alone.
CREATE INDEX submissions_league_idx ON submissions (submitted_on, department_id, answer_first_on,
    answer_latest_on, extended_due_on, due_on, answer_latest_class, answer_latest_satisfaction);

-- Replies due and overdue are looked up by deadline among the unanswered.
CREATE INDEX submissions_extended_due_idx ON submissions (extended_due_on);
CREATE INDEX submissions_rehandling_due_idx ON submissions (rehandling_due_on);
CREATE INDEX responses_responded_idx ON responses (responded_on);
-- A worker's latest findings, on their start page.
CREATE INDEX findings_recorder_idx ON findings (recorded_by, created_at);
-- An owner's issues, for their start page.
CREATE INDEX advocacy_issues_owner_idx ON advocacy_issues (owner_id);
-- The strongest recurring gaps first.
CREATE INDEX gap_candidates_strength_idx ON gap_candidates (dismissed, finding_count);
-- The unread badge on every page.
CREATE INDEX notifications_unread_idx ON notifications (user_id, read_at);
