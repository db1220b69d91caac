//! Migrations embedded in the binary, one folder per database with the same version
//! numbers, so that `groundswell serve` migrates a fresh database with nothing else
//! installed.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};

/// (version, description, SQLite text, PostgreSQL text)
type Entry = (i64, &'static str, &'static str, &'static str);

const MIGRATIONS: &[Entry] = &[
    (
        1,
        "accounts",
        include_str!("../../migrations/sqlite/0001_accounts.sql"),
        include_str!("../../migrations/postgres/0001_accounts.sql"),
    ),
    (
        2,
        "findings",
        include_str!("../../migrations/sqlite/0002_findings.sql"),
        include_str!("../../migrations/postgres/0002_findings.sql"),
    ),
    (
        3,
        "imports",
        include_str!("../../migrations/sqlite/0003_imports.sql"),
        include_str!("../../migrations/postgres/0003_imports.sql"),
    ),
    (
        4,
        "issues",
        include_str!("../../migrations/sqlite/0004_issues.sql"),
        include_str!("../../migrations/postgres/0004_issues.sql"),
    ),
    (
        5,
        "issue_comments",
        include_str!("../../migrations/sqlite/0005_issue_comments.sql"),
        include_str!("../../migrations/postgres/0005_issue_comments.sql"),
    ),
    (
        6,
        "issue_people",
        include_str!("../../migrations/sqlite/0006_issue_people.sql"),
        include_str!("../../migrations/postgres/0006_issue_people.sql"),
    ),
    (
        7,
        "issue_evidence",
        include_str!("../../migrations/sqlite/0007_issue_evidence.sql"),
        include_str!("../../migrations/postgres/0007_issue_evidence.sql"),
    ),
    (
        8,
        "issue_merge",
        include_str!("../../migrations/sqlite/0008_issue_merge.sql"),
        include_str!("../../migrations/postgres/0008_issue_merge.sql"),
    ),
    (
        9,
        "link_proposals",
        include_str!("../../migrations/sqlite/0009_link_proposals.sql"),
        include_str!("../../migrations/postgres/0009_link_proposals.sql"),
    ),
    (
        10,
        "issue_attachments",
        include_str!("../../migrations/sqlite/0010_issue_attachments.sql"),
        include_str!("../../migrations/postgres/0010_issue_attachments.sql"),
    ),
    (
        11,
        "gap_candidates",
        include_str!("../../migrations/sqlite/0011_gap_candidates.sql"),
        include_str!("../../migrations/postgres/0011_gap_candidates.sql"),
    ),
    (
        12,
        "departments_submissions",
        include_str!("../../migrations/sqlite/0012_departments_submissions.sql"),
        include_str!("../../migrations/postgres/0012_departments_submissions.sql"),
    ),
    (
        13,
        "responses",
        include_str!("../../migrations/sqlite/0013_responses.sql"),
        include_str!("../../migrations/postgres/0013_responses.sql"),
    ),
    (
        14,
        "notifications",
        include_str!("../../migrations/sqlite/0014_notifications.sql"),
        include_str!("../../migrations/postgres/0014_notifications.sql"),
    ),
    (
        15,
        "policy_parameters",
        include_str!("../../migrations/sqlite/0015_policy_parameters.sql"),
        include_str!("../../migrations/postgres/0015_policy_parameters.sql"),
    ),
    (
        16,
        "issue_version",
        include_str!("../../migrations/sqlite/0016_issue_version.sql"),
        include_str!("../../migrations/postgres/0016_issue_version.sql"),
    ),
    (
        17,
        "proposals",
        include_str!("../../migrations/sqlite/0017_proposals.sql"),
        include_str!("../../migrations/postgres/0017_proposals.sql"),
    ),
    (
        18,
        "proposal_vignettes",
        include_str!("../../migrations/sqlite/0018_proposal_vignettes.sql"),
        include_str!("../../migrations/postgres/0018_proposal_vignettes.sql"),
    ),
    (
        19,
        "report_jobs",
        include_str!("../../migrations/sqlite/0019_report_jobs.sql"),
        include_str!("../../migrations/postgres/0019_report_jobs.sql"),
    ),
    (
        20,
        "dashboards",
        include_str!("../../migrations/sqlite/0020_dashboards.sql"),
        include_str!("../../migrations/postgres/0020_dashboards.sql"),
    ),
    (
        21,
        "data_versions",
        include_str!("../../migrations/sqlite/0021_data_versions.sql"),
        include_str!("../../migrations/postgres/0021_data_versions.sql"),
    ),
    (
        22,
        "failure_mode",
        include_str!("../../migrations/sqlite/0022_failure_mode.sql"),
        include_str!("../../migrations/postgres/0022_failure_mode.sql"),
    ),
];

fn migrator(pick: fn(&Entry) -> &'static str) -> Migrator {
    let migrations: Vec<Migration> = MIGRATIONS
        .iter()
        .map(|m| {
            Migration::new(
                m.0,
                Cow::Borrowed(m.1),
                MigrationType::Simple,
                Cow::Borrowed(pick(m)),
                false,
            )
        })
        .collect();
    // sqlx only builds a `Migrator` from a folder at run time or through its `migrate!`
    // macro; its fields are public for that macro. The sqlx version is pinned.
    Migrator {
        migrations: Cow::Owned(migrations),
        ignore_missing: false,
        locking: true,
        no_tx: false,
    }
}

pub fn sqlite() -> Migrator {
    migrator(|m| m.2)
}

pub fn postgres() -> Migrator {
    migrator(|m| m.3)
}

#[cfg(test)]
mod tests {
    #[test]
    fn both_databases_have_the_same_migration_versions() {
        let names = |dir: &str| {
            let mut v: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            v.sort();
            v
        };
        let sqlite = names(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"));
        let postgres = names(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"));
        assert_eq!(sqlite, postgres);
        assert_eq!(
            sqlite.len(),
            super::MIGRATIONS.len(),
            "every file is embedded"
        );
    }
}
