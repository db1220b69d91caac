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
    async fn list_submissions(&self, issue_id: i64) -> StoreResult<Vec<SubmissionRow>>;
    async fn department_submissions(&self, department_id: i64) -> StoreResult<Vec<SubmissionRow>>;
}

pub(crate) const SUBMISSION_SELECT: &str = "SELECT s.id, s.issue_id, s.department_id, d.name_zh AS department_zh, \
     d.name_en AS department_en, s.handling, s.channel, s.submitted_on, s.reference, s.contact, s.due_on, \
     s.due_calendar_missing, u.name AS created_by_name, s.created_at, s.version \
     FROM submissions s JOIN departments d ON d.id = s.department_id JOIN users u ON u.id = s.created_by";

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
                let mut tx = self.pool.begin().await?;
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
                let mut tx = self.pool.begin().await?;
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
                let mut tx = self.pool.begin().await?;
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
                let mut tx = self.pool.begin().await?;
                sqlx::query("INSERT INTO holiday_years (year) VALUES ($1) ON CONFLICT (year) DO NOTHING")
                    .bind(i64::from(year))
                    .execute(&mut *tx)
                    .await?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, None::<i64>)?;
                tx.commit().await?;
                Ok(())
            }

            async fn lifecycle_facts(&self, issue_id: i64) -> $crate::store::StoreResult<Option<$crate::store::lifecycle::LifecycleFacts>> {
                let row: Option<(String, bool, Option<String>, i64)> = sqlx::query_as(
                    "SELECT i.stage, i.approved_at IS NOT NULL, i.closed_from, \
                     (SELECT COUNT(*) FROM submissions s WHERE s.issue_id = i.id) \
                     FROM advocacy_issues i WHERE i.id = $1",
                )
                .bind(issue_id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(stage, approved, closed_from, submissions)| $crate::store::lifecycle::LifecycleFacts {
                    stage,
                    approved,
                    closed_from,
                    submissions,
                    // Responses arrive with the next step of this capability.
                    responses: 0,
                }))
            }

            async fn change_stage(
                &self,
                issue_id: i64,
                c: &$crate::store::lifecycle::StageChange,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.pool.begin().await?;
                let (approved_at, approved_by) = if c.approved {
                    (Some(audit.at), audit.actor_user_id)
                } else {
                    (None, None)
                };
                let done = sqlx::query(
                    "UPDATE advocacy_issues SET stage = $1, \
                     approved_at = CASE WHEN $2 THEN COALESCE(approved_at, $3) ELSE NULL END, \
                     approved_by = CASE WHEN $2 THEN COALESCE(approved_by, $4) ELSE NULL END, \
                     resolution = $5, closed_from = $6, updated_at = $7 \
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
                let mut tx = self.pool.begin().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO submissions (issue_id, department_id, handling, channel, submitted_on, reference, contact, \
                     due_on, due_calendar_missing, created_by, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id",
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
                sqlx::query("UPDATE advocacy_issues SET updated_at = $1 WHERE id = $2")
                    .bind(audit.at)
                    .bind(s.issue_id)
                    .execute(&mut *tx)
                    .await?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(s.issue_id))?;
                tx.commit().await?;
                Ok(id)
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
