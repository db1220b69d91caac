//! Figures computed once per version of the data they come from. Every change to the
//! tables behind a kind of data moves its version in the same transaction (triggers,
//! migration 0021), so a cached value is used only while its versions stand: exact on
//! every instance, and a request that finds them unchanged costs one tiny query
//! instead of scanning thousands of rows. Bounded: past [`CAPACITY`] entries the cache
//! starts afresh.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use crate::error::AppError;
use crate::store::DynStore;

tokio::task_local! {
    /// The data versions as this read-only request first read them.
    static REQUEST_VERSIONS: std::cell::RefCell<Option<Arc<Vec<(String, i64)>>>>;
}

/// Runs a request that changes nothing (GET, HEAD) so that all its cached values are
/// checked against one reading of the data versions, not one reading each: the same
/// snapshot a single reading at its start would give. A request that writes must
/// not, or it would take what it just changed for current.
pub async fn versions_read_once<F: Future>(request: F) -> F::Output {
    REQUEST_VERSIONS
        .scope(std::cell::RefCell::new(None), request)
        .await
}

async fn current_versions(store: &DynStore) -> Result<Arc<Vec<(String, i64)>>, AppError> {
    if let Ok(Some(seen)) = REQUEST_VERSIONS.try_with(|v| v.borrow().clone()) {
        return Ok(seen);
    }
    let read = Arc::new(store.data_versions().await?);
    let _ = REQUEST_VERSIONS.try_with(|v| *v.borrow_mut() = Some(read.clone()));
    Ok(read)
}

/// The most entries kept (views of dashboards by period and scope).
pub const CAPACITY: usize = 512;

struct Entry {
    versions: Vec<i64>,
    made: std::time::Instant,
    value: Arc<dyn Any + Send + Sync>,
}

#[derive(Default)]
pub struct Cache {
    entries: Mutex<HashMap<String, Entry>>,
    /// One computation per key at a time: the others wait for it instead of all
    /// computing the same figures at once (a page opened by many at the same moment).
    computing: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Cache {
    /// The value under `key` if it was computed at the current versions of `deps`
    /// (kinds of data: findings, issues, submissions, parameters, candidates,
    /// taxonomy); otherwise computes, keeps and returns it. The versions are read
    /// before computing, so a change made meanwhile leaves the value tagged old and the
    /// next request computes again.
    pub async fn get_or<T, F, Fut>(
        &self,
        store: &DynStore,
        key: String,
        deps: &[&str],
        compute: F,
    ) -> Result<Arc<T>, AppError>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        self.get_or_within(store, key, deps, std::time::Duration::ZERO, compute)
            .await
    }

    /// As [`Cache::get_or`], but a value computed less than `stale` ago is used even if
    /// its data has changed since: for what may lag the data by that much (the
    /// findings a new finding is compared with), so that a stream of saves does not
    /// make every page recompute it.
    pub async fn get_or_within<T, F, Fut>(
        &self,
        store: &DynStore,
        key: String,
        deps: &[&str],
        stale: std::time::Duration,
        compute: F,
    ) -> Result<Arc<T>, AppError>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let all = current_versions(store).await?;
        let versions: Vec<i64> = deps
            .iter()
            .map(|d| {
                all.iter()
                    .find(|(n, _)| n == d)
                    .map(|(_, v)| *v)
                    .unwrap_or(-1)
            })
            .collect();
        let hit = |cache: &Cache| {
            cache
                .entries
                .lock()
                .expect("cache lock")
                .get(&key)
                .filter(|e| e.versions == versions || e.made.elapsed() < stale)
                .and_then(|e| e.value.clone().downcast::<T>().ok())
        };
        if let Some(v) = hit(self) {
            return Ok(v);
        }
        let gate = self
            .computing
            .lock()
            .expect("cache lock")
            .entry(key.clone())
            .or_default()
            .clone();
        let _turn = gate.lock().await;
        // Someone may have computed it while this request waited its turn.
        if let Some(v) = hit(self) {
            return Ok(v);
        }
        let value = Arc::new(compute().await?);
        let mut entries = self.entries.lock().expect("cache lock");
        if entries.len() >= CAPACITY {
            entries.clear();
            self.computing.lock().expect("cache lock").clear();
        }
        entries.insert(
            key,
            Entry {
                versions,
                made: std::time::Instant::now(),
                value: value.clone(),
            },
        );
        Ok(value)
    }

    pub fn len(&self) -> usize {
        self.entries.lock().expect("cache lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
