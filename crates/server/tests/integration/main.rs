//! The HTTP API end to end: a real server on loopback, a real SQLite file.
//! One test binary for the crate (one link), one harness for every module.

mod api;
mod browser;
mod connectors;
mod copilot;
mod decisions;
mod governance;
mod outbox;
mod plan;
mod rbac;
mod reconcile;
mod reservations;
mod service_desk;
mod support;
