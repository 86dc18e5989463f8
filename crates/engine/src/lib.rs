//! crossdock's decision logic. No I/O lives here: callers hand in values
//! (instances, positions) and get decisions back as values.
//!
//! Today: [`sourcing`], which picks the nodes and quantities that ship an
//! order at the lowest cost under stock, capability, capacity and rule
//! constraints, with a confidence, an explanation and alternatives.

mod error;
pub mod sourcing;
pub mod triage;

pub use error::Error;
