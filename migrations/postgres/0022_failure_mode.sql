-- How the policy fails here, as the worker confirmed it: a failure-mode id from the
-- typology in src/domain/recurrence/modes.rs, or NULL when not said. The recurring-gap
-- pass keeps findings that confirm different modes apart.
ALTER TABLE findings ADD COLUMN failure_mode TEXT;
-- A candidate's reasons name the failure mode most of its workers confirmed.
ALTER TABLE gap_candidates ADD COLUMN failure_mode TEXT;
ALTER TABLE gap_candidates ADD COLUMN failure_mode_count BIGINT;
