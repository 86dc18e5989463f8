//! Simulators of the systems around crossdock, speaking their real wire formats.
//!
//! [`scenario`] turns a [`SimConfig`] into a lazy, seeded stream of [`Delivery`]
//! values: the exact bytes, path and headers a Shopify store, two WMS sites, an
//! ERP and a Zendesk helpdesk would send to crossdock, stamped with a virtual
//! time. Nothing here does I/O: `crossdock demo`, the tests and the load
//! generator decide how (and how fast) to send them.
//!
//! The stream opens with setup traffic (the ERP's item master, each
//! warehouse's starting stock, a few purchase orders and ASNs), then storefront
//! orders arrive at exponential gaps, and each one is carried through its life
//! by the other systems (updates, cancellations, warehouse steps, exceptions,
//! returns, "where is my order" tickets), interleaved by virtual time.
//!
//! Same seed, same bytes: every random choice comes from ChaCha8 streams
//! derived from the seed and consumed in a fixed order, and nothing reads the
//! clock, the environment or a time-zone database. Memory stays proportional
//! to the orders in flight, never to the number of orders generated.

mod address;
mod carrier;
mod catalog;
mod clock;
mod config;
mod customer;
mod erp;
mod helpdesk;
mod lifecycle;
mod names;
mod order;
mod random;
mod scenario;
mod shopify;
mod sign;
mod stock;
mod wms;

pub use catalog::catalog;
pub use config::{HelpdeskSite, ShopSite, SimConfig, WmsSite};
pub use scenario::{Scenario, scenario};

/// The system a delivery comes from; it decides the endpoint and the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum System {
    /// A Shopify store: `POST /webhooks/shopify/{connection}`.
    Storefront,
    /// A warehouse management system: `POST /webhooks/wms/{connection}`.
    Wms,
    /// The ERP, sending canonical events: `POST /v1/events`.
    Erp,
    /// A Zendesk-shaped helpdesk: `POST /webhooks/helpdesk/{connection}`.
    Helpdesk,
}

impl System {
    pub fn as_str(self) -> &'static str {
        match self {
            System::Storefront => "storefront",
            System::Wms => "wms",
            System::Erp => "erp",
            System::Helpdesk => "helpdesk",
        }
    }
}

/// One HTTP request a simulated system would make to crossdock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Virtual time the system sends it; the stream never goes back in time.
    pub at: jiff::Timestamp,
    pub system: System,
    /// Path on crossdock, e.g. `/webhooks/shopify/shop`.
    pub path: String,
    /// Content type, signatures and the sender's metadata headers, in the
    /// order the sender would write them. `Authorization` for `/v1/events` is
    /// left to the caller, which holds the API key.
    pub headers: Vec<(String, String)>,
    /// The exact bytes to POST; signatures are computed over these.
    pub body: Vec<u8>,
    /// One line for people watching the demo, e.g. `shopify orders/create #5001`.
    pub summary: String,
}

impl Delivery {
    /// The value of a header, matched case-insensitively as HTTP does.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}
