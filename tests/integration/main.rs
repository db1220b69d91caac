//! One integration-test binary: the store conformance suite, the web and API tests,
//! the command line and the real-browser suite.

mod accounts;
mod api;
mod authorization;
mod authz_world;
mod backup;
mod browser;
mod candidates;
mod cli;
mod common;
mod crash;
mod dashboards;
mod documents;
mod findings_api;
mod findings_import;
mod findings_store;
mod findings_web;
mod hostile;
mod inbox;
mod issue_files;
mod issues;
mod lifecycle;
mod limits;
mod proposals;
mod reports;
mod sessions;
mod store;
mod workload;
