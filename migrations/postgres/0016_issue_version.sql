-- Editing an issue's title, statement or priority checks that nobody saved in between.
ALTER TABLE advocacy_issues ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
