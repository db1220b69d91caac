//! Domain rules as plain Rust: no database, no HTTP. Each module is unit-tested on its own.

pub mod account;
pub mod attachment;
pub mod briefing;
pub mod evidence;
pub mod finding;
pub mod import;
pub mod lifecycle;
pub mod login_throttle;
pub mod markdown;
pub mod password;
pub mod pii;
#[cfg(test)]
mod properties;
pub mod recurrence;
pub mod report;
pub mod responses;
pub mod role;
pub mod search_text;
pub mod token;
pub mod workdays;
