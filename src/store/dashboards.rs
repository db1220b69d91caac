//! What the dashboards read. Every query here is answered from a few small rows or an
//! index: findings through `finding_counts` (kept exact by every finding write),
//! departments through the answer summary each submission carries (rewritten by every
//! response write), issues through their stage and `stage_since`.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::StoreResult;

/// The board's filters (each only when given).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PipelineFilter {
    pub area_id: Option<i64>,
    pub owner_id: Option<i64>,
    /// Issues the organisation owns (through the owner) or supports.
    pub org_id: Option<i64>,
    /// Issues submitted to the department.
    pub department_id: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct PipelineCard {
    pub id: i64,
    pub title: String,
    pub stage: String,
    pub policy_area_id: i64,
    pub priority: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub stage_since: DateTime<Utc>,
    pub finding_count: i64,
    /// Submissions not yet answered (in a stage after submission).
    pub awaiting: i64,
}

/// A submission still waiting for an (adequate) answer.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct OpenReply {
    pub submission_id: i64,
    pub issue_id: i64,
    pub issue_title: String,
    pub owner_id: i64,
    pub department_id: i64,
    pub department_zh: String,
    pub department_en: String,
    pub submitted_on: NaiveDate,
    pub due_on: NaiveDate,
    pub extended_due_on: Option<NaiveDate>,
    pub rehandling_due_on: Option<NaiveDate>,
    /// The latest answer was found not satisfying: a re-handling round is open.
    pub rehandling: bool,
}

