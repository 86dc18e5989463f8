//! Roles, permissions, scopes and the authenticated principal of a request.

use serde::{Deserialize, Serialize};

/// What a caller is. Each credential (API key or JWT) carries exactly one role;
/// what the role may do is [`Role::allows`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including managing API keys.
    Admin,
    /// Runs the service day to day: everything but managing API keys.
    Ops,
    /// Plans and releases orders; sees no personal data.
    Planner,
    /// Customer service: looks orders up (with personal data) and reserves.
    ServiceRep,
    /// A B2B customer's own system or staff, normally scoped to its accounts.
    B2bClient,
    /// A machine integration (ERP, WMS, storefront) sending events.
    Integration,
    /// An automated agent (LLM or script) that reads and proposes plans.
    Agent,
}

impl Role {
    /// Every role, in declaration order.
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Ops,
        Role::Planner,
        Role::ServiceRep,
        Role::B2bClient,
        Role::Integration,
        Role::Agent,
    ];

    /// The wire name (`"service_rep"`), as in JSON and JWT claims.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Ops => "ops",
            Role::Planner => "planner",
            Role::ServiceRep => "service_rep",
            Role::B2bClient => "b2b_client",
            Role::Integration => "integration",
            Role::Agent => "agent",
        }
    }

    /// The role of a wire name; `None` for anything else (names are exact,
    /// lowercase).
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// The wire names of all roles, comma-separated, for error messages.
    pub fn names() -> String {
        Role::ALL.map(Role::as_str).join(", ")
    }

    /// Whether this role grants `permission`. This match is the one and only
    /// role table; it reads:
    ///
    /// | permission          | admin | ops | planner | service_rep | b2b_client | integration | agent |
    /// |---------------------|:-----:|:---:|:-------:|:-----------:|:----------:|:-----------:|:-----:|
    /// | `read_orders`       |   ✓   |  ✓  |    ✓    |      ✓      |     ✓      |      ✓      |   ✓   |
    /// | `read_pii`          |   ✓   |  ✓  |         |      ✓      |     ✓      |             |       |
    /// | `read_inventory`    |   ✓   |  ✓  |    ✓    |      ✓      |     ✓      |      ✓      |   ✓   |
    /// | `write_events`      |   ✓   |  ✓  |         |             |            |      ✓      |       |
    /// | `reserve`           |   ✓   |  ✓  |         |      ✓      |            |      ✓      |       |
    /// | `plan`              |   ✓   |  ✓  |    ✓    |             |            |             |   ✓   |
    /// | `release`           |   ✓   |  ✓  |    ✓    |             |            |             |       |
    /// | `read_decisions`    |   ✓   |  ✓  |    ✓    |      ✓      |            |             |   ✓   |
    /// | `read_reviews`      |   ✓   |  ✓  |    ✓    |             |            |             |       |
    /// | `decide_reviews`    |   ✓   |  ✓  |    ✓    |             |            |             |       |
    /// | `set_autonomy`      |   ✓   |  ✓  |         |             |            |             |       |
    /// | `inventory_hold`    |   ✓   |  ✓  |         |             |            |             |       |
    /// | `read_outbox`       |   ✓   |  ✓  |    ✓    |             |            |      ✓      |       |
    /// | `replay_outbox`     |   ✓   |  ✓  |         |             |            |             |       |
    /// | `read_connections`  |   ✓   |  ✓  |    ✓    |             |            |             |       |
    /// | `check_connections` |   ✓   |  ✓  |         |             |            |             |       |
    /// | `reconcile`         |   ✓   |  ✓  |         |             |            |             |       |
    /// | `read_audit`        |   ✓   |  ✓  |    ✓    |             |            |             |       |
    /// | `verify_audit`      |   ✓   |  ✓  |         |             |            |             |       |
    /// | `manage_keys`       |   ✓   |     |         |             |            |             |       |
    /// | `export_data`       |   ✓   |  ✓  |    ✓    |             |            |             |       |
    /// | `ask`               |   ✓   |  ✓  |    ✓    |      ✓      |     ✓      |             |   ✓   |
    /// | `create_returns`    |   ✓   |  ✓  |         |      ✓      |     ✓      |             |       |
    ///
    /// Personal data (`read_pii`) goes only to roles that talk to the
    /// customer; machine and planning roles work on masked orders.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Ops => permission != ManageKeys,
            Role::Planner => matches!(
                permission,
                ReadOrders
                    | ReadInventory
                    | Plan
                    | Release
                    | ReadDecisions
                    | ReadReviews
                    | DecideReviews
                    | ReadOutbox
                    | ReadConnections
                    | ReadAudit
                    | ExportData
                    | Ask
            ),
            Role::ServiceRep => matches!(
                permission,
                ReadOrders | ReadPii | ReadInventory | ReadDecisions | Reserve | Ask | CreateReturns
            ),
            Role::B2bClient => matches!(permission, ReadOrders | ReadPii | ReadInventory | Ask | CreateReturns),
            Role::Integration => matches!(permission, WriteEvents | Reserve | ReadOrders | ReadInventory | ReadOutbox),
            Role::Agent => matches!(permission, ReadOrders | ReadInventory | ReadDecisions | Plan | Ask),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing an endpoint needs. Handlers ask [`Principal::can`]; which role
