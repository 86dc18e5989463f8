//! Who is calling, and what they may see: every `/v1` handler starts with
//! [`caller`] and [`Guard::require`], and filters what it returns by the
//! caller's scope (tenant, B2B client, region, node). Data outside the scope
//! answers 404 as if it did not exist, so a caller cannot probe for it.
//!
//! Authentication failures and first uses of a credential ("logins") are
//! audited; API keys record when they were last used.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode, header};
use model::TenantId;
use model::order::Order;
use parking_lot::Mutex;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::auth::{AuthError, Bearer, JwtVerifier, KeyCache, Role, Scope};
pub use crate::auth::{Permission, Principal};
use crate::{ApiError, App};

/// How often a key's `last_used_at` is written at most.
const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// Verified credentials remembered between requests.
pub struct Access {
    /// API keys that verified (argon2 runs once per key per TTL, not per request).
    keys: KeyCache,
    /// JWTs seen recently: a token's first use is its login.
    logins: KeyCache,
    jwt: Option<JwtVerifier>,
    touched: Mutex<HashMap<String, Instant>>,
    /// Argon2 is slow on purpose: one verification at a time, so a flood of
    /// wrong keys costs at most one core and never the request threads.
    /// (Keys that verified are cached and skip it.)
    verifying: tokio::sync::Semaphore,
}

impl Access {
    pub fn new(config: &crate::config::Config) -> Result<Access, String> {
        let jwt = match &config.auth.jwt {
            Some(c) => Some(JwtVerifier::new(c).map_err(|e| format!("auth.jwt: {e}"))?),
            None => None,
        };
        Ok(Access {
            keys: KeyCache::new(Duration::from_secs(300), 10_000),
            logins: KeyCache::new(Duration::from_secs(3600), 10_000),
            jwt,
            touched: Mutex::new(HashMap::new()),
            verifying: tokio::sync::Semaphore::new(1),
        })
    }

    /// Forgets a revoked key at once.
    pub fn forget(&self, id: &str) {
        self.keys.forget(id);
    }
}

/// The authenticated caller, or 401 (audited).
pub async fn caller(app: &App, headers: &HeaderMap) -> Result<Principal, ApiError> {
    let raw = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    match authenticate(app, raw).await {
        Ok(who) => Ok(who),
        Err((error, who)) => {
            metrics::counter!("crossdock_auth_failures_total").increment(1);
            // A request without credentials is not an attempt; a wrong one is.
            if error != AuthError::Missing {
                let store = app.store.clone();
                let entry = store::NewAudit {
                    tenant: None,
                    actor: who.unwrap_or_else(|| "anonymous".into()),
                    action: "auth.failed".into(),
                    subject: None,
                    detail: serde_json::json!({"code": error.code()}),
                    sources: Vec::new(),
                };
                tokio::spawn(async move {
                    if let Err(e) = store.audit(vec![entry]).await {
                        tracing::warn!(error = %e, "Could not audit an authentication failure.");
                    }
                });
            }
            Err(error.into())
        }
    }
}

/// Whether the request's `Authorization` carries a credential that may write
/// `tenant`'s events (an `integration` or `ops` key, the admin key): webhooks
/// accept one instead of the sender's signature. Not audited when it fails:
/// the signature is checked next.
pub async fn admits(app: &App, headers: &HeaderMap, tenant: &TenantId) -> bool {
    let raw = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    match authenticate(app, raw).await {
        Ok(who) => who.can(Permission::WriteEvents) && who.sees_tenant(tenant.as_str()),
        Err(_) => false,
    }
}

