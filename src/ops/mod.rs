//! Operating a deployment: backups and restores, and moving the data between
//! databases (see docs/OPERATIONS.md).

pub mod backup;
pub mod copy;

pub use backup::{backup, migrate_data, restore};