/// grants what is [`Role::allows`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Orders, shipments, returns (personal data masked unless `read_pii`).
    ReadOrders,
    /// Names, addresses, e-mails and phone numbers in orders.
    ReadPii,
    /// Inventory and ATP.
    ReadInventory,
    /// `POST /v1/events` and the webhooks.
    WriteEvents,
    /// Create and cancel reservations.
    Reserve,
    /// Sourcing plans.
    Plan,
    /// Release orders to warehouses.
    Release,
    /// Decisions with their explanations.
    ReadDecisions,
    /// The review queue.
    ReadReviews,
    /// Approve or reject reviews.
    DecideReviews,
    /// Change autonomy modes and thresholds.
    SetAutonomy,
    /// Put inventory on hold or release a hold.
    InventoryHold,
    /// Outbound messages and dead letters.
    ReadOutbox,
    /// Send dead letters again.
    ReplayOutbox,
    /// Connections and their health.
    ReadConnections,
    /// Run a connection healthcheck.
    CheckConnections,
    /// Start a reconciliation.
    Reconcile,
    /// The audit log.
    ReadAudit,
    /// Verify the audit chain.
    VerifyAudit,
    /// Create, list and revoke API keys.
    ManageKeys,
    /// Bulk exports.
    ExportData,
    /// Natural-language questions.
    Ask,
    /// Start returns (RMAs) on orders in scope.
    CreateReturns,
}

impl Permission {
    /// Every permission, in declaration order.
    pub const ALL: [Permission; 23] = [
        Permission::ReadOrders,
        Permission::ReadPii,
        Permission::ReadInventory,
        Permission::WriteEvents,
        Permission::Reserve,
        Permission::Plan,
        Permission::Release,
        Permission::ReadDecisions,
        Permission::ReadReviews,
        Permission::DecideReviews,
        Permission::SetAutonomy,
        Permission::InventoryHold,
        Permission::ReadOutbox,
        Permission::ReplayOutbox,
        Permission::ReadConnections,
        Permission::CheckConnections,
        Permission::Reconcile,
        Permission::ReadAudit,
        Permission::VerifyAudit,
        Permission::ManageKeys,
        Permission::ExportData,
        Permission::Ask,
        Permission::CreateReturns,
    ];

    /// The wire name (`"read_pii"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ReadOrders => "read_orders",
            Permission::ReadPii => "read_pii",
            Permission::ReadInventory => "read_inventory",
            Permission::WriteEvents => "write_events",
            Permission::Reserve => "reserve",
            Permission::Plan => "plan",
            Permission::Release => "release",
            Permission::ReadDecisions => "read_decisions",
            Permission::ReadReviews => "read_reviews",
            Permission::DecideReviews => "decide_reviews",
            Permission::SetAutonomy => "set_autonomy",
            Permission::InventoryHold => "inventory_hold",
            Permission::ReadOutbox => "read_outbox",
            Permission::ReplayOutbox => "replay_outbox",
            Permission::ReadConnections => "read_connections",
            Permission::CheckConnections => "check_connections",
            Permission::Reconcile => "reconcile",
            Permission::ReadAudit => "read_audit",
            Permission::VerifyAudit => "verify_audit",
            Permission::ManageKeys => "manage_keys",
            Permission::ExportData => "export_data",
            Permission::Ask => "ask",
            Permission::CreateReturns => "create_returns",
        }
    }
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which data a credential reaches. Each list that is set restricts; `None`
/// is unrestricted. The default is unrestricted everywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// Tenant ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenants: Option<Vec<String>>,
    /// B2B customer accounts (`order.data.customer.account`). Orders without
    /// an account are invisible to a client-scoped credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clients: Option<Vec<String>>,
    /// Node regions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Vec<String>>,
    /// Node ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes: Option<Vec<String>>,
}

