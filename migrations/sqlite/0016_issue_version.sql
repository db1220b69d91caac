-- Editing an issue's title, statement or priority checks that nobody saved in between.
ALTER TABLE advocacy_issues ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
