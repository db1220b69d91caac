//! Advocacy issues and their linked findings. Linking keeps `findings.issue_link_count`
//! in step in the same transaction, so "linked / not linked" filters stay true.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{AuditEvent, StoreResult};

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct IssueRow {
    pub id: i64,
    pub title: String,
    pub problem_statement: String,
    pub policy_area_id: i64,
    pub owner_id: i64,
    pub owner_name: String,
    pub priority: String,
    pub stage: String,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Linked findings that are not deleted.
    pub finding_count: i64,
    /// `merged` when merged into another issue (later: the outcome of a closed issue).
    pub resolution: Option<String>,
    pub merged_into: Option<i64>,
    /// Moves on each edit of title, statement or priority.
    pub version: i64,
}

/// An issue as a choice on a page: enough to name it and compare with it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IssueRef {
    pub id: i64,
    pub title: String,
    pub problem_statement: String,
    pub policy_area_id: i64,
}

pub struct NewIssue {
    pub title: String,
    pub problem_statement: String,
    pub policy_area_id: i64,
    pub owner_id: i64,
    pub priority: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkRow {
    pub finding_id: i64,
    pub linked_by: i64,
    pub linker_name: String,
    pub linked_at: DateTime<Utc>,
}

pub(crate) const ISSUE_SELECT: &str = "SELECT i.id, i.title, i.problem_statement, i.policy_area_id, \
     i.owner_id, u.name AS owner_name, i.priority, i.stage, i.created_by, i.created_at, i.updated_at, \
     (SELECT COUNT(*) FROM issue_findings l JOIN findings f ON f.id = l.finding_id \
      WHERE l.issue_id = i.id AND f.deleted_at IS NULL) AS finding_count, i.resolution, i.merged_into, i.version \
     FROM advocacy_issues i JOIN users u ON u.id = i.owner_id";

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct CommentRow {
    pub id: i64,
    pub author_id: i64,
    pub author_name: String,
    /// Markdown as written; render with `domain::markdown::render`.
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// Which list of people or organisations behind an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// Supporting organisations (ids are organisation ids).
    Supporter,
    /// Co-signing workers (ids are user ids).
    Cosigner,
    /// Users following the issue.
    Watcher,
}

impl Party {
    /// (table, id column)
    pub(crate) fn table(self) -> (&'static str, &'static str) {
        match self {
            Party::Supporter => ("issue_supporters", "org_id"),
            Party::Cosigner => ("issue_cosigners", "user_id"),
            Party::Watcher => ("issue_watchers", "user_id"),
        }
    }
}

/// A member of one of an issue's lists, with a display name.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct PartyRow {
    pub id: i64,
    pub name: String,
}

/// An issue's three lists, each as [`IssueStore::list_party`] gives it.
#[derive(Debug, Clone, Default)]
pub struct IssueParties {
    pub supporters: Vec<PartyRow>,
    pub cosigners: Vec<PartyRow>,
    pub watchers: Vec<PartyRow>,
}

/// A statistic (with its source) or a policy document supporting an issue.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct EvidenceRow {
    pub id: i64,
    /// `statistic` or `policy_document`.
    pub kind: String,
    pub title: String,
    pub detail: String,
    pub source: String,
    pub url: Option<String>,
    pub added_by_name: String,
    pub added_at: DateTime<Utc>,
}

pub struct NewEvidence {
    pub kind: &'static str,
    pub title: String,
    pub detail: String,
    pub source: String,
    pub url: Option<String>,
}

/// A file attached to an issue, without its bytes.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct AttachmentRow {
    pub id: i64,
    pub filename: String,
    /// Read from the content when the file was added, never from its name.
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub added_by_name: String,
    pub added_at: DateTime<Utc>,
}

