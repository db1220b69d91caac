//! Recurring-gap candidates: the findings a pass reads, the candidates it leaves, the
//! dismissals that outlive passes, and the lease that lets one instance run the pass.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{AuditEvent, StoreResult};
use crate::domain::recurrence::{Candidate, GapDoc};
use crate::store::issues::NewIssue;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CandidateRow {
    pub id: i64,
    pub area_id: i64,
    pub finding_ids: Vec<i64>,
    pub workers: i64,
    pub organisations: i64,
    /// Terms most of its findings share; glossary concepts as `@id`.
    pub shared_terms: Vec<String>,
    pub benefits: Vec<String>,
    pub threshold_kind: Option<String>,
    pub threshold_value: Option<String>,
    /// How many of its findings name that threshold.
    pub threshold_count: Option<i64>,
    /// The failure mode most of its workers confirmed (an id), and how many did.
    pub failure_mode: Option<String>,
    pub failure_mode_count: Option<i64>,
    pub cohesion: f64,
    pub computed_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
pub struct CandidateDbRow {
    pub id: i64,
    pub area_id: i64,
    pub finding_ids: String,
    pub workers: i64,
    pub organisations: i64,
    pub shared_terms: String,
    pub benefits: String,
    pub threshold_kind: Option<String>,
    pub threshold_value: Option<String>,
    pub threshold_count: Option<i64>,
    pub failure_mode: Option<String>,
    pub failure_mode_count: Option<i64>,
    pub cohesion: f64,
    pub computed_at: DateTime<Utc>,
}

impl From<CandidateDbRow> for CandidateRow {
    fn from(r: CandidateDbRow) -> Self {
        CandidateRow {
            id: r.id,
            area_id: r.area_id,
            finding_ids: parse_ids(&r.finding_ids),
            workers: r.workers,
            organisations: r.organisations,
            shared_terms: serde_json::from_str(&r.shared_terms).unwrap_or_default(),
            benefits: serde_json::from_str(&r.benefits).unwrap_or_default(),
            threshold_kind: r.threshold_kind,
            threshold_value: r.threshold_value,
            threshold_count: r.threshold_count,
            failure_mode: r.failure_mode,
            failure_mode_count: r.failure_mode_count,
            cohesion: r.cohesion,
            computed_at: r.computed_at,
        }
    }
}

pub fn parse_ids(s: &str) -> Vec<i64> {
    s.split(',').filter_map(|p| p.trim().parse().ok()).collect()
}

pub fn join_ids(ids: &[i64]) -> String {
    ids.iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct PassRow {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub findings: i64,
    pub candidates: i64,
}

/// What turning a candidate into an issue did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromCandidate {
    pub issue_id: i64,
    pub linked: Vec<i64>,
    /// Findings linked elsewhere or deleted since the pass: left out.
    pub skipped: Vec<i64>,
    /// Findings the reviewer left out as describing another gap: they stay unlinked,
    /// for the next pass to group again.
    pub left_out: Vec<i64>,
}

pub const SELECT_CANDIDATE: &str = "SELECT id, area_id, finding_ids, workers, organisations, shared_terms, benefits, \
     threshold_kind, threshold_value, threshold_count, failure_mode, failure_mode_count, cohesion, computed_at \
     FROM gap_candidates";

#[async_trait]
pub trait RecurrenceStore: Send + Sync {
    /// Every finding not linked to an issue and not deleted, as the pass reads it:
    /// narrative, tags, figure names and threshold benefit in `text`.
    async fn recurrence_docs(&self) -> StoreResult<Vec<GapDoc>>;
    /// The dismissals: each a sorted list of finding ids.
    async fn list_dismissals(&self) -> StoreResult<Vec<Vec<i64>>>;
    /// Replaces all candidates with a pass's result, in one transaction. Candidates
    /// inside a dismissal are kept, hidden.
    async fn replace_candidates(
        &self,
        found: &[Candidate],
        dismissed: &[bool],
        started_at: DateTime<Utc>,
        findings_read: i64,
    ) -> StoreResult<()>;
    /// Candidates not dismissed, largest first.
    async fn list_candidates(&self) -> StoreResult<Vec<CandidateRow>>;
    /// The strongest candidates (most findings first), of one area if given.
    async fn top_candidates(
        &self,
        area_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<CandidateRow>>;
    async fn get_candidate(&self, id: i64) -> StoreResult<Option<CandidateRow>>;
    async fn last_pass(&self) -> StoreResult<Option<PassRow>>;
    /// Hides the candidate until a finding outside it joins it. `NotFound` if gone.
    async fn dismiss_candidate(&self, id: i64, audit: &AuditEvent) -> StoreResult<()>;
    /// Creates the issue and links the candidate's findings that are still unlinked, in
    /// one transaction; the candidate goes. With `chosen`, only the candidate's findings
    /// named there are linked (ids outside the candidate are ignored); the rest are
    /// `left_out`. `NotFound` if the candidate is gone, `Conflict` if none of the
    /// findings can be linked any more.
    async fn issue_from_candidate(
        &self,
        id: i64,
        new: &NewIssue,
        chosen: Option<&[i64]>,
        audit: &AuditEvent,
    ) -> StoreResult<FromCandidate>;
    /// The latest `limit` findings of a policy area (not deleted, not `exclude`), each
    /// with the issues it is linked to: the pool a new finding is compared with.
    async fn area_pool(
        &self,
        area_id: i64,
        exclude: i64,
        limit: i64,
    ) -> StoreResult<Vec<(GapDoc, Vec<i64>)>>;
    /// Takes (or renews) the named lease until `until` if nobody else holds it now.
    async fn claim_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
}

macro_rules! impl_recurrence_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::recurrence::RecurrenceStore for $store {
            async fn recurrence_docs(&self) -> $crate::store::StoreResult<Vec<$crate::domain::recurrence::GapDoc>> {
                use std::collections::HashMap;
                const UNLINKED: &str = "f.deleted_at IS NULL AND f.issue_link_count = 0";
                #[allow(clippy::type_complexity)]
                let rows: Vec<(i64, i64, i64, i64, String, Option<String>, Option<String>, Option<String>, Option<String>)> = sqlx::query_as(&format!(
                    "SELECT f.id, f.org_id, f.recorded_by, f.policy_area_id, f.narrative, f.threshold_benefit, \
                     f.threshold_kind, f.threshold_value, f.failure_mode FROM findings f WHERE {UNLINKED} ORDER BY f.id"
                ))
                .fetch_all(&self.pool)
                .await?;
                let mut extra: HashMap<i64, String> = HashMap::new();
                for sql in [
                    format!("SELECT t.finding_id, t.tag FROM finding_tags t JOIN findings f ON f.id = t.finding_id WHERE {UNLINKED}"),
                    format!("SELECT g.finding_id, g.name FROM finding_figures g JOIN findings f ON f.id = g.finding_id WHERE {UNLINKED}"),
                ] {
                    let pairs: Vec<(i64, String)> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
                    for (id, text) in pairs {
                        let e = extra.entry(id).or_default();
                        e.push(' ');
                        e.push_str(&text);
                    }
                }
                Ok(rows
                    .into_iter()
                    .map(|(id, org_id, worker_id, area_id, narrative, benefit, kind, value, failure_mode)| {
                        let mut text = narrative;
                        if let Some(more) = extra.remove(&id) {
                            text.push_str(&more);
                        }
                        if let Some(b) = &benefit {
                            text.push(' ');
                            text.push_str(b);
                        }
                        $crate::domain::recurrence::GapDoc {
                            id,
                            org_id,
                            worker_id,
                            area_id,
                            text,
                            threshold: kind.map(|k| (benefit.unwrap_or_default(), k, value.unwrap_or_default())),
                            failure_mode,
                        }
                    })
                    .collect())
            }

            async fn list_dismissals(&self) -> $crate::store::StoreResult<Vec<Vec<i64>>> {
                let rows: Vec<(String,)> = sqlx::query_as("SELECT finding_ids FROM gap_dismissals")
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.into_iter().map(|(s,)| $crate::store::recurrence::parse_ids(&s)).collect())
            }

            async fn replace_candidates(
                &self,
                found: &[$crate::domain::recurrence::Candidate],
                dismissed: &[bool],
                started_at: chrono::DateTime<chrono::Utc>,
                findings_read: i64,
            ) -> $crate::store::StoreResult<()> {
                let now = chrono::Utc::now();
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM gap_candidates").execute(&mut *tx).await?;
                for (c, hidden) in found.iter().zip(dismissed) {
                    let (kind, value, count) = match &c.threshold {
                        Some((k, v, n)) => (Some(k.clone()), Some(v.clone()), Some(*n as i64)),
                        None => (None, None, None),
                    };
                    sqlx::query(
                        "INSERT INTO gap_candidates (area_id, finding_ids, finding_count, workers, organisations, shared_terms, \
                         benefits, threshold_kind, threshold_value, threshold_count, cohesion, dismissed, computed_at, \
                         failure_mode, failure_mode_count) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                    )
                    .bind(c.area_id)
                    .bind($crate::store::recurrence::join_ids(&c.finding_ids))
                    .bind(c.finding_ids.len() as i64)
                    .bind(c.workers as i64)
                    .bind(c.organisations as i64)
                    .bind(serde_json::to_string(&c.shared_terms).unwrap_or_default())
                    .bind(serde_json::to_string(&c.benefits).unwrap_or_default())
                    .bind(kind)
                    .bind(value)
                    .bind(count)
                    .bind(c.cohesion)
                    .bind(*hidden)
                    .bind(now)
                    .bind(c.failure_mode.as_ref().map(|m| m.0.as_str()))
                    .bind(c.failure_mode.as_ref().map(|m| m.1 as i64))
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query("INSERT INTO gap_passes (started_at, finished_at, findings, candidates) VALUES ($1, $2, $3, $4)")
                    .bind(started_at)
                    .bind(now)
                    .bind(findings_read)
                    .bind(found.len() as i64)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_candidates(&self) -> $crate::store::StoreResult<Vec<$crate::store::recurrence::CandidateRow>> {
                let rows: Vec<$crate::store::recurrence::CandidateDbRow> = sqlx::query_as(&format!(
                    "{} WHERE dismissed = FALSE ORDER BY finding_count DESC, cohesion DESC, id",
                    $crate::store::recurrence::SELECT_CANDIDATE
                ))
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn top_candidates(
                &self,
                area_id: Option<i64>,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::recurrence::CandidateRow>> {
                let rows: Vec<$crate::store::recurrence::CandidateDbRow> = sqlx::query_as(&format!(
                    "{} WHERE dismissed = FALSE AND ($1 IS NULL OR area_id = $1) ORDER BY finding_count DESC, cohesion DESC, id LIMIT $2",
                    $crate::store::recurrence::SELECT_CANDIDATE
                ))
                .bind(area_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn get_candidate(&self, id: i64) -> $crate::store::StoreResult<Option<$crate::store::recurrence::CandidateRow>> {
                let row: Option<$crate::store::recurrence::CandidateDbRow> = sqlx::query_as(&format!(
                    "{} WHERE id = $1 AND dismissed = FALSE",
                    $crate::store::recurrence::SELECT_CANDIDATE
                ))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(Into::into))
            }

            async fn last_pass(&self) -> $crate::store::StoreResult<Option<$crate::store::recurrence::PassRow>> {
                Ok(sqlx::query_as("SELECT started_at, finished_at, findings, candidates FROM gap_passes ORDER BY id DESC LIMIT 1")
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn dismiss_candidate(&self, id: i64, audit: &$crate::store::AuditEvent) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let row: Option<(String,)> = sqlx::query_as("SELECT finding_ids FROM gap_candidates WHERE id = $1 AND dismissed = FALSE")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some((ids,)) = row else { return Err(StoreError::NotFound) };
                sqlx::query("INSERT INTO gap_dismissals (finding_ids, dismissed_by, dismissed_at) VALUES ($1, $2, $3)")
                    .bind(&ids)
                    .bind(audit.actor_user_id)
                    .bind(audit.at)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE gap_candidates SET dismissed = TRUE WHERE id = $1").bind(id).execute(&mut *tx).await?;
                let mut ev = audit.clone();
                ev.detail = format!("findings {ids}");
                $crate::store::accounts::insert_audit!(&mut *tx, ev, Some(id))?;
                tx.commit().await?;
                Ok(())
            }

            async fn issue_from_candidate(
                &self,
                id: i64,
                new: &$crate::store::issues::NewIssue,
                chosen: Option<&[i64]>,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<$crate::store::recurrence::FromCandidate> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let row: Option<(String,)> = sqlx::query_as("SELECT finding_ids FROM gap_candidates WHERE id = $1 AND dismissed = FALSE")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some((ids,)) = row else { return Err(StoreError::NotFound) };
                let ids = $crate::store::recurrence::parse_ids(&ids);
                let (ids, left_out): (Vec<i64>, Vec<i64>) =
                    ids.into_iter().partition(|f| chosen.is_none_or(|c| c.contains(f)));
                let mut linkable = Vec::new();
                let mut skipped = Vec::new();
                for fid in &ids {
                    let ok: Option<(i64,)> = sqlx::query_as("SELECT id FROM findings WHERE id = $1 AND deleted_at IS NULL AND issue_link_count = 0")
                        .bind(fid)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if ok.is_some() { linkable.push(*fid) } else { skipped.push(*fid) }
                }
                if linkable.is_empty() {
                    return Err(StoreError::Conflict);
                }
                let issue_id = $crate::store::issues::insert_issue!(&mut *tx, new, audit)?;
                let mut created = audit.clone();
                created.action = "issue.created";
                created.subject_type = Some("issue");
                created.detail = format!("from recurring-gap candidate with findings {}", $crate::store::recurrence::join_ids(&linkable));
                if !left_out.is_empty() {
                    created.detail.push_str(&format!("; left out {}", $crate::store::recurrence::join_ids(&left_out)));
                }
                $crate::store::accounts::insert_audit!(&mut *tx, created, Some(issue_id))?;
                for fid in &linkable {
                    sqlx::query("INSERT INTO issue_findings (issue_id, finding_id, linked_by, linked_at) VALUES ($1, $2, $3, $4)")
                        .bind(issue_id)
                        .bind(fid)
                        .bind(audit.actor_user_id)
                        .bind(audit.at)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::from_write)?;
                    sqlx::query("UPDATE findings SET issue_link_count = issue_link_count + 1 WHERE id = $1")
                        .bind(fid)
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query("DELETE FROM gap_candidates WHERE id = $1").bind(id).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok($crate::store::recurrence::FromCandidate { issue_id, linked: linkable, skipped, left_out })
            }

            async fn area_pool(
                &self,
                area_id: i64,
                exclude: i64,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<($crate::domain::recurrence::GapDoc, Vec<i64>)>> {
                use std::collections::HashMap;
                #[allow(clippy::type_complexity)]
                let rows: Vec<(i64, i64, i64, String, Option<String>, Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
                    "SELECT f.id, f.org_id, f.recorded_by, f.narrative, f.threshold_benefit, f.threshold_kind, f.threshold_value, \
                     f.failure_mode FROM findings f WHERE f.policy_area_id = $1 AND f.deleted_at IS NULL AND f.id <> $2 \
                     ORDER BY f.observed_on DESC, f.id DESC LIMIT $3",
                )
                .bind(area_id)
                .bind(exclude)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
                let mut links: HashMap<i64, Vec<i64>> = HashMap::new();
                for chunk in ids.chunks(500) {
                    let list = $crate::store::recurrence::join_ids(chunk);
                    let pairs: Vec<(i64, i64)> = sqlx::query_as(&format!(
                        "SELECT l.finding_id, l.issue_id FROM issue_findings l JOIN advocacy_issues i ON i.id = l.issue_id \
                         WHERE i.merged_into IS NULL AND l.finding_id IN ({list})"
                    ))
                    .persistent(false)
                    .fetch_all(&self.pool)
                    .await?;
                    for (f, i) in pairs {
                        links.entry(f).or_default().push(i);
                    }
                }
                Ok(rows
                    .into_iter()
                    .map(|(id, org_id, worker_id, narrative, benefit, kind, value, failure_mode)| {
                        let mut text = narrative;
                        if let Some(b) = &benefit {
                            text.push(' ');
                            text.push_str(b);
                        }
                        let doc = $crate::domain::recurrence::GapDoc {
                            id,
                            org_id,
                            worker_id,
                            area_id,
                            text,
                            threshold: kind.map(|k| (benefit.unwrap_or_default(), k, value.unwrap_or_default())),
                            failure_mode,
                        };
                        (doc, links.remove(&id).unwrap_or_default())
                    })
                    .collect())
            }

            async fn claim_lease(
                &self,
                name: &str,
                holder: &str,
                now: chrono::DateTime<chrono::Utc>,
                until: chrono::DateTime<chrono::Utc>,
            ) -> $crate::store::StoreResult<bool> {
                let done = sqlx::query(
                    "INSERT INTO background_leases (name, holder, until) VALUES ($1, $2, $3) \
                     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until \
                     WHERE background_leases.until < $4 OR background_leases.holder = excluded.holder",
                )
                .bind(name)
                .bind(holder)
                .bind(until)
                .bind(now)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}
pub(crate) use impl_recurrence_store;
