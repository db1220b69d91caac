//! Documents (DOCX, PDF, spreadsheets) are built off the async threads, at most one per
//! core at a time. Building one is CPU work with a large transient buffer: sixteen
//! briefings at once took no less time than two at a time, but held 180 MB instead of
//! a few (measured with scripts/load.sh). The others wait their turn.

use std::sync::LazyLock;

use tokio::sync::Semaphore;

use crate::error::AppError;

static BUILDING: LazyLock<Semaphore> = LazyLock::new(|| {
    Semaphore::new(
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2),
    )
});

/// Runs `build` on the blocking pool once a core is free for it.
pub async fn build_document<T: Send + 'static>(
    build: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    let _turn = BUILDING
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    tokio::task::spawn_blocking(build)
        .await
        .map_err(|e| AppError::Internal(e.into()))
}
