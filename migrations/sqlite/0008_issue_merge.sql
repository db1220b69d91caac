-- Duplicates: an issue merged into another is closed with the resolution "merged" and
-- points at the surviving issue (its address redirects there).
ALTER TABLE advocacy_issues ADD COLUMN resolution TEXT;
ALTER TABLE advocacy_issues ADD COLUMN merged_into INTEGER REFERENCES advocacy_issues (id);
