//! From proposal to government answer: stage moves (checked by `domain::lifecycle`,
//! written here with their timeline entry), government departments, the holiday
//! calendar deadlines are counted on, and submissions of issues to departments.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{AuditEvent, StoreResult};
use crate::domain::workdays::{DayKind, HolidayCalendar};

pub const LEVELS: [&str; 6] = [
    "national",
    "provincial",
    "municipal",
    "district",
    "county",
    "street",
];

pub const CHANNELS: [&str; 5] = [
    "letter",
    "deputy_suggestion",
    "cppcc_proposal",
    "meeting",
    "federation_report",
];

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct DepartmentRow {
    pub id: i64,
    pub name_zh: String,
    pub name_en: String,
    /// national, provincial, municipal, district, county or street.
    pub level: String,
    pub parent_id: Option<i64>,
    /// months, calendar_days or working_days.
    pub reply_unit: String,
    pub reply_count: i64,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDepartment {
    pub name_zh: String,
    pub name_en: String,
    pub level: String,
    pub parent_id: Option<i64>,
    pub reply_unit: String,
    pub reply_count: i64,
    pub active: bool,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct SubmissionRow {
    pub id: i64,
    pub issue_id: i64,
    pub department_id: i64,
    pub department_zh: String,
    pub department_en: String,
    /// lead or co (co-handling).
    pub handling: String,
    pub channel: String,
    pub submitted_on: NaiveDate,
    pub reference: String,
    pub contact: String,
    pub due_on: NaiveDate,
    /// The holiday calendar did not cover the years the deadline ran through.
    pub due_calendar_missing: bool,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub version: i64,
    /// An approved extension's new deadline.
    pub extended_due_on: Option<NaiveDate>,
    pub extension_note: String,
    /// The deadline of the re-handling round opened by "not satisfied".
    pub rehandling_due_on: Option<NaiveDate>,
    pub response_count: i64,
    /// The proposer's verdict on the latest response, if given.
    pub latest_satisfaction: Option<String>,
    /// The proposal version fixed to this submission.
    pub proposal_version_id: Option<i64>,
}

impl SubmissionRow {
    /// Answered, unless the latest answer was found not satisfying (a re-handling round
    /// is then open) or there is none yet.
    pub fn answered(&self) -> bool {
        self.response_count > 0 && self.latest_satisfaction.as_deref() != Some("not_satisfied")
    }

    /// The deadline that counts now: the re-handling round's, an extension's, or the first.
    pub fn current_due(&self) -> NaiveDate {
        if self.latest_satisfaction.as_deref() == Some("not_satisfied")
            && let Some(d) = self.rehandling_due_on
        {
            return d;
        }
        self.extended_due_on.unwrap_or(self.due_on)
    }

    /// A new response may be recorded: none yet, or a re-handling round is open.
    pub fn awaits_response(&self) -> bool {
        !self.answered()
    }
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct ResponseRow {
    pub id: i64,
    pub submission_id: i64,
    pub round: i64,
    pub responded_on: NaiveDate,
    /// A, B, C (or D under the four-class scheme).
    pub classification: String,
    pub summary: String,
    /// The reply letter: an attachment of the issue.
    pub letter_id: Option<i64>,
    /// satisfied, basically_satisfied or not_satisfied; none until the proposer says.
    pub satisfaction: Option<String>,
    pub created_by_name: String,
    pub version: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct CommitmentRow {
    pub id: i64,
    pub response_id: i64,
    pub what: String,
    pub due_on: Option<NaiveDate>,
    /// open, done or lapsed.
    pub status: String,
    pub version: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct MeetingRow {
    pub id: i64,
    pub submission_id: i64,
    pub met_on: NaiveDate,
    pub notes: String,
    pub created_by_name: String,
}

#[derive(Debug, Clone)]
pub struct NewResponse {
    pub submission_id: i64,
    pub round: i64,
    pub responded_on: NaiveDate,
    pub classification: String,
    pub summary: String,
    pub letter_id: Option<i64>,
    pub commitments: Vec<(String, Option<NaiveDate>)>,
}

#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub issue_id: i64,
    pub department_id: i64,
    pub handling: &'static str,
    pub channel: &'static str,
    pub submitted_on: NaiveDate,
    pub reference: String,
    pub contact: String,
    pub due_on: NaiveDate,
    pub due_calendar_missing: bool,
}

/// What the lifecycle rules need to know about an issue, read in one go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleFacts {
    pub stage: String,
    pub approved: bool,
    pub closed_from: Option<String>,
    pub submissions: i64,
    pub responses: i64,
}

/// A checked stage move to write.
#[derive(Debug, Clone)]
pub struct StageChange {
    /// The stage the page showed; if the issue has moved since, nothing is written.
    pub from: String,
    pub to: String,
    pub approved: bool,
    /// Set on closing (achieved…); cleared on reopening.
    pub resolution: Option<String>,
    pub closed_from: Option<String>,
}

#[async_trait]
pub trait LifecycleStore: Send + Sync {
    async fn list_departments(&self) -> StoreResult<Vec<DepartmentRow>>;
    async fn get_department(&self, id: i64) -> StoreResult<Option<DepartmentRow>>;
    /// `Conflict` if the Chinese name is taken.
    async fn create_department(&self, d: &NewDepartment, audit: &AuditEvent) -> StoreResult<i64>;
    async fn update_department(
        &self,
        id: i64,
        d: &NewDepartment,
        audit: &AuditEvent,
    ) -> StoreResult<()>;

    async fn holiday_calendar(&self) -> StoreResult<HolidayCalendar>;
    /// Marks a day as a holiday or a make-up working day, or (`None`) ordinary again.
    async fn set_holiday(
        &self,
        day: NaiveDate,
        kind: Option<DayKind>,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Declares a year fully entered, so deadlines count working days through it.
    async fn add_holiday_year(&self, year: i32, audit: &AuditEvent) -> StoreResult<()>;

    async fn lifecycle_facts(&self, issue_id: i64) -> StoreResult<Option<LifecycleFacts>>;
    /// Writes a move and its timeline entry in one transaction. `Conflict` if the issue
    /// is no longer at `change.from` (someone moved it meanwhile).
    async fn change_stage(
        &self,
        issue_id: i64,
        change: &StageChange,
        audit: &AuditEvent,
    ) -> StoreResult<()>;

    async fn create_submission(&self, s: &NewSubmission, audit: &AuditEvent) -> StoreResult<i64>;
    async fn get_submission(&self, id: i64) -> StoreResult<Option<SubmissionRow>>;
    /// Moves the deadline; `Conflict` if the submission changed since `version`.
    async fn extend_submission(
        &self,
        id: i64,
        version: i64,
        new_due: NaiveDate,
        note: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// The response and its commitments in one transaction.
    async fn create_response(&self, r: &NewResponse, audit: &AuditEvent) -> StoreResult<i64>;
    async fn list_responses(&self, issue_id: i64) -> StoreResult<Vec<ResponseRow>>;
    /// The responses a department gave, with their commitments.
    async fn department_answers(
        &self,
        department_id: i64,
    ) -> StoreResult<(Vec<ResponseRow>, Vec<CommitmentRow>)>;
    async fn list_commitments(&self, issue_id: i64) -> StoreResult<Vec<CommitmentRow>>;
    /// The proposer's verdict; "not satisfied" also opens the re-handling round until
    /// `rehandling_due`. `Conflict` if the response changed since `version`.
    async fn set_satisfaction(
        &self,
        response_id: i64,
        version: i64,
        satisfaction: &str,
        rehandling_due: Option<NaiveDate>,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// `Conflict` if the commitment changed since `version`.
    async fn set_commitment_status(
        &self,
        id: i64,
        version: i64,
        status: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Corrects a submission's handling, channel, reference and contact. `Conflict` if
    /// it changed since `version`.
    #[allow(clippy::too_many_arguments)]
    async fn update_submission(
        &self,
        id: i64,
        version: i64,
        handling: &str,
        channel: &str,
        reference: &str,
        contact: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Corrects a response's classification and summary. `Conflict` if it changed since
    /// `version`.
    async fn update_response(
        &self,
        id: i64,
        version: i64,
        classification: &str,
        summary: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn get_response(&self, id: i64) -> StoreResult<Option<ResponseRow>>;
    async fn create_meeting(
        &self,
        submission_id: i64,
        met_on: NaiveDate,
        notes: &str,
        audit: &AuditEvent,
    ) -> StoreResult<i64>;
    async fn list_meetings(&self, issue_id: i64) -> StoreResult<Vec<MeetingRow>>;
    async fn setting(&self, name: &str) -> StoreResult<Option<String>>;
    async fn set_setting(&self, name: &str, value: &str, audit: &AuditEvent) -> StoreResult<()>;
    async fn list_submissions(&self, issue_id: i64) -> StoreResult<Vec<SubmissionRow>>;
    async fn department_submissions(&self, department_id: i64) -> StoreResult<Vec<SubmissionRow>>;
}

pub(crate) const SUBMISSION_SELECT: &str = "SELECT s.id, s.issue_id, s.department_id, d.name_zh AS department_zh, \
     d.name_en AS department_en, s.handling, s.channel, s.submitted_on, s.reference, s.contact, s.due_on, \
     s.due_calendar_missing, u.name AS created_by_name, s.created_at, s.version, s.extended_due_on, \
     s.extension_note, s.rehandling_due_on, s.proposal_version_id, \
     (SELECT COUNT(*) FROM responses r WHERE r.submission_id = s.id) AS response_count, \
     (SELECT r.satisfaction FROM responses r WHERE r.submission_id = s.id ORDER BY r.id DESC LIMIT 1) AS latest_satisfaction \
     FROM submissions s JOIN departments d ON d.id = s.department_id JOIN users u ON u.id = s.created_by";

/// Rewrites a submission's answer summary (first and latest answer, the latest's
/// class and rating, whether an answer is still awaited) from its responses; run in the
/// transaction of every response written. Bind: `$1` the submission.
pub(crate) const REFRESH_ANSWERS: &str = "UPDATE submissions SET answer_first_on = (SELECT MIN(r.responded_on) FROM responses r WHERE r.submission_id = submissions.id), answer_latest_on = (SELECT MAX(r.responded_on) FROM responses r WHERE r.submission_id = submissions.id), answer_latest_class = (SELECT r.classification FROM responses r WHERE r.submission_id = submissions.id ORDER BY r.responded_on DESC, r.round DESC, r.id DESC LIMIT 1), answer_latest_satisfaction = (SELECT r.satisfaction FROM responses r WHERE r.submission_id = submissions.id ORDER BY r.responded_on DESC, r.round DESC, r.id DESC LIMIT 1), awaiting_answer = CASE WHEN NOT EXISTS (SELECT 1 FROM responses r WHERE r.submission_id = submissions.id) THEN TRUE WHEN (SELECT r.satisfaction FROM responses r WHERE r.submission_id = submissions.id ORDER BY r.responded_on DESC, r.round DESC, r.id DESC LIMIT 1) = 'not_satisfied' THEN TRUE ELSE FALSE END WHERE id = $1";

/// Sets the deadline in force and the re-handling flag from the answer summary and the
/// deadlines; run after [`REFRESH_ANSWERS`] and after an extension. Bind: `$1` the
/// submission.
pub(crate) const REFRESH_DUE: &str = "UPDATE submissions SET in_rehandling = COALESCE(answer_latest_satisfaction = 'not_satisfied', FALSE), current_due = CASE WHEN answer_latest_satisfaction = 'not_satisfied' AND rehandling_due_on IS NOT NULL THEN rehandling_due_on ELSE COALESCE(extended_due_on, due_on) END WHERE id = $1";

/// Rewrites a submission's answer summary and deadline in force, in the caller's
/// transaction.
macro_rules! refresh_submission {
    ($tx:expr, $id:expr) => {
        sqlx::query($crate::store::lifecycle::REFRESH_ANSWERS)
            .bind($id)
            .execute(&mut *$tx)
            .await?;
        sqlx::query($crate::store::lifecycle::REFRESH_DUE)
            .bind($id)
            .execute(&mut *$tx)
            .await?;
    };
}
pub(crate) use refresh_submission;

macro_rules! impl_lifecycle_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::lifecycle::LifecycleStore for $store {
            async fn list_departments(&self) -> $crate::store::StoreResult<Vec<$crate::store::lifecycle::DepartmentRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, name_zh, name_en, level, parent_id, reply_unit, reply_count, active FROM departments ORDER BY name_zh",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn get_department(&self, id: i64) -> $crate::store::StoreResult<Option<$crate::store::lifecycle::DepartmentRow>> {
                Ok(sqlx::query_as(
                    "SELECT id, name_zh, name_en, level, parent_id, reply_unit, reply_count, active FROM departments WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn create_department(
                &self,
                d: &$crate::store::lifecycle::NewDepartment,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<i64> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO departments (name_zh, name_en, level, parent_id, reply_unit, reply_count, active, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                )
                .bind(&d.name_zh)
                .bind(&d.name_en)
                .bind(&d.level)
                .bind(d.parent_id)
                .bind(&d.reply_unit)
                .bind(d.reply_count)
                .bind(d.active)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(id))?;
                tx.commit().await?;
                Ok(id)
            }

            async fn update_department(
                &self,
                id: i64,
                d: &$crate::store::lifecycle::NewDepartment,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE departments SET name_zh = $1, name_en = $2, level = $3, parent_id = $4, reply_unit = $5, \
                     reply_count = $6, active = $7, updated_at = $8 WHERE id = $9",
                )
                .bind(&d.name_zh)
                .bind(&d.name_en)
                .bind(&d.level)
                .bind(d.parent_id)
                .bind(&d.reply_unit)
                .bind(d.reply_count)
                .bind(d.active)
                .bind(audit.at)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(id))?;
                tx.commit().await?;
                Ok(())
            }

            async fn holiday_calendar(&self) -> $crate::store::StoreResult<$crate::domain::workdays::HolidayCalendar> {
                let days: Vec<(chrono::NaiveDate, String)> = sqlx::query_as("SELECT day, kind FROM holiday_days")
                    .fetch_all(&self.pool)
                    .await?;
                let years: Vec<(i64,)> = sqlx::query_as("SELECT year FROM holiday_years")
                    .fetch_all(&self.pool)
                    .await?;
                Ok($crate::domain::workdays::HolidayCalendar::from_entries(
                    days.into_iter().filter_map(|(d, k)| $crate::domain::workdays::DayKind::parse(&k).map(|k| (d, k))),
                    years.into_iter().map(|(y,)| y as i32),
                ))
            }

            async fn set_holiday(
                &self,
                day: chrono::NaiveDate,
                kind: Option<$crate::domain::workdays::DayKind>,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM holiday_days WHERE day = $1").bind(day).execute(&mut *tx).await?;
                if let Some(kind) = kind {
                    sqlx::query("INSERT INTO holiday_days (day, kind) VALUES ($1, $2)")
                        .bind(day)
                        .bind(kind.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
                $crate::store::accounts::insert_audit!(&mut *tx, audit, None::<i64>)?;
                tx.commit().await?;
                Ok(())
            }

            async fn add_holiday_year(&self, year: i32, audit: &$crate::store::AuditEvent) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO holiday_years (year) VALUES ($1) ON CONFLICT (year) DO NOTHING")
                    .bind(i64::from(year))
                    .execute(&mut *tx)
                    .await?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, None::<i64>)?;
                tx.commit().await?;
                Ok(())
            }

            async fn lifecycle_facts(&self, issue_id: i64) -> $crate::store::StoreResult<Option<$crate::store::lifecycle::LifecycleFacts>> {
                let row: Option<(String, bool, Option<String>, i64, i64)> = sqlx::query_as(
                    "SELECT i.stage, i.approved_at IS NOT NULL, i.closed_from, \
                     (SELECT COUNT(*) FROM submissions s WHERE s.issue_id = i.id), \
                     (SELECT COUNT(*) FROM responses r JOIN submissions s ON s.id = r.submission_id WHERE s.issue_id = i.id) \
                     FROM advocacy_issues i WHERE i.id = $1",
                )
                .bind(issue_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(stage, approved, closed_from, submissions, responses)| $crate::store::lifecycle::LifecycleFacts {
                    stage,
                    approved,
                    closed_from,
                    submissions,
                    responses,
                }))
            }

            async fn change_stage(
                &self,
                issue_id: i64,
                c: &$crate::store::lifecycle::StageChange,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let (approved_at, approved_by) = if c.approved {
                    (Some(audit.at), audit.actor_user_id)
                } else {
                    (None, None)
                };
                let done = sqlx::query(
                    "UPDATE advocacy_issues SET stage = $1, \
                     approved_at = CASE WHEN $2 THEN COALESCE(approved_at, $3) ELSE NULL END, \
                     approved_by = CASE WHEN $2 THEN COALESCE(approved_by, $4) ELSE NULL END, \
                     resolution = $5, closed_from = $6, updated_at = $7, \
                     stage_since = CASE WHEN stage = $1 THEN stage_since ELSE $7 END \
                     WHERE id = $8 AND stage = $9 AND merged_into IS NULL",
                )
                .bind(&c.to)
                .bind(c.approved)
                .bind(approved_at)
                .bind(approved_by)
                .bind(&c.resolution)
                .bind(&c.closed_from)
                .bind(audit.at)
                .bind(issue_id)
                .bind(&c.from)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict);
                }
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(issue_id))?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_submission(
                &self,
                s: &$crate::store::lifecycle::NewSubmission,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<i64> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                // The issue's row first (see IssueStore::link_findings).
                sqlx::query("UPDATE advocacy_issues SET updated_at = $1 WHERE id = $2")
                    .bind(audit.at)
                    .bind(s.issue_id)
                    .execute(&mut *tx)
                    .await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO submissions (issue_id, department_id, handling, channel, submitted_on, reference, contact, \
                     due_on, due_calendar_missing, created_by, created_at, updated_at, proposal_version_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, \
                     (SELECT id FROM proposal_versions WHERE issue_id = $1 ORDER BY version DESC LIMIT 1)) RETURNING id",
                )
                .bind(s.issue_id)
                .bind(s.department_id)
                .bind(s.handling)
                .bind(s.channel)
                .bind(s.submitted_on)
                .bind(&s.reference)
                .bind(&s.contact)
                .bind(s.due_on)
                .bind(s.due_calendar_missing)
                .bind(audit.actor_user_id)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                $crate::store::lifecycle::refresh_submission!(tx, id);
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(s.issue_id))?;
                tx.commit().await?;
                Ok(id)
            }

            async fn get_submission(&self, id: i64) -> $crate::store::StoreResult<Option<$crate::store::lifecycle::SubmissionRow>> {
                Ok(sqlx::query_as(&format!("{} WHERE s.id = $1", $crate::store::lifecycle::SUBMISSION_SELECT))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn extend_submission(
                &self,
                id: i64,
                version: i64,
                new_due: chrono::NaiveDate,
                note: &str,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let row: Option<(i64,)> = sqlx::query_as(
                    "UPDATE submissions SET extended_due_on = $1, extension_note = $2, version = version + 1, updated_at = $3 \
                     WHERE id = $4 AND version = $5 RETURNING issue_id",
                )
                .bind(new_due)
                .bind(note)
                .bind(audit.at)
                .bind(id)
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((issue_id,)) = row else { return Err(StoreError::Conflict) };
                $crate::store::lifecycle::refresh_submission!(tx, id);
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(issue_id))?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_response(
                &self,
                r: &$crate::store::lifecycle::NewResponse,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<i64> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let (issue_id,): (i64,) = sqlx::query_as("SELECT issue_id FROM submissions WHERE id = $1")
                    .bind(r.submission_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                // The issue's row first (see IssueStore::link_findings).
                sqlx::query("UPDATE advocacy_issues SET updated_at = $1 WHERE id = $2")
                    .bind(audit.at)
                    .bind(issue_id)
                    .execute(&mut *tx)
                    .await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO responses (submission_id, round, responded_on, classification, summary, letter_id, created_by, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                )
                .bind(r.submission_id)
                .bind(r.round)
                .bind(r.responded_on)
                .bind(&r.classification)
                .bind(&r.summary)
                .bind(r.letter_id)
                .bind(audit.actor_user_id)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                $crate::store::lifecycle::refresh_submission!(tx, r.submission_id);
                for (what, due) in &r.commitments {
                    sqlx::query("INSERT INTO commitments (response_id, what, due_on, updated_at) VALUES ($1, $2, $3, $4)")
                        .bind(id)
                        .bind(what)
                        .bind(*due)
                        .bind(audit.at)
                        .execute(&mut *tx)
                        .await?;
                }
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(issue_id))?;
                tx.commit().await?;
                Ok(id)
            }

            async fn list_responses(&self, issue_id: i64) -> $crate::store::StoreResult<Vec<$crate::store::lifecycle::ResponseRow>> {
                Ok(sqlx::query_as(
                    "SELECT r.id, r.submission_id, r.round, r.responded_on, r.classification, r.summary, r.letter_id, r.satisfaction, \
                     u.name AS created_by_name, r.version FROM responses r JOIN submissions s ON s.id = r.submission_id \
                     JOIN users u ON u.id = r.created_by WHERE s.issue_id = $1 ORDER BY r.id",
                )
                .bind(issue_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn department_answers(
                &self,
                department_id: i64,
            ) -> $crate::store::StoreResult<(Vec<$crate::store::lifecycle::ResponseRow>, Vec<$crate::store::lifecycle::CommitmentRow>)> {
                let responses = sqlx::query_as(
                    "SELECT r.id, r.submission_id, r.round, r.responded_on, r.classification, r.summary, r.letter_id, r.satisfaction, \
                     u.name AS created_by_name, r.version FROM responses r JOIN submissions s ON s.id = r.submission_id \
                     JOIN users u ON u.id = r.created_by WHERE s.department_id = $1 ORDER BY r.id",
                )
                .bind(department_id)
                .fetch_all(&self.pool)
                .await?;
                let commitments = sqlx::query_as(
                    "SELECT c.id, c.response_id, c.what, c.due_on, c.status, c.version FROM commitments c \
                     JOIN responses r ON r.id = c.response_id JOIN submissions s ON s.id = r.submission_id \
                     WHERE s.department_id = $1 ORDER BY c.id",
                )
                .bind(department_id)
                .fetch_all(&self.pool)
                .await?;
                Ok((responses, commitments))
            }

            async fn list_commitments(&self, issue_id: i64) -> $crate::store::StoreResult<Vec<$crate::store::lifecycle::CommitmentRow>> {
                Ok(sqlx::query_as(
                    "SELECT c.id, c.response_id, c.what, c.due_on, c.status, c.version FROM commitments c \
                     JOIN responses r ON r.id = c.response_id JOIN submissions s ON s.id = r.submission_id \
                     WHERE s.issue_id = $1 ORDER BY c.id",
                )
                .bind(issue_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn set_satisfaction(
                &self,
                response_id: i64,
                version: i64,
                satisfaction: &str,
                rehandling_due: Option<chrono::NaiveDate>,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let row: Option<(i64,)> = sqlx::query_as(
                    "UPDATE responses SET satisfaction = $1, version = version + 1, updated_at = $2 \
                     WHERE id = $3 AND version = $4 RETURNING submission_id",
                )
                .bind(satisfaction)
                .bind(audit.at)
                .bind(response_id)
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((submission_id,)) = row else { return Err(StoreError::Conflict) };
                let (issue_id,): (i64,) = sqlx::query_as(
                    "UPDATE submissions SET rehandling_due_on = COALESCE($1, rehandling_due_on), version = version + 1, updated_at = $2 \
                     WHERE id = $3 RETURNING issue_id",
                )
                .bind(rehandling_due)
                .bind(audit.at)
                .bind(submission_id)
                .fetch_one(&mut *tx)
                .await?;
                $crate::store::lifecycle::refresh_submission!(tx, submission_id);
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(issue_id))?;
                tx.commit().await?;
                Ok(())
            }

            async fn set_commitment_status(
                &self,
                id: i64,
                version: i64,
                status: &str,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE commitments SET status = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4",
                )
                .bind(status)
                .bind(audit.at)
                .bind(id)
                .bind(version)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict);
                }
                let (issue_id,): (i64,) = sqlx::query_as(
                    "SELECT s.issue_id FROM commitments c JOIN responses r ON r.id = c.response_id \
                     JOIN submissions s ON s.id = r.submission_id WHERE c.id = $1",
                )
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(issue_id))?;
                tx.commit().await?;
                Ok(())
            }

            async fn update_submission(
                &self,
                id: i64,
                version: i64,
                handling: &str,
                channel: &str,
                reference: &str,
                contact: &str,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let row: Option<(i64,)> = sqlx::query_as(
                    "UPDATE submissions SET handling = $1, channel = $2, reference = $3, contact = $4, version = version + 1, updated_at = $5 \
                     WHERE id = $6 AND version = $7 RETURNING issue_id",
                )
                .bind(handling)
                .bind(channel)
                .bind(reference)
                .bind(contact)
                .bind(audit.at)
                .bind(id)
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((issue_id,)) = row else { return Err(StoreError::Conflict) };
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(issue_id))?;
                tx.commit().await?;
                Ok(())
            }

            async fn update_response(
                &self,
                id: i64,
                version: i64,
                classification: &str,
                summary: &str,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let row: Option<(i64,)> = sqlx::query_as(
                    "UPDATE responses SET classification = $1, summary = $2, version = version + 1, updated_at = $3 \
                     WHERE id = $4 AND version = $5 RETURNING submission_id",
                )
                .bind(classification)
                .bind(summary)
                .bind(audit.at)
                .bind(id)
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((submission_id,)) = row else { return Err(StoreError::Conflict) };
                let (issue_id,): (i64,) = sqlx::query_as("SELECT issue_id FROM submissions WHERE id = $1")
                    .bind(submission_id)
                    .fetch_one(&mut *tx)
                    .await?;
                $crate::store::lifecycle::refresh_submission!(tx, submission_id);
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(issue_id))?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_response(&self, id: i64) -> $crate::store::StoreResult<Option<$crate::store::lifecycle::ResponseRow>> {
                Ok(sqlx::query_as(
                    "SELECT r.id, r.submission_id, r.round, r.responded_on, r.classification, r.summary, r.letter_id, r.satisfaction, \
                     u.name AS created_by_name, r.version FROM responses r JOIN users u ON u.id = r.created_by WHERE r.id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn create_meeting(
                &self,
                submission_id: i64,
                met_on: chrono::NaiveDate,
                notes: &str,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<i64> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let (issue_id,): (i64,) = sqlx::query_as("SELECT issue_id FROM submissions WHERE id = $1")
                    .bind(submission_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO submission_meetings (submission_id, met_on, notes, created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(submission_id)
                .bind(met_on)
                .bind(notes)
                .bind(audit.actor_user_id)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(issue_id))?;
                tx.commit().await?;
                Ok(id)
            }

            async fn list_meetings(&self, issue_id: i64) -> $crate::store::StoreResult<Vec<$crate::store::lifecycle::MeetingRow>> {
                Ok(sqlx::query_as(
                    "SELECT m.id, m.submission_id, m.met_on, m.notes, u.name AS created_by_name FROM submission_meetings m \
                     JOIN submissions s ON s.id = m.submission_id JOIN users u ON u.id = m.created_by \
                     WHERE s.issue_id = $1 ORDER BY m.met_on, m.id",
                )
                .bind(issue_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn setting(&self, name: &str) -> $crate::store::StoreResult<Option<String>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT value FROM app_settings WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|(v,)| v))
            }

            async fn set_setting(&self, name: &str, value: &str, audit: &$crate::store::AuditEvent) -> $crate::store::StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO app_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
                    .bind(name)
                    .bind(value)
                    .execute(&mut *tx)
                    .await?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, None::<i64>)?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_submissions(&self, issue_id: i64) -> $crate::store::StoreResult<Vec<$crate::store::lifecycle::SubmissionRow>> {
                Ok(sqlx::query_as(&format!(
                    "{} WHERE s.issue_id = $1 ORDER BY s.submitted_on, s.id",
                    $crate::store::lifecycle::SUBMISSION_SELECT
                ))
                .bind(issue_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn department_submissions(&self, department_id: i64) -> $crate::store::StoreResult<Vec<$crate::store::lifecycle::SubmissionRow>> {
                Ok(sqlx::query_as(&format!(
                    "{} WHERE s.department_id = $1 ORDER BY s.submitted_on DESC, s.id DESC",
                    $crate::store::lifecycle::SUBMISSION_SELECT
                ))
                .bind(department_id)
                .fetch_all(&self.pool)
                .await?)
            }
        }
    };
}
pub(crate) use impl_lifecycle_store;
