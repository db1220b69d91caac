-- The vignettes an author picks for a proposal: linked findings quoted, de-identified,
-- in the briefing. Finding ids in the order chosen, comma-separated; part of the
-- version, so the version sent to a department keeps the vignettes it had.
ALTER TABLE proposal_versions ADD COLUMN vignette_ids TEXT NOT NULL DEFAULT '';
