//! Proposals: the formal suggestion an issue carries to departments, saved as numbered
//! versions (never overwritten).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AuditEvent, StoreResult};

/// The fields of a proposal, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProposalText {
    pub title: String,
    /// 案由: why this is raised.
    pub reason: String,
    /// Situation and background.
    pub background: String,
    pub analysis: String,
    /// Specific recommendations, one per line (numbered when shown).
    pub recommendations: String,
    pub cost: String,
    /// Linked findings quoted as vignettes in the briefing, in the order chosen.
    #[serde(default)]
    pub vignettes: Vec<i64>,
}

/// How many vignettes a proposal may quote: a briefing tells a few stories well.
pub const MAX_VIGNETTES: usize = 5;

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct ProposalVersion {
    pub id: i64,
    pub issue_id: i64,
    pub version: i64,
    pub title: String,
    pub reason: String,
    pub background: String,
    pub analysis: String,
    pub recommendations: String,
    pub cost: String,
    /// Comma-separated finding ids, shown in JSON as the list `vignettes`; see
    /// [`ProposalVersion::vignettes`].
    #[serde(rename = "vignettes", serialize_with = "ids_as_list")]
    #[schema(value_type = Vec<i64>)]
    pub vignette_ids: String,
    pub author_name: String,
    pub created_at: DateTime<Utc>,
}

fn ids_as_list<S: serde::Serializer>(ids: &str, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let list: Vec<i64> = ids
        .split(',')
        .filter_map(|i| i.trim().parse().ok())
        .collect();
    let mut seq = s.serialize_seq(Some(list.len()))?;
    for id in list {
        seq.serialize_element(&id)?;
    }
    seq.end()
}

impl ProposalVersion {
    pub fn text(&self) -> ProposalText {
        ProposalText {
            title: self.title.clone(),
            reason: self.reason.clone(),
            background: self.background.clone(),
            analysis: self.analysis.clone(),
            recommendations: self.recommendations.clone(),
            cost: self.cost.clone(),
            vignettes: self.vignettes(),
        }
    }

    /// The findings quoted as vignettes, in the order chosen.
    pub fn vignettes(&self) -> Vec<i64> {
        self.vignette_ids
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect()
    }

    /// The recommendations, one per non-empty line.
    pub fn recommendation_list(&self) -> Vec<&str> {
        self.recommendations
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    }
}

#[async_trait]
pub trait ProposalStore: Send + Sync {
    /// Saves a new version on top of `base` (the version the writer started from, 0 for
    /// none). `Conflict` if someone saved a newer version meanwhile; nothing is written.
    async fn save_proposal(
        &self,
        issue_id: i64,
        base: i64,
        text: &ProposalText,
        audit: &AuditEvent,
    ) -> StoreResult<i64>;
    /// Oldest first.
    async fn proposal_versions(&self, issue_id: i64) -> StoreResult<Vec<ProposalVersion>>;
    async fn proposal_version(&self, id: i64) -> StoreResult<Option<ProposalVersion>>;
}

pub(crate) const PROPOSAL_SELECT: &str = "SELECT p.id, p.issue_id, p.version, p.title, p.reason, p.background, p.analysis, \
     p.recommendations, p.cost, p.vignette_ids, u.name AS author_name, p.created_at FROM proposal_versions p JOIN users u ON u.id = p.author_id";

macro_rules! impl_proposal_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::proposals::ProposalStore for $store {
            async fn save_proposal(
                &self,
                issue_id: i64,
                base: i64,
                t: &$crate::store::proposals::ProposalText,
                audit: &$crate::store::AuditEvent,
            ) -> $crate::store::StoreResult<i64> {
                use $crate::store::StoreError;
                let mut tx = self.begin_write().await?;
                let (latest,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(version), 0) FROM proposal_versions WHERE issue_id = $1")
                    .bind(issue_id)
                    .fetch_one(&mut *tx)
                    .await?;
                if latest != base {
                    return Err(StoreError::Conflict);
                }
                // The unique (issue, version) index settles two saves racing from one base.
                let (version,): (i64,) = sqlx::query_as(
                    "INSERT INTO proposal_versions (issue_id, version, title, reason, background, analysis, recommendations, cost, vignette_ids, author_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING version",
                )
                .bind(issue_id)
                .bind(base + 1)
                .bind(&t.title)
                .bind(&t.reason)
                .bind(&t.background)
                .bind(&t.analysis)
                .bind(&t.recommendations)
                .bind(&t.cost)
                .bind(t.vignettes.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
                .bind(audit.actor_user_id)
                .bind(audit.at)
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                $crate::store::accounts::insert_audit!(&mut *tx, audit, Some(issue_id))?;
                tx.commit().await?;
                Ok(version)
            }

            async fn proposal_versions(&self, issue_id: i64) -> $crate::store::StoreResult<Vec<$crate::store::proposals::ProposalVersion>> {
                Ok(sqlx::query_as(&format!("{} WHERE p.issue_id = $1 ORDER BY p.version", $crate::store::proposals::PROPOSAL_SELECT))
                    .bind(issue_id)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn proposal_version(&self, id: i64) -> $crate::store::StoreResult<Option<$crate::store::proposals::ProposalVersion>> {
                Ok(sqlx::query_as(&format!("{} WHERE p.id = $1", $crate::store::proposals::PROPOSAL_SELECT))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }
        }
    };
}
pub(crate) use impl_proposal_store;