impl OpenReply {
    /// The deadline in force: the re-handling round's, an extension's, or the first.
    pub fn due(&self) -> NaiveDate {
        match (self.rehandling, self.rehandling_due_on) {
            (true, Some(d)) => d,
            _ => self.extended_due_on.unwrap_or(self.due_on),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct ReplyCounts {
    pub due_soon: i64,
    pub overdue: i64,
    pub long_overdue: i64,
    pub rehandling: i64,
}

/// Open replies, from the awaited submissions' deadline in force (`current_due`, kept
/// with the answer summary) through one index. Submissions of an issue later merged
/// into another still count: the department received them.
/// Binds: `$1`–`$2` the range of deadlines, `$3` re-handling or not, `$4` at most so
/// many, `$5` only the issues of this owner.
pub(crate) const OPEN_REPLIES: &str = "SELECT s.id AS submission_id, s.issue_id, i.title AS issue_title, i.owner_id, s.department_id, \
     d.name_zh AS department_zh, d.name_en AS department_en, s.submitted_on, s.due_on, s.extended_due_on, \
     s.rehandling_due_on, s.in_rehandling AS rehandling \
     FROM submissions s JOIN advocacy_issues i ON i.id = s.issue_id JOIN departments d ON d.id = s.department_id \
     WHERE s.awaiting_answer = TRUE AND s.in_rehandling = $3 AND s.current_due >= $1 AND s.current_due <= $2 \
     AND ($5 IS NULL OR s.issue_id IN (SELECT o.id FROM advocacy_issues o WHERE o.owner_id = $5)) \
     ORDER BY s.current_due, s.id LIMIT $4";

/// How many open replies fall in each section. Binds: `$1` today, `$2` the first day
/// that is not long overdue, `$3` the end of "due soon", `$4` only this owner's issues.
pub(crate) const COUNT_OPEN_REPLIES: &str = "SELECT \
     COALESCE(SUM(CASE WHEN NOT s.in_rehandling AND s.current_due >= $1 AND s.current_due <= $3 THEN 1 ELSE 0 END), 0) AS due_soon, \
     COALESCE(SUM(CASE WHEN NOT s.in_rehandling AND s.current_due < $1 AND s.current_due >= $2 THEN 1 ELSE 0 END), 0) AS overdue, \
     COALESCE(SUM(CASE WHEN NOT s.in_rehandling AND s.current_due < $2 THEN 1 ELSE 0 END), 0) AS long_overdue, \
     COALESCE(SUM(CASE WHEN s.in_rehandling THEN 1 ELSE 0 END), 0) AS rehandling \
     FROM submissions s WHERE s.awaiting_answer = TRUE \
     AND ($4 IS NULL OR s.issue_id IN (SELECT o.id FROM advocacy_issues o WHERE o.owner_id = $4))";

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct RecentFinding {
    pub id: i64,
    pub narrative: String,
    pub policy_area_id: i64,
    pub observed_on: NaiveDate,
    pub issue_link_count: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct DueCommitment {
    pub id: i64,
    pub what: String,
    pub due_on: NaiveDate,
    pub classification: String,
    pub submission_id: i64,
    pub issue_id: i64,
    pub issue_title: String,
    pub department_zh: String,
    pub department_en: String,
}

/// One department's submissions of a period, from their answer summaries.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow, Serialize)]
pub struct DepartmentTally {
    pub department_id: i64,
    pub submissions: i64,
    pub answered: i64,
    pub on_time: i64,
    pub overdue: i64,
}

/// Findings of a month, area and district: all of them, and those the reader's own
/// organisation recorded (a small cell is shown exactly only to its recorders).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct MonthCount {
    pub month: String,
    pub policy_area_id: i64,
    pub district_id: i64,
    pub findings: i64,
    pub own: i64,
}

#[async_trait]
pub trait DashboardStore: Send + Sync {
    /// Issues per stage, and up to `per_stage` cards of each stage, longest in it first.
    async fn pipeline(
        &self,
        filter: &PipelineFilter,
        per_stage: i64,
    ) -> StoreResult<(Vec<(String, i64)>, Vec<PipelineCard>)>;
    /// Submissions awaiting an answer whose deadline in force falls between `from` (if
    /// given) and `to`, in a re-handling round or not, soonest first, at most `limit`.
    async fn open_replies(
        &self,
        from: Option<NaiveDate>,
        to: NaiveDate,
        rehandling: bool,
        owner_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<OpenReply>>;
    /// How many awaited replies are (outside re-handling) due from `today` to `by`,
    /// overdue since `long_before` or later, and due before `long_before`; and how many
    /// re-handling rounds are open.
    async fn count_open_replies(
        &self,
        today: NaiveDate,
        long_before: NaiveDate,
        by: NaiveDate,
        owner_id: Option<i64>,
    ) -> StoreResult<ReplyCounts>;
    /// The latest findings a worker recorded (not deleted), newest first.
    async fn recent_findings_by(&self, user_id: i64, limit: i64)
    -> StoreResult<Vec<RecentFinding>>;
    /// Open commitments falling due on or before `by`, soonest first.
    async fn open_commitments_due(
        &self,
        by: NaiveDate,
        limit: i64,
    ) -> StoreResult<Vec<DueCommitment>>;
    /// Per department, the submissions made between `from` and `to`: how many,
    /// answered by `to`, answered on time, unanswered past their deadline on `as_of`.
    async fn department_tallies(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        as_of: NaiveDate,
    ) -> StoreResult<Vec<DepartmentTally>>;
    /// (department, days to the first answer, how many) of those submissions answered
    /// by `to`: the distribution the median is read from.
    async fn answer_days(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<(i64, i64, i64)>>;
    /// (department, class, satisfaction, how many) of the latest answer by `to` of the
    /// submissions made between `from` and `to`.
    async fn latest_answers(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<(i64, String, Option<String>, i64)>>;
    /// Findings counted by month (`YYYY-MM`, inclusive), area and district.
    async fn finding_counts(
        &self,
        from_month: &str,
        to_month: &str,
        area_id: Option<i64>,
        own_org: i64,
    ) -> StoreResult<Vec<MonthCount>>;
    /// The version of each kind of data (see migration 0021 and `web::cache`).
    async fn data_versions(&self) -> StoreResult<Vec<(String, i64)>>;
    /// Rewrites the finding counts and every submission's answer summary from the rows
    /// they sum up (after a bulk load that bypassed the store).
    async fn rebuild_summaries(&self) -> StoreResult<()>;
}

macro_rules! impl_dashboard_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::dashboards::DashboardStore for $store {
            async fn pipeline(
                &self,
                f: &$crate::store::dashboards::PipelineFilter,
                per_stage: i64,
            ) -> $crate::store::StoreResult<(Vec<(String, i64)>, Vec<$crate::store::dashboards::PipelineCard>)> {
                // $1 area, $2 owner, $3 organisation, $4 department.
                let filter = "i.merged_into IS NULL \
                     AND ($1 IS NULL OR i.policy_area_id = $1) AND ($2 IS NULL OR i.owner_id = $2) \
                     AND ($3 IS NULL OR EXISTS (SELECT 1 FROM users o WHERE o.id = i.owner_id AND o.org_id = $3) \
                          OR EXISTS (SELECT 1 FROM issue_supporters sp WHERE sp.issue_id = i.id AND sp.org_id = $3)) \
                     AND ($4 IS NULL OR EXISTS (SELECT 1 FROM submissions sd WHERE sd.issue_id = i.id AND sd.department_id = $4))";
                let counts: Vec<(String, i64)> = sqlx::query_as(&format!(
                    "SELECT i.stage, COUNT(*) FROM advocacy_issues i WHERE {filter} GROUP BY i.stage"
                ))
                .bind(f.area_id)
                .bind(f.owner_id)
                .bind(f.org_id)
                .bind(f.department_id)
                .fetch_all(&self.pool)
                .await?;
                // Each column through the (stage, stage_since) index: the longest in the
                // stage first, counting links and awaited answers only for those shown.
                let mut cards = Vec::new();
                for stage in $crate::domain::lifecycle::Stage::ALL {
                    let rows: Vec<$crate::store::dashboards::PipelineCard> = sqlx::query_as(&format!(
                        "SELECT i.id, i.title, i.stage, i.policy_area_id, i.priority, i.owner_id, u.name AS owner_name, i.stage_since, \
                         (SELECT COUNT(*) FROM issue_findings l JOIN findings fi ON fi.id = l.finding_id \
                          WHERE l.issue_id = i.id AND fi.deleted_at IS NULL) AS finding_count, \
                         (SELECT COUNT(*) FROM submissions s WHERE s.issue_id = i.id AND s.awaiting_answer) AS awaiting \
                         FROM advocacy_issues i JOIN users u ON u.id = i.owner_id \
                         WHERE i.stage = $5 AND {filter} ORDER BY i.stage_since, i.id LIMIT $6"
                    ))
                    .bind(f.area_id)
                    .bind(f.owner_id)
                    .bind(f.org_id)
                    .bind(f.department_id)
                    .bind(stage.as_str())
                    .bind(per_stage)
                    .fetch_all(&self.pool)
                    .await?;
                    cards.extend(rows);
                }
                Ok((counts, cards))
            }

            async fn open_replies(
                &self,
                from: Option<chrono::NaiveDate>,
                to: chrono::NaiveDate,
                rehandling: bool,
                owner_id: Option<i64>,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::dashboards::OpenReply>> {
                // No lower bound: the earliest date either database orders before any.
                let from = from.unwrap_or(chrono::NaiveDate::from_ymd_opt(1900, 1, 1).expect("a date"));
                Ok(sqlx::query_as($crate::store::dashboards::OPEN_REPLIES)
                    .bind(from)
                    .bind(to)
                    .bind(rehandling)
                    .bind(limit)
                    .bind(owner_id)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn count_open_replies(
                &self,
                today: chrono::NaiveDate,
                long_before: chrono::NaiveDate,
                by: chrono::NaiveDate,
                owner_id: Option<i64>,
            ) -> $crate::store::StoreResult<$crate::store::dashboards::ReplyCounts> {
                Ok(sqlx::query_as($crate::store::dashboards::COUNT_OPEN_REPLIES)
                    .bind(today)
                    .bind(long_before)
                    .bind(by)
                    .bind(owner_id)
                    .fetch_one(&self.pool)
                    .await?)
            }

            async fn recent_findings_by(
                &self,
                user_id: i64,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::dashboards::RecentFinding>> {
                Ok(sqlx::query_as(
                    "SELECT id, narrative, policy_area_id, observed_on, issue_link_count FROM findings \
                     WHERE recorded_by = $1 AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT $2",
                )
                .bind(user_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn open_commitments_due(
                &self,
                by: chrono::NaiveDate,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::dashboards::DueCommitment>> {
                Ok(sqlx::query_as(
                    "SELECT c.id, c.what, c.due_on, r.classification, r.submission_id, s.issue_id, i.title AS issue_title, \
                     d.name_zh AS department_zh, d.name_en AS department_en \
                     FROM commitments c JOIN responses r ON r.id = c.response_id JOIN submissions s ON s.id = r.submission_id \
                     JOIN advocacy_issues i ON i.id = s.issue_id JOIN departments d ON d.id = s.department_id \
                     WHERE c.status = 'open' AND c.due_on IS NOT NULL AND c.due_on <= $1 ORDER BY c.due_on, c.id LIMIT $2",
                )
                .bind(by)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn department_tallies(
                &self,
                from: chrono::NaiveDate,
                to: chrono::NaiveDate,
                as_of: chrono::NaiveDate,
            ) -> $crate::store::StoreResult<Vec<$crate::store::dashboards::DepartmentTally>> {
                Ok(sqlx::query_as(
                    "SELECT s.department_id, COUNT(*) AS submissions, \
                     SUM(CASE WHEN s.answer_first_on <= $2 THEN 1 ELSE 0 END) AS answered, \
                     SUM(CASE WHEN s.answer_first_on <= $2 AND s.answer_first_on <= COALESCE(s.extended_due_on, s.due_on) THEN 1 ELSE 0 END) AS on_time, \
                     SUM(CASE WHEN (s.answer_first_on IS NULL OR s.answer_first_on > $2) AND COALESCE(s.extended_due_on, s.due_on) < $3 THEN 1 ELSE 0 END) AS overdue \
                     FROM submissions s WHERE s.submitted_on >= $1 AND s.submitted_on <= $2 \
                     GROUP BY s.department_id ORDER BY s.department_id",
                )
                .bind(from)
                .bind(to)
                .bind(as_of)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn answer_days(
                &self,
                from: chrono::NaiveDate,
                to: chrono::NaiveDate,
            ) -> $crate::store::StoreResult<Vec<(i64, i64, i64)>> {
                Ok(sqlx::query_as(&format!(
                    "SELECT s.department_id, {days} AS days, COUNT(*) FROM submissions s \
                     WHERE s.submitted_on >= $1 AND s.submitted_on <= $2 AND s.answer_first_on <= $2 \
                     GROUP BY s.department_id, days",
                    days = Self::DAYS_TO_FIRST_ANSWER
                ))
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn latest_answers(
                &self,
                from: chrono::NaiveDate,
                to: chrono::NaiveDate,
            ) -> $crate::store::StoreResult<Vec<(i64, String, Option<String>, i64)>> {
                // The summary holds the latest answer; only where an answer came after
                // the period (a past period) is the one in force by its end looked up.
                let mut rows: Vec<(i64, String, Option<String>, i64)> = sqlx::query_as(
                    "SELECT s.department_id, s.answer_latest_class, s.answer_latest_satisfaction, COUNT(*) FROM submissions s \
                     WHERE s.submitted_on >= $1 AND s.submitted_on <= $2 AND s.answer_latest_on <= $2 \
                     GROUP BY s.department_id, s.answer_latest_class, s.answer_latest_satisfaction",
                )
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?;
                let later: Vec<(i64, String, Option<String>)> = sqlx::query_as(
                    "SELECT s.department_id, \
                     (SELECT r.classification FROM responses r WHERE r.submission_id = s.id AND r.responded_on <= $2 \
                      ORDER BY r.responded_on DESC, r.round DESC, r.id DESC LIMIT 1), \
                     (SELECT r.satisfaction FROM responses r WHERE r.submission_id = s.id AND r.responded_on <= $2 \
                      ORDER BY r.responded_on DESC, r.round DESC, r.id DESC LIMIT 1) \
                     FROM submissions s WHERE s.submitted_on >= $1 AND s.submitted_on <= $2 AND s.answer_first_on <= $2 \
                     AND s.answer_latest_on > $2",
                )
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?;
                rows.extend(later.into_iter().map(|(d, c, s)| (d, c, s, 1)));
                Ok(rows)
            }

            async fn finding_counts(
                &self,
                from_month: &str,
                to_month: &str,
                area_id: Option<i64>,
                own_org: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::dashboards::MonthCount>> {
                Ok(sqlx::query_as(
                    "SELECT month, policy_area_id, district_id, CAST(SUM(findings) AS BIGINT) AS findings, \
                     CAST(SUM(CASE WHEN org_id = $4 THEN findings ELSE 0 END) AS BIGINT) AS own \
                     FROM finding_counts WHERE month >= $1 AND month <= $2 AND ($3 IS NULL OR policy_area_id = $3) \
                     GROUP BY month, policy_area_id, district_id HAVING SUM(findings) > 0 ORDER BY month, policy_area_id, district_id",
                )
                .bind(from_month)
                .bind(to_month)
                .bind(area_id)
                .bind(own_org)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn data_versions(&self) -> $crate::store::StoreResult<Vec<(String, i64)>> {
                Ok(sqlx::query_as("SELECT name, version FROM data_versions")
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn rebuild_summaries(&self) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM finding_counts").execute(&mut *tx).await?;
                sqlx::query(Self::RECOUNT_FINDINGS).execute(&mut *tx).await?;
                for stmt in [$crate::store::lifecycle::REFRESH_ANSWERS, $crate::store::lifecycle::REFRESH_DUE] {
                    sqlx::query(&stmt.replace(" WHERE id = $1", "")).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }
        }
    };
}
pub(crate) use impl_dashboard_store;
