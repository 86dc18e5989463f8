use serde::{Deserialize, Serialize};

use crate::{ConnectionId, TenantId};

/// A merchant, or one brand a 3PL serves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
}

/// The kinds of external system crossdock connects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionKind {
    Shopify,
    Woocommerce,
    Bigcommerce,
    Wms,
    Edi,
    Erp,
    Oms,
    Helpdesk,
    Carrier,
    Nats,
}

/// A configured link to one external system, owned by one tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    pub id: ConnectionId,
    pub kind: ConnectionKind,
    pub tenant: TenantId,
}