/// Who the credentials in `authorization` belong to; on failure, the reason
/// and whom they claimed to be.
async fn authenticate(app: &App, authorization: Option<&str>) -> Result<Principal, (AuthError, Option<String>)> {
    let access = &app.access;
    match crate::auth::bearer(authorization).map_err(|e| (e, None))? {
        Bearer::Opaque(token) => match &app.config.server.admin_key {
            Some(expected) if digest(token).ct_eq(&digest(expected.expose())).into() => Ok(Principal::admin()),
            _ => Err((AuthError::BadSignature, None)),
        },
        Bearer::ApiKey { id, token } => {
            let claimed = Some(format!("key:{id}"));
            let cached = access.keys.get(token).is_some_and(|k| k == id);
            let store = app.store.clone();
            let lookup = id.to_owned();
            let key = tokio::task::spawn_blocking(move || store.api_key(&lookup))
                .await
                .map_err(|_| (AuthError::UnknownKey, claimed.clone()))?
                .map_err(|_| (AuthError::UnknownKey, claimed.clone()))?
                .ok_or((AuthError::BadSignature, claimed.clone()))?;
            if key.revoked_at.is_some() {
                access.keys.forget(id);
                return Err((AuthError::Revoked, claimed));
            }
            if !cached {
                let (hash, presented) = (key.hash.clone(), token.to_owned());
                let permit = access
                    .verifying
                    .acquire()
                    .await
                    .map_err(|_| (AuthError::UnknownKey, claimed.clone()))?;
                let valid = tokio::task::spawn_blocking(move || crate::auth::keys::verify(&hash, &presented))
                    .await
                    .unwrap_or(false);
                drop(permit);
                if !valid {
                    return Err((AuthError::BadSignature, claimed));
                }
                access.keys.insert(token, id);
                login(app, &format!("key:{id}"), "api_key");
            }
            touch(app, id);
            let role = Role::parse(&key.role).ok_or_else(|| (AuthError::UnknownRole(key.role.clone()), claimed.clone()))?;
            let scope: Scope = serde_json::from_value(key.scope).unwrap_or_default();
            Ok(Principal::api_key(id, role, scope))
        }
        Bearer::Jwt(token) => {
            let verifier = access.jwt.as_ref().ok_or((AuthError::UnknownKey, None))?;
            let who = verifier.verify(token).map_err(|e| (e, None))?;
            if access.logins.get(token).is_none() {
                access.logins.insert(token, &who.subject);
                login(app, &who.label(), "jwt");
            }
            Ok(who)
        }
    }
}

fn digest(s: &str) -> [u8; 32] {
    Sha256::digest(s.as_bytes()).into()
}

/// Audits the first use of a credential.
fn login(app: &App, actor: &str, via: &str) {
    let store = app.store.clone();
    let entry = store::NewAudit {
        tenant: None,
        actor: actor.to_owned(),
        action: "auth.login".into(),
        subject: None,
        detail: serde_json::json!({"via": via}),
        sources: Vec::new(),
    };
    tokio::spawn(async move {
        if let Err(e) = store.audit(vec![entry]).await {
            tracing::warn!(error = %e, "Could not audit a login.");
        }
    });
}

/// Records a key's use, at most once a minute per key.
fn touch(app: &App, id: &str) {
    let now = Instant::now();
    {
        let mut touched = app.access.touched.lock();
        if touched.get(id).is_some_and(|t| now.duration_since(*t) < TOUCH_EVERY) {
            return;
        }
        touched.insert(id.to_owned(), now);
    }
    let store = app.store.clone();
    let used = vec![(id.to_owned(), jiff::Timestamp::now())];
    tokio::spawn(async move {
        if let Err(e) = store.touch_api_keys(used).await {
            tracing::warn!(error = %e, "Could not record an API key's last use.");
        }
    });
}

/// Permission checks on a principal, as API errors.
pub trait Guard {
    /// 403 unless the role grants `permission`.
    fn require(&self, permission: Permission) -> Result<(), ApiError>;
    /// The tenant a request is about: `?tenant=` (404 outside the scope) or
    /// the only tenant the caller can see.
    fn tenant(&self, app: &App, asked: Option<&str>) -> Result<TenantId, ApiError>;
    /// Whether the caller may see this order (tenant, client, node/region).
    fn sees_order(&self, app: &App, order: &Order) -> bool;
}

