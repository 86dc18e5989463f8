//! The canonical model of crossdock: the types every other crate speaks.
//!
//! No I/O lives here. Wire formats of external systems are mapped onto these
//! types in `connectors`; storage of them lives in `store`.

mod error;
pub mod event;
mod fold;
pub mod ids;
pub mod inventory;
pub mod item;
pub mod node;
pub mod ops;
pub mod order;
pub mod outbound;
pub mod pii;
pub mod quantity;
pub mod shipment;
pub mod tenant;

pub use error::Error;
pub use event::{Event, EventBody, EventKind};
pub use ids::{ConnectionId, NodeId, OrderId, Sku, TenantId};
pub use quantity::{Money, Quantity};

/// Timestamps are UTC instants everywhere in the model.
pub type Timestamp = jiff::Timestamp;