pub struct NewAttachment {
    pub filename: String,
    pub content_type: &'static str,
    pub sha256: String,
    pub content: Vec<u8>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProposalRow {
    pub finding_id: i64,
    pub proposed_by: i64,
    pub proposer_name: String,
    pub proposed_at: DateTime<Utc>,
}

#[async_trait]
pub trait IssueStore: Send + Sync {
    /// `Conflict` if already proposed or already linked.
    async fn propose_link(
        &self,
        issue_id: i64,
        finding_id: i64,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn list_proposals(&self, issue_id: i64) -> StoreResult<Vec<ProposalRow>>;
    /// Accepting links the finding (as the acceptor); either way the proposal goes.
    /// `NotFound` if there was no such proposal.
    async fn decide_proposal(
        &self,
        issue_id: i64,
        finding_id: i64,
        accept: bool,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Merges `from` into `into` in one transaction: findings, other evidence, comments,
    /// supporters, co-signers and watchers move to `into` (shared ones once), `from` is
    /// closed as merged. Both timelines record it. `Conflict` if either is already merged.
    async fn merge_issue(&self, from: i64, into: i64, audit: &AuditEvent) -> StoreResult<()>;
    /// The reverse for some findings: a new issue takes over these links from `from`, in
    /// one transaction. `NotFound` if any is not linked to `from` (nothing changes).
    async fn split_issue(
        &self,
        from: i64,
        finding_ids: &[i64],
        new: &NewIssue,
        audit: &AuditEvent,
    ) -> StoreResult<i64>;
    async fn add_evidence(
        &self,
        issue_id: i64,
        evidence: &NewEvidence,
        audit: &AuditEvent,
    ) -> StoreResult<i64>;
    /// Removal keeps the row (struck from the page, kept for the record).
    async fn remove_evidence(
        &self,
        issue_id: i64,
        evidence_id: i64,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn list_evidence(&self, issue_id: i64) -> StoreResult<Vec<EvidenceRow>>;
    async fn add_attachment(
        &self,
        issue_id: i64,
        attachment: &NewAttachment,
        audit: &AuditEvent,
    ) -> StoreResult<i64>;
    /// Removal keeps the file for the record; it is no longer listed or served.
    async fn remove_attachment(
        &self,
        issue_id: i64,
        attachment_id: i64,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn list_attachments(&self, issue_id: i64) -> StoreResult<Vec<AttachmentRow>>;
    /// The row and its bytes, if listed on this issue.
    async fn attachment_content(
        &self,
        issue_id: i64,
        attachment_id: i64,
    ) -> StoreResult<Option<(AttachmentRow, Vec<u8>)>>;
    /// Adds to a list; `Conflict` if already there.
    async fn add_party(
        &self,
        issue_id: i64,
        party: Party,
        id: i64,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// `NotFound` if not there.
    async fn remove_party(
        &self,
        issue_id: i64,
        party: Party,
        id: i64,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn list_party(&self, issue_id: i64, party: Party) -> StoreResult<Vec<PartyRow>>;
    /// Supporters, co-signers and watchers, in one query (the issue page shows all three).
    async fn list_parties(&self, issue_id: i64) -> StoreResult<IssueParties>;
    async fn add_comment(&self, issue_id: i64, body: &str, audit: &AuditEvent) -> StoreResult<i64>;
    async fn list_comments(&self, issue_id: i64) -> StoreResult<Vec<CommentRow>>;
    async fn create_issue(&self, issue: &NewIssue, audit: &AuditEvent) -> StoreResult<IssueRow>;
    async fn get_issue(&self, id: i64) -> StoreResult<Option<IssueRow>>;
    async fn list_issues(&self) -> StoreResult<Vec<IssueRow>>;
    /// Links findings to the issue. `Conflict` if any is linked already (nothing is
    /// linked then); every link and the counters change together.
    async fn link_findings(
        &self,
        issue_id: i64,
        finding_ids: &[i64],
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Changes title, statement and priority. `Conflict` if the issue was edited since
    /// `version` (nothing is written).
    async fn update_issue(
        &self,
        id: i64,
        version: i64,
        title: &str,
        statement: &str,
        priority: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Open issues (not merged, not closed), of one policy area or all, latest first:
    /// what a page offers to link to or merge into.
    async fn list_open_issues(
        &self,
        area_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<IssueRef>>;
    /// `NotFound` if the finding was not linked.
    async fn unlink_finding(
        &self,
        issue_id: i64,
        finding_id: i64,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    async fn issue_links(&self, issue_id: i64) -> StoreResult<Vec<LinkRow>>;
    /// What the evidence summary needs of each linked finding that is not deleted, by
    /// finding id: two queries however many findings are linked.
    async fn evidence_items(
        &self,
        issue_id: i64,
    ) -> StoreResult<Vec<(i64, crate::domain::evidence::EvidenceItem)>>;
    /// The issues a finding is linked to.
    async fn issues_of_finding(&self, finding_id: i64) -> StoreResult<Vec<IssueRow>>;
}

/// Inserts a new issue at stage `identified` on the given executor; yields its id.
macro_rules! insert_issue {
    ($exec:expr, $issue:expr, $audit:expr) => {
        sqlx::query_as::<_, (i64,)>(
            "INSERT INTO advocacy_issues (title, problem_statement, policy_area_id, owner_id, priority, \
             stage, created_by, created_at, updated_at, stage_since) VALUES ($1, $2, $3, $4, $5, 'identified', $6, $7, $7, $7) RETURNING id",
        )
        .bind(&$issue.title)
        .bind(&$issue.problem_statement)
        .bind($issue.policy_area_id)
        .bind($issue.owner_id)
        .bind(&$issue.priority)
        .bind($audit.actor_user_id)
        .bind($audit.at)
        .fetch_one($exec)
        .await
        .map(|(id,)| id)
        .map_err($crate::store::StoreError::from_write)
    };
}
pub(crate) use insert_issue;

macro_rules! impl_issue_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::issues::IssueStore for $store {
            async fn create_issue(
                &self,
                issue: &$crate::store::issues::NewIssue,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<$crate::store::issues::IssueRow> {
                let mut tx = self.begin_write().await?;
                let id = $crate::store::issues::insert_issue!(&mut *tx, issue, audit)?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(id))?;
                let row: $crate::store::issues::IssueRow =
                    sqlx::query_as(&format!("{} WHERE i.id = $1", $crate::store::issues::ISSUE_SELECT))
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                tx.commit().await?;
                Ok(row)
            }

            async fn get_issue(&self, id: i64) -> $crate::store::StoreResult<Option<$crate::store::issues::IssueRow>> {
                Ok(sqlx::query_as(&format!("{} WHERE i.id = $1", $crate::store::issues::ISSUE_SELECT))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn list_issues(&self) -> $crate::store::StoreResult<Vec<$crate::store::issues::IssueRow>> {
                Ok(sqlx::query_as(&format!("{} ORDER BY i.updated_at DESC, i.id DESC", $crate::store::issues::ISSUE_SELECT))
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn update_issue(
                &self,
                id: i64,
                version: i64,
                title: &str,
                statement: &str,
                priority: &str,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE advocacy_issues SET title = $1, problem_statement = $2, priority = $3, version = version + 1, updated_at = $4 \
                     WHERE id = $5 AND version = $6 AND merged_into IS NULL",
                )
                .bind(title)
                .bind(statement)
                .bind(priority)
                .bind(audit.at)
                .bind(id)
                .bind(version)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict);
                }
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(id))?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_open_issues(
                &self,
                area_id: Option<i64>,
                limit: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::store::issues::IssueRef>> {
                Ok(sqlx::query_as(
                    "SELECT i.id, i.title, i.problem_statement, i.policy_area_id FROM advocacy_issues i \
                     WHERE ($1 IS NULL OR i.policy_area_id = $1) AND i.merged_into IS NULL AND i.stage <> 'closed' \
                     ORDER BY i.updated_at DESC, i.id DESC LIMIT $2",
                )
                .bind(area_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn link_findings(
                &self,
                issue_id: i64,
                finding_ids: &[i64],
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                // The issue's row first, then its links and the findings in id order:
                // every write that touches an issue takes its row before the rows and
                // data versions below it, so two of them never wait on each other
                // (PostgreSQL found a deadlock with a response written at once).
                sqlx::query("UPDATE advocacy_issues SET updated_at = $1 WHERE id = $2")
                    .bind(audit.at)
                    .bind(issue_id)
                    .execute(&mut *tx)
                    .await?;
                let mut ordered = finding_ids.to_vec();
                ordered.sort_unstable();
                for fid in &ordered {
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
                    let mut ev = audit.clone();
                    ev.detail = format!("finding #{fid}");
                    $crate::store::accounts::insert_audit!(&mut *tx, ev, Some(issue_id))?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn unlink_finding(
                &self,
                issue_id: i64,
                finding_id: i64,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                // The issue's row first (see link_findings).
                sqlx::query("UPDATE advocacy_issues SET updated_at = $1 WHERE id = $2")
                    .bind(audit.at)
                    .bind(issue_id)
                    .execute(&mut *tx)
                    .await?;
                let done = sqlx::query("DELETE FROM issue_findings WHERE issue_id = $1 AND finding_id = $2")
                    .bind(issue_id)
                    .bind(finding_id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query("UPDATE findings SET issue_link_count = issue_link_count - 1 WHERE id = $1")
                    .bind(finding_id)
                    .execute(&mut *tx)
                    .await?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(issue_id))?;
                tx.commit().await?;
                Ok(())
            }

            async fn merge_issue(&self, from: i64, into: i64, audit: &$crate::store::AuditEvent) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                // Claim both: neither may be merged already (this also refuses cycles).
                let open: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM advocacy_issues WHERE id IN ($1, $2) AND merged_into IS NULL")
                    .bind(from)
                    .bind(into)
                    .fetch_one(&mut *tx)
                    .await?;
                if open.0 != 2 || from == into {
                    return Err(StoreError::Conflict);
                }
                // Findings linked to both keep one link: drop the duplicate and its count.
                sqlx::query(
                    "UPDATE findings SET issue_link_count = issue_link_count - 1 WHERE id IN \
                     (SELECT finding_id FROM issue_findings WHERE issue_id = $1 AND finding_id IN \
                      (SELECT finding_id FROM issue_findings WHERE issue_id = $2))",
                )
                .bind(from)
                .bind(into)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM issue_findings WHERE issue_id = $1 AND finding_id IN (SELECT finding_id FROM issue_findings WHERE issue_id = $2)")
                    .bind(from)
                    .bind(into)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE issue_findings SET issue_id = $1 WHERE issue_id = $2").bind(into).bind(from).execute(&mut *tx).await?;
                sqlx::query("UPDATE issue_evidence SET issue_id = $1 WHERE issue_id = $2").bind(into).bind(from).execute(&mut *tx).await?;
                sqlx::query("UPDATE issue_attachments SET issue_id = $1 WHERE issue_id = $2").bind(into).bind(from).execute(&mut *tx).await?;
                sqlx::query("UPDATE issue_comments SET issue_id = $1 WHERE issue_id = $2").bind(into).bind(from).execute(&mut *tx).await?;
                for (table, col) in [("issue_supporters", "org_id"), ("issue_cosigners", "user_id"), ("issue_watchers", "user_id")] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE issue_id = $1 AND {col} IN (SELECT {col} FROM {table} WHERE issue_id = $2)"))
                        .bind(from)
                        .bind(into)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(&format!("UPDATE {table} SET issue_id = $1 WHERE issue_id = $2")).bind(into).bind(from).execute(&mut *tx).await?;
                }
                sqlx::query("UPDATE advocacy_issues SET stage = 'closed', resolution = 'merged', merged_into = $1, updated_at = $2, stage_since = $2 WHERE id = $3")
                    .bind(into)
                    .bind(audit.at)
                    .bind(from)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE advocacy_issues SET updated_at = $1 WHERE id = $2").bind(audit.at).bind(into).execute(&mut *tx).await?;
                let mut on_from = audit.clone();
                on_from.detail = format!("merged into #{into}");
                $crate::store::accounts::insert_audit!(&mut *tx, on_from, Some(from))?;
                let mut on_into = audit.clone();
                on_into.detail = format!("#{from} merged into this issue");
                $crate::store::accounts::insert_audit!(&mut *tx, on_into, Some(into))?;
                tx.commit().await?;
                Ok(())
            }

            async fn propose_link(&self, issue_id: i64, finding_id: i64, audit: &$crate::store::AuditEvent) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let linked: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM issue_findings WHERE issue_id = $1 AND finding_id = $2")
                    .bind(issue_id)
                    .bind(finding_id)
                    .fetch_one(&mut *tx)
                    .await?;
                if linked.0 > 0 {
                    return Err(StoreError::Conflict);
                }
                sqlx::query("INSERT INTO issue_link_proposals (issue_id, finding_id, proposed_by, proposed_at) VALUES ($1, $2, $3, $4)")
                    .bind(issue_id)
                    .bind(finding_id)
                    .bind(audit.actor_user_id)
                    .bind(audit.at)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::from_write)?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(issue_id))?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_proposals(&self, issue_id: i64) -> $crate::store::StoreResult<Vec<$crate::store::issues::ProposalRow>> {
                Ok(sqlx::query_as(
                    "SELECT p.finding_id, p.proposed_by, u.name AS proposer_name, p.proposed_at FROM issue_link_proposals p \
                     JOIN users u ON u.id = p.proposed_by WHERE p.issue_id = $1 ORDER BY p.proposed_at, p.finding_id",
                )
                .bind(issue_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn decide_proposal(
                &self,
                issue_id: i64,
                finding_id: i64,
                accept: bool,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let gone = sqlx::query("DELETE FROM issue_link_proposals WHERE issue_id = $1 AND finding_id = $2")
                    .bind(issue_id)
                    .bind(finding_id)
                    .execute(&mut *tx)
                    .await?;
                if gone.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                if accept {
                    sqlx::query("INSERT INTO issue_findings (issue_id, finding_id, linked_by, linked_at) VALUES ($1, $2, $3, $4)")
                        .bind(issue_id)
                        .bind(finding_id)
                        .bind(audit.actor_user_id)
                        .bind(audit.at)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::from_write)?;
                    sqlx::query("UPDATE findings SET issue_link_count = issue_link_count + 1 WHERE id = $1")
                        .bind(finding_id)
                        .execute(&mut *tx)
                        .await?;
                }
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(issue_id))?;
                tx.commit().await?;
                Ok(())
            }

            async fn split_issue(
                &self,
                from: i64,
                finding_ids: &[i64],
                new: &$crate::store::issues::NewIssue,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<i64> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let id = $crate::store::issues::insert_issue!(&mut *tx, new, audit)?;
                for fid in finding_ids {
                    let moved = sqlx::query("UPDATE issue_findings SET issue_id = $1 WHERE issue_id = $2 AND finding_id = $3")
                        .bind(id)
                        .bind(from)
                        .bind(fid)
                        .execute(&mut *tx)
                        .await?;
                    if moved.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                }
                sqlx::query("UPDATE advocacy_issues SET updated_at = $1 WHERE id = $2").bind(audit.at).bind(from).execute(&mut *tx).await?;
                let list = finding_ids.iter().map(|f| format!("#{f}")).collect::<Vec<_>>().join(", ");
                let mut on_from = audit.clone();
                on_from.detail = format!("findings {list} split into #{id}");
                $crate::store::accounts::insert_audit!(&mut *tx, on_from, Some(from))?;
                let mut on_new = audit.clone();
                on_new.detail = format!("split from #{from} with findings {list}");
                $crate::store::accounts::insert_audit!(&mut *tx, on_new, Some(id))?;
                tx.commit().await?;
                Ok(id)
            }

            async fn add_evidence(
                &self,
                issue_id: i64,
                e: &$crate::store::issues::NewEvidence,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<i64> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO issue_evidence (issue_id, kind, title, detail, source, url, added_by, added_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(issue_id)
                .bind(e.kind)
                .bind(&e.title)
                .bind(&e.detail)
                .bind(&e.source)
                .bind(&e.url)
                .bind(audit.actor_user_id)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(issue_id))?;
                tx.commit().await?;
                Ok(id)
            }

            async fn remove_evidence(
                &self,
                issue_id: i64,
                evidence_id: i64,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("UPDATE issue_evidence SET removed_at = $1 WHERE id = $2 AND issue_id = $3 AND removed_at IS NULL")
                    .bind(audit.at)
                    .bind(evidence_id)
                    .bind(issue_id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(issue_id))?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_evidence(&self, issue_id: i64) -> $crate::store::StoreResult<Vec<$crate::store::issues::EvidenceRow>> {
                Ok(sqlx::query_as(
                    "SELECT e.id, e.kind, e.title, e.detail, e.source, e.url, u.name AS added_by_name, e.added_at \
                     FROM issue_evidence e JOIN users u ON u.id = e.added_by \
                     WHERE e.issue_id = $1 AND e.removed_at IS NULL ORDER BY e.id",
                )
                .bind(issue_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn add_attachment(
                &self,
                issue_id: i64,
                a: &$crate::store::issues::NewAttachment,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<i64> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO issue_attachments (issue_id, filename, content_type, size_bytes, sha256, content, added_by, added_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(issue_id)
                .bind(&a.filename)
                .bind(a.content_type)
                .bind(a.content.len() as i64)
                .bind(&a.sha256)
                .bind(&a.content)
                .bind(audit.actor_user_id)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(issue_id))?;
                tx.commit().await?;
                Ok(id)
            }

            async fn remove_attachment(
                &self,
                issue_id: i64,
                attachment_id: i64,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("UPDATE issue_attachments SET removed_at = $1 WHERE id = $2 AND issue_id = $3 AND removed_at IS NULL")
                    .bind(audit.at)
                    .bind(attachment_id)
                    .bind(issue_id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(issue_id))?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_attachments(&self, issue_id: i64) -> $crate::store::StoreResult<Vec<$crate::store::issues::AttachmentRow>> {
                Ok(sqlx::query_as(
                    "SELECT a.id, a.filename, a.content_type, a.size_bytes, a.sha256, u.name AS added_by_name, a.added_at \
                     FROM issue_attachments a JOIN users u ON u.id = a.added_by \
                     WHERE a.issue_id = $1 AND a.removed_at IS NULL ORDER BY a.id",
                )
                .bind(issue_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn attachment_content(
                &self,
                issue_id: i64,
                attachment_id: i64,
            ) -> $crate::store::StoreResult<Option<($crate::store::issues::AttachmentRow, Vec<u8>)>> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT a.id, a.filename, a.content_type, a.size_bytes, a.sha256, u.name AS added_by_name, a.added_at, a.content \
                     FROM issue_attachments a JOIN users u ON u.id = a.added_by \
                     WHERE a.id = $1 AND a.issue_id = $2 AND a.removed_at IS NULL",
                )
                .bind(attachment_id)
                .bind(issue_id)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let meta = <$crate::store::issues::AttachmentRow as sqlx::FromRow<_>>::from_row(&row)?;
                Ok(Some((meta, row.try_get("content")?)))
            }

            async fn add_party(
                &self,
                issue_id: i64,
                party: $crate::store::issues::Party,
                id: i64,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let (table, col) = party.table();
                let mut tx = self.begin_write().await?;
                let sql = if party == $crate::store::issues::Party::Watcher {
                    format!("INSERT INTO {table} (issue_id, {col}, added_at) VALUES ($1, $2, $3)")
                } else {
                    format!("INSERT INTO {table} (issue_id, {col}, added_at, added_by) VALUES ($1, $2, $3, $4)")
                };
                let mut q = sqlx::query(&sql).bind(issue_id).bind(id).bind(audit.at);
                if party != $crate::store::issues::Party::Watcher {
                    q = q.bind(audit.actor_user_id);
                }
                q.execute(&mut *tx).await.map_err(StoreError::from_write)?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(issue_id))?;
                tx.commit().await?;
                Ok(())
            }

            async fn remove_party(
                &self,
                issue_id: i64,
                party: $crate::store::issues::Party,
                id: i64,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<()> {
                use $crate::store::StoreError;
                let (table, col) = party.table();
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(&format!("DELETE FROM {table} WHERE issue_id = $1 AND {col} = $2"))
                    .bind(issue_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(issue_id))?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_party(
                &self,
                issue_id: i64,
                party: $crate::store::issues::Party,
            ) -> $crate::store::StoreResult<Vec<$crate::store::issues::PartyRow>> {
                let (table, col) = party.table();
                let names = if party == $crate::store::issues::Party::Supporter { "organisations" } else { "users" };
                Ok(sqlx::query_as(&format!(
                    "SELECT n.id, n.name FROM {table} p JOIN {names} n ON n.id = p.{col} WHERE p.issue_id = $1 ORDER BY p.added_at, n.id"
                ))
                .bind(issue_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn list_parties(
                &self,
                issue_id: i64,
            ) -> $crate::store::StoreResult<$crate::store::issues::IssueParties> {
                let rows: Vec<(i64, i64, String, chrono::DateTime<chrono::Utc>)> = sqlx::query_as(
                    "SELECT CAST(0 AS BIGINT) AS list, n.id, n.name, p.added_at FROM issue_supporters p JOIN organisations n ON n.id = p.org_id WHERE p.issue_id = $1 \
                     UNION ALL SELECT CAST(1 AS BIGINT), n.id, n.name, p.added_at FROM issue_cosigners p JOIN users n ON n.id = p.user_id WHERE p.issue_id = $1 \
                     UNION ALL SELECT CAST(2 AS BIGINT), n.id, n.name, p.added_at FROM issue_watchers p JOIN users n ON n.id = p.user_id WHERE p.issue_id = $1 \
                     ORDER BY 1, 4, 2",
                )
                .bind(issue_id)
                .fetch_all(&self.pool)
                .await?;
                let mut parties = $crate::store::issues::IssueParties::default();
                for (list, id, name, _) in rows {
                    let row = $crate::store::issues::PartyRow { id, name };
                    match list {
                        0 => parties.supporters.push(row),
                        1 => parties.cosigners.push(row),
                        _ => parties.watchers.push(row),
                    }
                }
                Ok(parties)
            }

            async fn add_comment(
                &self,
                issue_id: i64,
                body: &str,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<i64> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO issue_comments (issue_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(issue_id)
                .bind(audit.actor_user_id)
                .bind(body)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                sqlx::query("UPDATE advocacy_issues SET updated_at = $1 WHERE id = $2")
                    .bind(audit.at)
                    .bind(issue_id)
                    .execute(&mut *tx)
                    .await?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(issue_id))?;
                tx.commit().await?;
                Ok(id)
            }

            async fn list_comments(&self, issue_id: i64) -> $crate::store::StoreResult<Vec<$crate::store::issues::CommentRow>> {
                Ok(sqlx::query_as(
                    "SELECT c.id, c.author_id, u.name AS author_name, c.body, c.created_at FROM issue_comments c \
                     JOIN users u ON u.id = c.author_id WHERE c.issue_id = $1 ORDER BY c.id",
                )
                .bind(issue_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn evidence_items(
                &self,
                issue_id: i64,
            ) -> $crate::store::StoreResult<Vec<(i64, $crate::domain::evidence::EvidenceItem)>> {
                use std::collections::HashMap;
                type Row = (i64, i64, i64, String, chrono::NaiveDate, i64, Option<i64>, Option<i64>, Option<String>, Option<String>, Option<String>);
                let rows: Vec<Row> = sqlx::query_as(
                    "SELECT f.id, f.org_id, f.recorded_by, f.locality_path, f.observed_on, f.people_affected, f.age_min, f.age_max, \
                     f.threshold_benefit, f.threshold_kind, f.threshold_value \
                     FROM issue_findings l JOIN findings f ON f.id = l.finding_id \
                     WHERE l.issue_id = $1 AND f.deleted_at IS NULL ORDER BY f.id",
                )
                .bind(issue_id)
                .fetch_all(&self.pool)
                .await?;
                let figures: Vec<(i64, String, f64, String)> = sqlx::query_as(
                    "SELECT g.finding_id, g.name, g.amount, g.unit FROM issue_findings l \
                     JOIN finding_figures g ON g.finding_id = l.finding_id \
                     WHERE l.issue_id = $1 ORDER BY g.finding_id, g.position",
                )
                .bind(issue_id)
                .fetch_all(&self.pool)
                .await?;
                let mut by_finding: HashMap<i64, Vec<(String, f64, String)>> = HashMap::new();
                for (id, name, amount, unit) in figures {
                    by_finding.entry(id).or_default().push((name, amount, unit));
                }
                Ok(rows
                    .into_iter()
                    .map(|(id, org_id, recorded_by, locality_path, observed_on, people_affected, age_min, age_max, b, k, v)| {
                        let item = $crate::domain::evidence::EvidenceItem {
                            org_id,
                            recorded_by,
                            locality_path,
                            observed_on,
                            people_affected,
                            age_min,
                            age_max,
                            threshold: k.map(|k| (b.unwrap_or_default(), k, v.unwrap_or_default())),
                            figures: by_finding.remove(&id).unwrap_or_default(),
                        };
                        (id, item)
                    })
                    .collect())
            }

            async fn issue_links(&self, issue_id: i64) -> $crate::store::StoreResult<Vec<$crate::store::issues::LinkRow>> {
                Ok(sqlx::query_as(
                    "SELECT l.finding_id, l.linked_by, u.name AS linker_name, l.linked_at FROM issue_findings l \
                     JOIN users u ON u.id = l.linked_by JOIN findings f ON f.id = l.finding_id \
                     WHERE l.issue_id = $1 AND f.deleted_at IS NULL ORDER BY l.linked_at, l.finding_id",
                )
                .bind(issue_id)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn issues_of_finding(&self, finding_id: i64) -> $crate::store::StoreResult<Vec<$crate::store::issues::IssueRow>> {
                Ok(sqlx::query_as(&format!(
                    "{} WHERE i.id IN (SELECT issue_id FROM issue_findings WHERE finding_id = $1) ORDER BY i.id",
                    $crate::store::issues::ISSUE_SELECT
                ))
                .bind(finding_id)
                .fetch_all(&self.pool)
                .await?)
            }
        }
    };
}
pub(crate) use impl_issue_store;