impl Scope {
    /// Whether no list restricts anything.
    pub fn is_unrestricted(&self) -> bool {
        self.tenants.is_none() && self.clients.is_none() && self.regions.is_none() && self.nodes.is_none()
    }

    /// Checks a scope given by a user (key creation): a list that is set must
    /// name something, with no blank entries. Errors are `(field, message)`,
    /// the field like `clients[1]`.
    pub fn check(&self) -> Result<(), (String, String)> {
        for (name, list) in self.lists() {
            let Some(list) = list else { continue };
            if list.is_empty() {
                return Err((
                    name.to_owned(),
                    format!("an empty `{name}` list would reach nothing; leave `{name}` out for no restriction"),
                ));
            }
            if let Some(i) = list.iter().position(|v| v.trim().is_empty()) {
                return Err((format!("{name}[{i}]"), "must not be blank".to_owned()));
            }
        }
        Ok(())
    }

    fn lists(&self) -> [(&'static str, Option<&Vec<String>>); 4] {
        [
            ("tenants", self.tenants.as_ref()),
            ("clients", self.clients.as_ref()),
            ("regions", self.regions.as_ref()),
            ("nodes", self.nodes.as_ref()),
        ]
    }
}

/// `value` passes a restriction list when there is no list or it is on it.
fn passes(list: Option<&Vec<String>>, value: Option<&str>) -> bool {
    match list {
        None => true,
        Some(list) => value.is_some_and(|v| list.iter().any(|l| l == v)),
    }
}

/// How the caller proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// The bootstrap `server.admin_key`.
    AdminKey,
    /// A stored API key.
    ApiKey { id: String },
    /// A bearer JWT (OAuth2 client credentials), with its `iss`.
    Jwt { issuer: Option<String> },
}

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Who: `admin`, `key:<id>`, or the JWT's `sub`.
    pub subject: String,
    pub via: Via,
    pub role: Role,
    pub scope: Scope,
}

impl Principal {
    /// The holder of the bootstrap admin key: every permission, no scope.
    pub fn admin() -> Principal {
        Principal {
            subject: "admin".to_owned(),
            via: Via::AdminKey,
            role: Role::Admin,
            scope: Scope::default(),
        }
    }

    /// The holder of the stored API key `id`.
    pub fn api_key(id: &str, role: Role, scope: Scope) -> Principal {
        Principal {
            subject: format!("key:{id}"),
            via: Via::ApiKey { id: id.to_owned() },
            role,
            scope,
        }
    }

    /// Whether the role grants `permission`.
    pub fn can(&self, permission: Permission) -> bool {
        self.role.allows(permission)
    }

    /// Whether personal data may be shown unmasked.
    pub fn pii(&self) -> bool {
        self.can(Permission::ReadPii)
    }

    /// Whether data of `tenant` is visible.
    pub fn sees_tenant(&self, tenant: &str) -> bool {
        passes(self.scope.tenants.as_ref(), Some(tenant))
    }

    /// Whether an order of B2B account `account` is visible. An order without
    /// an account is not visible to a client-scoped principal: it belongs to
    /// no client, so to none of this one's.
    pub fn sees_client(&self, account: Option<&str>) -> bool {
        passes(self.scope.clients.as_ref(), account)
    }

    /// Whether data of `node` (in `region`, when it has one) is visible. The
    /// node list and the region list both apply when set; a node without a
    /// region fails a region restriction.
    pub fn sees_node(&self, node: &str, region: Option<&str>) -> bool {
        passes(self.scope.nodes.as_ref(), Some(node)) && passes(self.scope.regions.as_ref(), region)
    }

    /// Who acted, for the audit log: `admin`, `key:<id>` or `jwt:<sub>`.
    pub fn label(&self) -> String {
        match &self.via {
            Via::AdminKey => "admin".to_owned(),
            Via::ApiKey { id } => format!("key:{id}"),
            Via::Jwt { .. } => format!("jwt:{}", self.subject),
        }
    }
}
