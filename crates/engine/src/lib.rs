//! crossdock's decision logic. No I/O lives here: callers hand in values
//! (instances, positions) and get decisions back as values.
//!
//! Each module is one decision kind, made as a value with a confidence, an
//! explanation in plain words and the alternatives it considered:
//! [`triage`] (standard / flagged / exception), [`risk`] (a fraud model
//! trained on data), [`sourcing`] (nodes and quantities at the lowest cost),
//! [`carrier`] (rate shopping against learned transit times) and
//! [`release`] (waves within each node's labour).

pub mod carrier;
mod error;
pub mod governance;
pub mod release;
pub mod returns;
pub mod risk;
pub mod sourcing;
pub mod triage;

pub use error::Error;