impl Guard for Principal {
    fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!(
                    "The role `{}` may not {}. Hint: ask an administrator for a key with a role that may.",
                    self.role.as_str(),
                    permission.as_str().replace('_', " ")
                ),
            ))
        }
    }

    fn tenant(&self, app: &App, asked: Option<&str>) -> Result<TenantId, ApiError> {
        match asked {
            Some(raw) => {
                let tenant = TenantId::parse(raw).map_err(|e| ApiError::from(e).field("tenant"))?;
                if app.config.tenants.contains_key(&tenant) && self.sees_tenant(tenant.as_str()) {
                    Ok(tenant)
                } else {
                    Err(ApiError::not_found("tenant", raw).field("tenant"))
                }
            }
            None => {
                let mut visible = app.config.tenants.keys().filter(|t| self.sees_tenant(t.as_str()));
                match (visible.next(), visible.next()) {
                    (Some(only), None) => Ok(only.clone()),
                    (None, _) => Err(ApiError::not_found("tenant", "(any)").field("tenant")),
                    (Some(_), Some(_)) => Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "tenant_required",
                        "Several tenants are configured: add `?tenant=`.",
                    )
                    .field("tenant")),
                }
            }
        }
    }

    fn sees_order(&self, app: &App, order: &Order) -> bool {
        if !self.sees_tenant(order.tenant.as_str()) || !self.sees_client(order.data.customer.account.as_deref()) {
            return false;
        }
        if self.scope.nodes.is_none() && self.scope.regions.is_none() {
            return true;
        }
        order.nodes.iter().any(|n| self.sees_node(n.as_str(), node_region(app, n)))
    }
}

/// A node's configured region.
pub fn node_region<'a>(app: &'a App, node: &model::NodeId) -> Option<&'a str> {
    app.config.nodes.get(node).and_then(|n| n.region.as_deref())
}

/// An order as the caller may see it: personal data masked without the PII permission.
pub fn order_view(who: &Principal, mut order: Order) -> Order {
    if !who.pii() {
        model::pii::mask_order(&mut order.data);
    }
    order
}

/// Masks emails and phone numbers in every string of a JSON value.
fn mask_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => *s = model::pii::mask_text(s),
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_json),
        serde_json::Value::Object(map) => map.values_mut().for_each(mask_json),
        _ => {}
    }
}

/// Whether the caller's scope reaches an action or an outbound message about
/// `subject` in `tenant`, whose payload may name the node it goes to (a
/// wave's `node`). A credential limited to clients reaches what concerns
/// their orders; one limited to regions or nodes, what goes to its nodes or,
/// when the payload names none, what concerns orders routed there.
pub fn reaches(app: &App, who: &Principal, tenant: &str, subject: &str, payload: Option<&serde_json::Value>) -> bool {
    if !who.sees_tenant(tenant) {
        return false;
    }
    let by_node = who.scope.nodes.is_some() || who.scope.regions.is_some();
    if who.scope.clients.is_none() && !by_node {
        return true;
    }
    let order = model::TenantId::parse(tenant)
        .ok()
        .and_then(|t| app.store.order(&t, subject).ok().flatten());
    if who.scope.clients.is_some() && !order.as_ref().is_some_and(|o| who.sees_client(o.data.customer.account.as_deref())) {
        return false;
    }
    if !by_node {
        return true;
    }
    let node = payload
        .and_then(|p| p.get("node"))
        .and_then(serde_json::Value::as_str)
        .and_then(|n| model::NodeId::parse(n).ok());
    match node {
        Some(node) => who.sees_node(node.as_str(), node_region(app, &node)),
        None => order.is_some_and(|o| who.sees_order(app, &o)),
    }
}

/// Masks personal data in JSON shown to a caller without `read_pii`: the
/// names, e-mails, phones and street lines of every object shaped like an
/// address or a customer (a carrier decision's label request carries the
/// ship-to, a ticket its requester), then e-mails and phones in any text
/// ([`mask_json`]). A `name` elsewhere (an item's, a node's) is kept.
pub fn mask_personal(value: &mut serde_json::Value) {
    use model::pii;
    use serde_json::Value;
    const PERSONAL: [&str; 5] = ["line1", "line2", "email", "phone", "postal_code"];
    match value {
        Value::Object(map) => {
            let person = PERSONAL.iter().any(|k| map.contains_key(*k));
            for (key, v) in map.iter_mut() {
                match (key.as_str(), v) {
                    ("name", Value::String(s)) if person => *s = pii::mask_name(s),
                    ("requester_name", Value::String(s)) => *s = pii::mask_name(s),
                    ("email" | "requester_email", Value::String(s)) => *s = pii::mask_email(s),
                    ("phone", Value::String(s)) => *s = pii::mask_phone(s),
                    ("line1" | "line2", Value::String(s)) => *s = pii::mask_street(s),
                    (_, v) => mask_personal(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_personal),
        other => mask_json(other),
    }
}
