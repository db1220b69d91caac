//! Groundswell: from casework findings to evidence-backed policy advocacy.
//! See ARCHITECTURE.md for the map of this crate.

pub mod api;
pub mod app;
pub mod background;
pub mod bench;
pub mod cli;
pub mod config;
pub mod documents;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod notify;
pub mod ops;
pub mod seed;
pub mod store;
pub mod web;
