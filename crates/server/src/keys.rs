//! `/v1/keys`: API keys — created with a role and a scope, shown once,
//! stored as an argon2 hash, revocable, with their last use. Admins only.
//!
//! An admin whose own credential is scoped (to tenants, say) manages only
//! keys inside that scope: otherwise it could mint itself a key that reaches
//! every tenant.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::access::{self, Guard, Permission};
use crate::auth::{Role, Scope};
use crate::ingest::{parse_json, require_json};
use crate::routes::body;
use crate::{ApiError, App};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateKey {
    role: String,
    #[serde(default)]
    tenants: Option<Vec<String>>,
    #[serde(default)]
    clients: Option<Vec<String>>,
    #[serde(default)]
    regions: Option<Vec<String>>,
    #[serde(default)]
    nodes: Option<Vec<String>>,
    #[serde(default)]
    label: Option<String>,
}

/// `POST /v1/keys` → 201 with the token, shown this once.
pub async fn create(State(app): State<App>, headers: HeaderMap, bytes: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ManageKeys)?;
    require_json(&headers)?;
    let request: CreateKey = parse_json(&body(bytes)?)?;
    let role = Role::parse(&request.role).ok_or_else(|| {
        ApiError::invalid(
            "invalid_role",
            format!("`{}` is not a role; one of {}.", request.role, Role::names()),
        )
        .field("role")
    })?;
    let scope = Scope {
        tenants: request.tenants,
        clients: request.clients,
        regions: request.regions,
        nodes: request.nodes,
    };
    scope
        .check()
        .map_err(|(field, message)| ApiError::invalid("invalid_scope", message).field(field))?;
    for (i, t) in scope.tenants.iter().flatten().enumerate() {
        if !app.config.tenants.keys().any(|k| k.as_str() == t) {
            return Err(ApiError::not_found("tenant", t).field(format!("tenants[{i}]")));
        }
    }
    within(&who.scope, &scope)?;
    for (i, n) in scope.nodes.iter().flatten().enumerate() {
        if !app.config.nodes.keys().any(|k| k.as_str() == n) {
            return Err(ApiError::not_found("node", n).field(format!("nodes[{i}]")));
        }
    }
    // A client-scoped role without a client would see nothing useful, or everything.
    if role == Role::B2bClient && scope.clients.is_none() {
        return Err(ApiError::invalid(
            "clients_required",
            "A b2b_client key must name its accounts (`clients`), so it sees only their orders.",
        )
        .field("clients"));
    }
    // Hashing is deliberately slow: off the async threads.
    let new = tokio::task::spawn_blocking(crate::auth::keys::generate)
        .await
        .map_err(|_| ApiError::internal())?;
    let key = store::ApiKey {
        id: new.id.clone(),
        hash: new.hash,
        role: role.as_str().into(),
        scope: serde_json::to_value(&scope).unwrap_or_default(),
        label: request.label.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()),
        created_at: jiff::Timestamp::now(),
        created_by: who.label(),
        revoked_at: None,
        last_used_at: None,
    };
    app.store.create_api_key(key.clone()).await?;
    tracing::info!(key = %key.id, role = %key.role, by = %key.created_by, "API key created.");
    let mut value = serde_json::to_value(&key).unwrap_or_default();
    value["key"] = json!(new.token);
    Ok((StatusCode::CREATED, Json(value)).into_response())
}

/// `GET /v1/keys`
pub async fn list(State(app): State<App>, headers: HeaderMap) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ManageKeys)?;
    let store = app.store.clone();
    let mut items = tokio::task::spawn_blocking(move || store.api_keys())
        .await
        .map_err(|_| ApiError::internal())??;
    items.retain(|k| manages(&who.scope, k));
    Ok(Json(json!({"items": items, "next": null})).into_response())
}

/// `DELETE /v1/keys/{id}`: revokes at once (also in every cache).
pub async fn revoke(State(app): State<App>, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ManageKeys)?;
    // Out of the caller's scope is as unknown as a key that does not exist.
    let (store, lookup) = (app.store.clone(), id.clone());
    let existing = tokio::task::spawn_blocking(move || store.api_key(&lookup))
        .await
        .map_err(|_| ApiError::internal())??;
    if !existing.is_some_and(|k| manages(&who.scope, &k)) {
        return Err(ApiError::not_found("API key", &id));
    }
    let revoked = app
        .store
        .revoke_api_key(id.clone(), who.label())
        .await?
        .ok_or_else(|| ApiError::not_found("API key", &id))?;
    app.access.forget(&id);
    tracing::info!(key = %id, by = %who.label(), "API key revoked.");
    Ok(Json(json!({"id": revoked.id, "revoked_at": revoked.revoked_at})).into_response())
}

/// Checks that a new key's scope stays inside its creator's: every list the
/// creator is bound by must be given, and name only values on the creator's
/// list. A value outside is answered like an unknown one (404), so the
/// caller learns nothing about other tenants.
fn within(creator: &Scope, new: &Scope) -> Result<(), ApiError> {
    for (name, bound, asked) in lists(creator, new) {
        let Some(bound) = bound else { continue };
        let Some(asked) = asked else {
            return Err(ApiError::forbidden(format!(
                "Your access is limited to some {name}; a key you create must name its `{name}` (within yours: {}).",
                bound.join(", ")
            ))
            .field(name));
        };
        if let Some((i, outside)) = asked.iter().enumerate().find(|(_, v)| !bound.contains(v)) {
            let what = name.trim_end_matches('s');
            return Err(ApiError::not_found(what, outside).field(format!("{name}[{i}]")));
        }
    }
    Ok(())
}

/// Whether a caller with scope `manager` may see and revoke `key`: its scope
/// lies inside the manager's.
fn manages(manager: &Scope, key: &store::ApiKey) -> bool {
    serde_json::from_value::<Scope>(key.scope.clone()).is_ok_and(|scope| within(manager, &scope).is_ok())
}

/// One restriction list of a scope; `None` restricts nothing.
type List<'a> = Option<&'a Vec<String>>;

/// The four restriction lists of two scopes, side by side.
fn lists<'a>(a: &'a Scope, b: &'a Scope) -> [(&'static str, List<'a>, List<'a>); 4] {
    [
        ("tenants", a.tenants.as_ref(), b.tenants.as_ref()),
        ("clients", a.clients.as_ref(), b.clients.as_ref()),
        ("regions", a.regions.as_ref(), b.regions.as_ref()),
        ("nodes", a.nodes.as_ref(), b.nodes.as_ref()),
    ]
}
