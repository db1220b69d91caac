//! Federation reports: the facts a portfolio report is computed from (already limited
//! to its scope, so nothing outside it is read into memory), and the background jobs
//! that make long reports while their requester watches the progress.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::StoreResult;
use crate::domain::report::{Period, PortfolioFacts};

/// What a report covers besides its period: one policy area, one organisation (the
/// issues it owns or supports, the findings it recorded), or both; none is everything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportScope {
    pub area_id: Option<i64>,
    pub org_id: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ReportJobRow {
    pub id: i64,
    pub requested_by: i64,
    /// JSON: the period, scope, format and language asked for.
    pub params: String,
    /// queued, running, done or failed.
    pub status: String,
    pub progress: i64,
    /// The step under way, as a message key.
    pub step: String,
    /// Why it failed, as a message key.
    pub error: Option<String>,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait ReportStore: Send + Sync {
    async fn portfolio_facts(
        &self,
        period: Period,
        scope: ReportScope,
    ) -> StoreResult<PortfolioFacts>;
    /// Policy changes taking effect in the period, each with the value before it.
    async fn outcome_facts(
        &self,
        period: Period,
        scope: ReportScope,
    ) -> StoreResult<Vec<crate::domain::report::OutcomeFact>>;
    /// Issues closed in the period, with their resolution.
    async fn closed_facts(
        &self,
        period: Period,
        scope: ReportScope,
    ) -> StoreResult<Vec<crate::domain::report::ClosedFact>>;
    async fn create_report_job(
        &self,
        requested_by: i64,
        params: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64>;
    async fn report_job(&self, id: i64) -> StoreResult<Option<ReportJobRow>>;
    /// The requester's latest jobs, newest first.
    async fn list_report_jobs(&self, user_id: i64, limit: i64) -> StoreResult<Vec<ReportJobRow>>;
    async fn set_report_progress(
        &self,
        id: i64,
        progress: i64,
        step: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn finish_report_job(
        &self,
        id: i64,
        filename: &str,
        content_type: &str,
        result: &[u8],
        at: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn fail_report_job(&self, id: i64, error: &str, at: DateTime<Utc>) -> StoreResult<()>;
    async fn report_job_result(&self, id: i64) -> StoreResult<Option<Vec<u8>>>;
    /// Deletes jobs created before `before` (their files with them).
    async fn delete_report_jobs_before(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}

#[derive(sqlx::FromRow)]
pub(crate) struct IssueFactRow {
    pub id: i64,
    pub title: String,
    pub policy_area_id: i64,
    pub stage: String,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct OutcomeRow {
    pub name_zh: String,
    pub name_en: String,
    pub unit: String,
    pub previous_value: Option<f64>,
    pub value: f64,
    pub valid_from: NaiveDate,
    pub beneficiaries: Option<i64>,
    pub issue_id: Option<i64>,
    pub issue_title: Option<String>,
}

impl OutcomeRow {
    pub(crate) fn fact(self) -> crate::domain::report::OutcomeFact {
        crate::domain::report::OutcomeFact {
            parameter_zh: self.name_zh,
            parameter_en: self.name_en,
            unit: self.unit,
            before: self.previous_value,
            after: self.value,
            valid_from: self.valid_from,
            beneficiaries: self.beneficiaries,
            issue_id: self.issue_id,
            issue_title: self.issue_title,
        }
    }
}

pub(crate) fn closed_fact(
    (issue_id, title, resolution, at): (i64, String, Option<String>, DateTime<Utc>),
) -> crate::domain::report::ClosedFact {
    crate::domain::report::ClosedFact {
        issue_id,
        title,
        resolution: resolution.unwrap_or_default(),
        closed_on: crate::domain::finding::china_date(at),
    }
}

/// Policy changes taking effect in a period, each with the value before it. A change
/// belongs to the scope through the issue that won it, or (with no issue named) through
/// its parameter's area when only an area is asked. Binds: `$1` area, `$2`
/// organisation, `$3`–`$4` the period's days.
pub(crate) fn outcomes_sql() -> String {
    format!(
        "SELECT p.name_zh, p.name_en, p.unit, \
                     (SELECT v2.value FROM parameter_values v2 WHERE v2.parameter_id = v.parameter_id AND v2.valid_from < v.valid_from \
                      ORDER BY v2.valid_from DESC LIMIT 1) AS previous_value, \
                     v.value, v.valid_from, v.beneficiaries, v.issue_id, i.title AS issue_title \
                     FROM parameter_values v JOIN policy_parameters p ON p.id = v.parameter_id \
                     LEFT JOIN advocacy_issues i ON i.id = v.issue_id \
                     WHERE v.valid_from >= $3 AND v.valid_from <= $4 \
                     AND (CASE WHEN i.id IS NULL THEN $2 IS NULL AND ($1 IS NULL OR p.area_id = $1) ELSE {ISSUE_IN_SCOPE} END) \
                     ORDER BY v.valid_from, v.id"
    )
}

/// Issues closed in a period (their latest closing on the timeline), still closed.
/// Binds: `$1` area, `$2` organisation, `$3`–`$4` the period's first and last moments.
pub(crate) fn closed_sql() -> String {
    format!(
        "SELECT i.id, i.title, i.resolution, MAX(a.at) FROM audit_log a JOIN advocacy_issues i ON i.id = a.subject_id \
                     WHERE a.action = 'issue.closed' AND a.subject_type = 'issue' AND a.at >= $3 AND a.at < $4 \
                     AND i.stage = 'closed' AND {ISSUE_IN_SCOPE} GROUP BY i.id, i.title, i.resolution ORDER BY i.id"
    )
}

/// The scope's condition on an issue `i`: of the area and owned or supported by the
/// organisation (each only when given). Binds: `$1` area, `$2` organisation.
macro_rules! scope_condition {
    () => {
        "($1 IS NULL OR i.policy_area_id = $1) \
         AND ($2 IS NULL OR EXISTS (SELECT 1 FROM users o WHERE o.id = i.owner_id AND o.org_id = $2) \
              OR EXISTS (SELECT 1 FROM issue_supporters sp WHERE sp.issue_id = i.id AND sp.org_id = $2))"
    };
}

/// An issue in scope. Merged duplicates are left out: their findings and history live
/// on in the survivor.
pub(crate) const ISSUE_IN_SCOPE: &str = concat!("i.merged_into IS NULL AND ", scope_condition!());

/// The same scope, merged duplicates included: for submissions and answers, which the
/// departments received whatever became of the issue.
pub(crate) const SUBMISSION_ISSUE_IN_SCOPE: &str = scope_condition!();

macro_rules! impl_report_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::reports::ReportStore for $store {
            async fn portfolio_facts(
                &self,
                period: $crate::domain::report::Period,
                scope: $crate::store::reports::ReportScope,
            ) -> $crate::store::StoreResult<$crate::domain::report::PortfolioFacts> {
                use $crate::domain::finding::{china_date, china_day_start};
                use $crate::domain::report::*;
                use $crate::store::reports::{ISSUE_IN_SCOPE, IssueFactRow, OutcomeRow, SUBMISSION_ISSUE_IN_SCOPE};
                use chrono::{DateTime, NaiveDate, Utc};
                let end = china_day_start(period.to + chrono::Days::new(1));
                let start = china_day_start(period.from);
                // One snapshot for every table the report reads.
                let mut tx = self.pool.begin().await?;
                let issues: Vec<IssueFactRow> = sqlx::query_as(&format!(
                    "SELECT i.id, i.title, i.policy_area_id, i.stage, i.created_at FROM advocacy_issues i \
                     WHERE {ISSUE_IN_SCOPE} AND i.created_at < $3 ORDER BY i.id"
                ))
                .bind(scope.area_id)
                .bind(scope.org_id)
                .bind(end)
                .fetch_all(&mut *tx)
                .await?;
                // Findings by area and organisation: whole months from the counts kept
                // with the findings, the days at either end from the findings.
                let split = period.month_split();
                let mut by_area_org: Vec<(i64, i64, i64)> = Vec::new();
                if let Some((first, last)) = &split.months {
                    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
                        "SELECT policy_area_id, org_id, CAST(SUM(findings) AS BIGINT) FROM finding_counts \
                         WHERE month >= $3 AND month <= $4 AND ($1 IS NULL OR policy_area_id = $1) AND ($2 IS NULL OR org_id = $2) \
                         GROUP BY policy_area_id, org_id",
                    )
                    .bind(scope.area_id)
                    .bind(scope.org_id)
                    .bind(first)
                    .bind(last)
                    .fetch_all(&mut *tx)
                    .await?;
                    by_area_org.extend(rows);
                }
                for (a, b) in &split.days {
                    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
                        "SELECT policy_area_id, org_id, COUNT(*) FROM findings \
                         WHERE deleted_at IS NULL AND observed_on >= $3 AND observed_on <= $4 \
                         AND ($1 IS NULL OR policy_area_id = $1) AND ($2 IS NULL OR org_id = $2) \
                         GROUP BY policy_area_id, org_id",
                    )
                    .bind(scope.area_id)
                    .bind(scope.org_id)
                    .bind(*a)
                    .bind(*b)
                    .fetch_all(&mut *tx)
                    .await?;
                    by_area_org.extend(rows);
                }
                let mut areas: std::collections::BTreeMap<i64, (i64, std::collections::BTreeSet<i64>)> =
                    std::collections::BTreeMap::new();
                for (area, org, n) in by_area_org.into_iter().filter(|r| r.2 > 0) {
                    let e = areas.entry(area).or_default();
                    e.0 += n;
                    e.1.insert(org);
                }
                #[allow(clippy::type_complexity)]
                let submissions: Vec<(i64, i64, i64, NaiveDate, NaiveDate, Option<NaiveDate>, Option<NaiveDate>)> =
                    sqlx::query_as(&format!(
                        "SELECT s.id, s.issue_id, s.department_id, s.submitted_on, s.due_on, s.extended_due_on, s.rehandling_due_on \
                         FROM submissions s JOIN advocacy_issues i ON i.id = s.issue_id \
                         WHERE {SUBMISSION_ISSUE_IN_SCOPE} AND s.submitted_on <= $3 ORDER BY s.id"
                    ))
                    .bind(scope.area_id)
                    .bind(scope.org_id)
                    .bind(period.to)
                    .fetch_all(&mut *tx)
                    .await?;
                let responses: Vec<(i64, i64, NaiveDate, String, Option<String>)> = sqlx::query_as(&format!(
                    "SELECT r.submission_id, r.round, r.responded_on, r.classification, r.satisfaction \
                     FROM responses r JOIN submissions s ON s.id = r.submission_id JOIN advocacy_issues i ON i.id = s.issue_id \
                     WHERE {SUBMISSION_ISSUE_IN_SCOPE} AND s.submitted_on <= $3 AND r.responded_on <= $3 ORDER BY r.id"
                ))
                .bind(scope.area_id)
                .bind(scope.org_id)
                .bind(period.to)
                .fetch_all(&mut *tx)
                .await?;
                // A change belongs to the scope through the issue that won it, or (with
                // no issue named) through its parameter's area when only an area is asked.
                let outcomes: Vec<OutcomeRow> = sqlx::query_as(&$crate::store::reports::outcomes_sql())
                    .bind(scope.area_id)
                    .bind(scope.org_id)
                    .bind(period.from)
                    .bind(period.to)
                    .fetch_all(&mut *tx)
                    .await?;
                let closed: Vec<(i64, String, Option<String>, DateTime<Utc>)> =
                    sqlx::query_as(&$crate::store::reports::closed_sql())
                        .bind(scope.area_id)
                        .bind(scope.org_id)
                        .bind(start)
                        .bind(end)
                        .fetch_all(&mut *tx)
                        .await?;
                tx.commit().await?;
                Ok(PortfolioFacts {
                    issues: issues
                        .into_iter()
                        .map(|r| IssueFact {
                            id: r.id,
                            title: r.title,
                            area_id: r.policy_area_id,
                            stage: r.stage,
                            created_on: china_date(r.created_at),
                        })
                        .collect(),
                    findings_by_area: areas
                        .into_iter()
                        .map(|(area_id, (findings, orgs))| AreaFact {
                            area_id,
                            findings,
                            organisations: orgs.len() as i64,
                        })
                        .collect(),
                    submissions: submissions
                        .into_iter()
                        .map(|(id, issue_id, department_id, submitted_on, due_on, extended_due_on, rehandling_due_on)| {
                            SubmissionFact {
                                id,
                                issue_id,
                                department_id,
                                submitted_on,
                                due_on,
                                extended_due_on,
                                rehandling_due_on,
                            }
                        })
                        .collect(),
                    responses: responses
                        .into_iter()
                        .map(|(submission_id, round, responded_on, classification, satisfaction)| ResponseFact {
                            submission_id,
                            round,
                            responded_on,
                            classification,
                            satisfaction,
                        })
                        .collect(),
                    outcomes: outcomes.into_iter().map(OutcomeRow::fact).collect(),
                    closed: closed.into_iter().map($crate::store::reports::closed_fact).collect(),
                })
            }

            async fn outcome_facts(
                &self,
                period: $crate::domain::report::Period,
                scope: $crate::store::reports::ReportScope,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::report::OutcomeFact>> {
                let rows: Vec<$crate::store::reports::OutcomeRow> = sqlx::query_as(&$crate::store::reports::outcomes_sql())
                    .bind(scope.area_id)
                    .bind(scope.org_id)
                    .bind(period.from)
                    .bind(period.to)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map($crate::store::reports::OutcomeRow::fact).collect())
            }

            async fn closed_facts(
                &self,
                period: $crate::domain::report::Period,
                scope: $crate::store::reports::ReportScope,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::report::ClosedFact>> {
                use $crate::domain::finding::china_day_start;
                let rows: Vec<(i64, String, Option<String>, chrono::DateTime<chrono::Utc>)> =
                    sqlx::query_as(&$crate::store::reports::closed_sql())
                        .bind(scope.area_id)
                        .bind(scope.org_id)
                        .bind(china_day_start(period.from))
                        .bind(china_day_start(period.to + chrono::Days::new(1)))
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().map($crate::store::reports::closed_fact).collect())
            }

            async fn create_report_job(
                &self,
                requested_by: i64,
                params: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<i64> {
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO report_jobs (requested_by, params, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id",
                )
                .bind(requested_by)
                .bind(params)
                .bind(at)
                .fetch_one(&self.pool)
                .await?;
                Ok(id)
            }

            async fn report_job(&self, id: i64) -> $crate::store::StoreResult<Option<$crate::store::reports::ReportJobRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, requested_by, params, status, progress, step, error, filename, content_type, created_at, updated_at, finished_at \
                     FROM report_jobs WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn list_report_jobs(&self, user_id: i64, limit: i64) -> $crate::store::StoreResult<Vec<$crate::store::reports::ReportJobRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, requested_by, params, status, progress, step, error, filename, content_type, created_at, updated_at, finished_at \
                     FROM report_jobs WHERE requested_by = $1 ORDER BY id DESC LIMIT $2",
                )
                .bind(user_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn set_report_progress(
                &self,
                id: i64,
                progress: i64,
                step: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "UPDATE report_jobs SET status = 'running', progress = $1, step = $2, updated_at = $3 \
                     WHERE id = $4 AND status IN ('queued', 'running')",
                )
                .bind(progress)
                .bind(step)
                .bind(at)
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn finish_report_job(
                &self,
                id: i64,
                filename: &str,
                content_type: &str,
                result: &[u8],
                at: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "UPDATE report_jobs SET status = 'done', progress = 100, step = '', filename = $1, content_type = $2, \
                     result = $3, updated_at = $4, finished_at = $4 WHERE id = $5",
                )
                .bind(filename)
                .bind(content_type)
                .bind(result)
                .bind(at)
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn fail_report_job(&self, id: i64, error: &str, at: chrono::DateTime<chrono::Utc>) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "UPDATE report_jobs SET status = 'failed', error = $1, updated_at = $2, finished_at = $2 WHERE id = $3",
                )
                .bind(error)
                .bind(at)
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn report_job_result(&self, id: i64) -> $crate::store::StoreResult<Option<Vec<u8>>> {
                let row: Option<(Option<Vec<u8>>,)> =
                    sqlx::query_as("SELECT result FROM report_jobs WHERE id = $1 AND status = 'done'")
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.and_then(|r| r.0))
            }

            async fn delete_report_jobs_before(&self, before: chrono::DateTime<chrono::Utc>) -> $crate::store::StoreResult<u64> {
                Ok(sqlx::query("DELETE FROM report_jobs WHERE created_at < $1")
                    .bind(before)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }
        }
    };
}
pub(crate) use impl_report_store;
