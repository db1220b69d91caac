//! Work that runs beside the requests: the recurring-gap pass. Several instances may
//! share one database; a lease in the database lets one of them run each pass.

use std::time::Duration;

use chrono::Utc;

use crate::domain::recurrence::{self, Candidate, Settings};
use crate::store::DynStore;

/// What one pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassOutcome {
    pub findings: usize,
    pub candidates: usize,
    pub shown: usize,
}

/// True when every finding of the candidate is in one dismissal: it stays hidden until
/// a new finding joins it.
pub fn is_dismissed(candidate: &Candidate, dismissals: &[Vec<i64>]) -> bool {
    dismissals.iter().any(|d| {
        candidate
            .finding_ids
            .iter()
            .all(|id| d.binary_search(id).is_ok())
    })
}

/// Reads the unlinked findings, groups them (on a blocking thread: it is CPU work) and
/// replaces the candidates in one transaction.
pub async fn run_recurrence_pass(store: &DynStore) -> anyhow::Result<PassOutcome> {
    let started = Utc::now();
    let docs = store.recurrence_docs().await?;
    let read = docs.len();
    let found =
        tokio::task::spawn_blocking(move || recurrence::candidates(&docs, &Settings::default()))
            .await?;
    let mut dismissals = store.list_dismissals().await?;
    dismissals.iter_mut().for_each(|d| d.sort_unstable());
    let hidden: Vec<bool> = found.iter().map(|c| is_dismissed(c, &dismissals)).collect();
    store
        .replace_candidates(&found, &hidden, started, read as i64)
        .await?;
    Ok(PassOutcome {
        findings: read,
        candidates: found.len(),
        shown: hidden.iter().filter(|h| !**h).count(),
    })
}

/// Runs the pass every `every` while the process lives, on whichever instance holds
/// the lease.
pub fn spawn_recurrence(store: DynStore, every: Duration) {
    let holder = format!("{}-{}", std::process::id(), rand::random::<u32>());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = Utc::now();
            let until = now + chrono::Duration::from_std(every).unwrap_or_default();
            match store.claim_lease("recurrence", &holder, now, until).await {
                Ok(true) => match run_recurrence_pass(&store).await {
                    Ok(o) => tracing::info!(
                        findings = o.findings,
                        candidates = o.candidates,
                        "recurring-gap pass finished"
                    ),
                    Err(e) => tracing::warn!(error = %e, "recurring-gap pass failed"),
                },
                Ok(false) => tracing::debug!("another instance runs the recurring-gap pass"),
                Err(e) => tracing::warn!(error = %e, "could not claim the recurring-gap lease"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(ids: &[i64]) -> Candidate {
        Candidate {
            finding_ids: ids.to_vec(),
            area_id: 1,
            workers: 2,
            organisations: 1,
            shared_terms: vec![],
            threshold: None,
            benefits: vec![],
            failure_mode: None,
            cohesion: 0.5,
        }
    }

    #[test]
    fn a_dismissal_holds_until_a_new_finding_joins() {
        let dismissals = vec![vec![1, 2, 3]];
        assert!(is_dismissed(&cand(&[1, 2, 3]), &dismissals));
        assert!(
            is_dismissed(&cand(&[1, 3]), &dismissals),
            "one left the group"
        );
        assert!(!is_dismissed(&cand(&[1, 2, 3, 4]), &dismissals), "4 joined");
    }
}
