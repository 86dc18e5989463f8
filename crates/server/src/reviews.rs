//! The review queue (`/v1/reviews`) and autonomy settings (`/v1/autonomy`).
//!
//! A review item is an action the gateway held for a person: the decision
//! behind it, its explanation and alternatives, the data it used, its age
//! against the review SLA. Approval runs the action through the gateway's
//! policies once more, with the reviewer's role, then sends it through the
//! outbox exactly once; rejection records why.

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use engine::governance::{Autonomy, Mode, Proposal, Verdict, Workflow};
use model::outbound::Message;
use serde::Deserialize;
use serde_json::json;
use store::{ActionFilter, ActionRecord, ActionStatus, NewMessage, ReviewDecision};

use crate::access::{self, Guard, Permission, Principal};
use crate::ingest::{parse_json, require_json};
use crate::routes::{body, page_params, unknown_params};
use crate::{ApiError, App};

/// `GET /v1/reviews?status=review&workflow=&tenant=&assignee=&older_than=&subject=&cursor=&limit=`
pub async fn list(State(app): State<App>, headers: HeaderMap, Query(params): Query<HashMap<String, String>>) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReadReviews)?;
    unknown_params(
        &params,
        &[
            "status",
            "workflow",
            "tenant",
            "assignee",
            "older_than",
            "subject",
            "cursor",
            "limit",
        ],
    )?;
    let (after, limit) = page_params(&params, 50, 500)?;
    let status = match params.get("status").map(String::as_str) {
        None => Some(ActionStatus::Review),
        Some("all") => None,
        Some(raw) => Some(ActionStatus::parse(raw).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_status",
                format!("`{raw}` is not a status; one of review, executed, shadow, blocked, rejected, all."),
            )
            .field("status")
        })?),
    };
    let workflow = params.get("workflow").map(|w| workflow(w)).transpose()?;
    let tenants = match params.get("tenant") {
        Some(t) => Some(vec![who.tenant(&app, Some(t))?.to_string()]),
        None => who.scope.tenants.clone(),
    };
    let created_before = match params.get("older_than") {
        None => None,
        Some(raw) => {
            let age = crate::config::Span::parse(raw)
                .map(|s| s.0)
                .map_err(|m| ApiError::new(StatusCode::BAD_REQUEST, "invalid_duration", format!("older_than: {m}")).field("older_than"))?;
            Some(jiff::Timestamp::now() - jiff::SignedDuration::try_from(age).unwrap_or_default())
        }
    };
    let filter = ActionFilter {
        tenants,
        status,
        workflow: workflow.map(|w| w.as_str().to_owned()),
        subject: params.get("subject").cloned(),
        assignee: params.get("assignee").cloned(),
        created_before,
        after,
        limit: limit + 1,
    };
    let store = app.store.clone();
    let mut items = tokio::task::spawn_blocking(move || store.actions(&filter))
        .await
        .map_err(|_| ApiError::internal())??;
    let next = (items.len() > limit).then(|| items[limit - 1].id.to_string());
    items.truncate(limit);
    // Out of scope items are left out (the cursor still walks the whole list).
    let items: Vec<_> = items
        .into_iter()
        .filter(|a| access::reaches(&app, &who, &a.tenant, &a.subject, a.payload.as_ref()))
        .map(|a| view(&app, &who, a))
        .collect();
    Ok(Json(json!({"items": items, "next": next})).into_response())
}

/// `GET /v1/reviews/{id}`
pub async fn get_one(State(app): State<App>, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReadReviews)?;
    let item = visible(&app, &who, &id).await?;
    Ok(Json(view(&app, &who, item)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    /// Why: kept in the audit trail.
    reason: String,
    /// An edited message to send instead (approval only).
    #[serde(default)]
    payload: Option<serde_json::Value>,
}

/// `POST /v1/reviews/{id}/approve`
pub async fn approve(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    decide(app, headers, id, bytes, true).await
}

/// `POST /v1/reviews/{id}/reject`
pub async fn reject(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    decide(app, headers, id, bytes, false).await
}

async fn decide(
    app: App,
    headers: HeaderMap,
    id: String,
    bytes: Result<Bytes, BytesRejection>,
    approve: bool,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::DecideReviews)?;
    require_json(&headers)?;
    let answer: Answer = parse_json(&body(bytes)?)?;
    if answer.reason.trim().is_empty() {
        return Err(ApiError::invalid("reason_required", "Say why, in a few words: it is kept in the audit trail.").field("reason"));
    }
    let item = visible(&app, &who, &id).await?;
    if item.status != ActionStatus::Review {
        return Err(ApiError::from(store::Error::ActionDecided(item.id, item.status.as_str().into())));
    }
    let override_message = match (&answer.payload, approve) {
        (None, _) => None,
        (Some(_), false) => {
            return Err(ApiError::invalid("payload_on_reject", "Only an approval can carry an edited payload.").field("payload"));
        }
        (Some(payload), true) => Some(edited(&app, &item, payload)?),
    };
    let mut blocked_by = None;
    if approve {
        // The policies look again, with the reviewer as the one who acts.
        let order_status = order_status(&app, &item).await;
        let workflow = Workflow::parse(&item.workflow).unwrap_or(Workflow::Release);
        let proposal = Proposal {
            workflow,
            action: &item.kind,
            confidence: item.confidence,
            cost_impact: item.cost_impact,
            amount: None,
            order_status: order_status.as_deref(),
            role: Some(who.role.as_str()),
            local_now: None,
        };
        let gated = engine::governance::gate(&Autonomy::default(), &app.config.governance.policies, &proposal);
        if let Verdict::Block { policy, reason } = &gated.verdict {
            let by_role = app
                .config
                .governance
                .policies
                .iter()
                .any(|p| &p.name == policy && matches!(p.rule, engine::governance::Rule::Roles { .. }));
            if by_role {
                // Not this person's call: the item stays for someone who may.
                app.store
                    .audit(vec![store::NewAudit {
                        tenant: Some(item.tenant.clone()),
                        actor: who.label(),
                        action: "policy.blocked".into(),
                        subject: Some(item.subject.clone()),
                        detail: json!({"policy": policy, "reason": reason, "review": item.id}),
                        sources: vec![format!("action:{}", item.id)],
                    }])
                    .await?;
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "policy_blocked",
                    format!(
                        "Policy `{policy}` does not let the role `{}` approve this: {reason}",
                        who.role.as_str()
                    ),
                ));
            }
            blocked_by = Some(json!({"policy": policy, "reason": reason}));
        }
    }
    let decided = app
        .store
        .decide_review(ReviewDecision {
            id: item.id,
            approve,
            by: who.label(),
            reason: answer.reason.trim().to_owned(),
            override_message,
            blocked_by: blocked_by.clone(),
        })
        .await?;
    if let Some(block) = blocked_by {
        let mut err = ApiError::new(
            StatusCode::CONFLICT,
            "policy_blocked",
            format!(
                "Policy `{}` blocks this action now: {}. It is recorded as blocked.",
                block["policy"].as_str().unwrap_or_default(),
                block["reason"].as_str().unwrap_or_default()
            ),
        );
        err.details = Some(json!({"review": view(&app, &who, decided)}));
        return Err(err);
    }
    Ok(Json(view(&app, &who, decided)).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Assign {
    assignee: Option<String>,
}

/// `POST /v1/reviews/{id}/assign` `{"assignee": "key:…" | null}`
pub async fn assign(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::DecideReviews)?;
    require_json(&headers)?;
    let request: Assign = parse_json(&body(bytes)?)?;
    let item = visible(&app, &who, &id).await?;
    let assignee = request.assignee.map(|a| a.trim().to_owned()).filter(|a| !a.is_empty());
    let updated = app.store.assign_review(item.id, assignee, who.label()).await?;
    Ok(Json(view(&app, &who, updated)).into_response())
}

/// The item, if it exists and the caller's scope reaches it (404 otherwise).
async fn visible(app: &App, who: &Principal, raw: &str) -> Result<ActionRecord, ApiError> {
    let id: u64 = raw
        .parse()
        .map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "invalid_id", format!("`{raw}` is not a review item id.")).field("id"))?;
    let store = app.store.clone();
    let item = tokio::task::spawn_blocking(move || store.action(id))
        .await
        .map_err(|_| ApiError::internal())??;
    match item {
        Some(item) if access::reaches(app, who, &item.tenant, &item.subject, item.payload.as_ref()) => Ok(item),
        _ => Err(ApiError::not_found("review item", raw)),
    }
}

/// The reviewer's edited payload as a message of the same kind, checked by
/// the target connection's own validation.
fn edited(app: &App, item: &ActionRecord, payload: &serde_json::Value) -> Result<Message, ApiError> {
    let (Some(kind), Some(connection)) = (&item.message_kind, &item.connection) else {
        return Err(
            ApiError::invalid("nothing_to_edit", "This action has no message to edit (no connection can take it).").field("payload"),
        );
    };
    let message = Message::from_parts(kind, payload).map_err(|e| ApiError::from(e).field("payload"))?;
    let check = NewMessage {
        tenant: item.tenant.clone(),
        connection: connection.clone(),
        subject: item.subject.clone(),
        message: message.clone(),
        idempotency_key: item.idempotency_key.clone(),
        not_before: None,
    };
    crate::gateway::validate_payload(app, &check).map_err(|reason| {
        ApiError::invalid(
            "invalid_payload",
            format!("The edited message does not pass `{connection}`'s validation: {reason}"),
        )
        .field("payload")
    })?;
    Ok(message)
}

async fn order_status(app: &App, item: &ActionRecord) -> Option<String> {
    let tenant = model::TenantId::parse(&item.tenant).ok()?;
    let (store, subject) = (app.store.clone(), item.subject.clone());
    let order = tokio::task::spawn_blocking(move || store.order(&tenant, &subject))
        .await
        .ok()?
        .ok()??;
    Some(order.status.as_str().to_owned())
}

/// A review item as the API shows it: with its age against the SLA.
fn view(app: &App, who: &Principal, item: ActionRecord) -> serde_json::Value {
    let now = jiff::Timestamp::now();
    let age = (now - item.created_at).get_seconds().max(0);
    let sla = app.config.governance.review_sla.0.as_secs() as i64;
    let waiting = item.status == ActionStatus::Review;
    let mut value = serde_json::to_value(&item).unwrap_or_default();
    value["age_seconds"] = json!(age);
    value["sla"] = json!({
        "due_at": item.created_at + jiff::SignedDuration::from_secs(sla),
        "overdue": waiting && age > sla,
    });
    value["inputs"] = inputs_used(app, &item);
    if !who.pii() {
        access::mask_personal(&mut value["payload"]);
        access::mask_personal(&mut value["decision"]);
        access::mask_personal(&mut value["inputs"]);
    }
    value
}

/// The data the decisions behind an action used: each linked decision's key
/// inputs and their digest, read from the decision records (not copied into
/// every action).
fn inputs_used(app: &App, item: &ActionRecord) -> serde_json::Value {
    let ids: Vec<u64> = item.decision["ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_u64)
        .collect();
    let Some(tenant) = (!ids.is_empty()).then(|| model::TenantId::parse(&item.tenant).ok()).flatten() else {
        return json!([]);
    };
    let recorded = app
        .store
        .decisions(&tenant, Some(&item.subject), None, ids[0].saturating_sub(1), 100)
        .unwrap_or_default();
    recorded
        .into_iter()
        .filter(|d| ids.contains(&d.id))
        .map(|d| json!({"decision": d.id, "kind": d.kind, "inputs_digest": d.inputs_digest, "inputs": d.inputs}))
        .collect()
}

fn workflow(raw: &str) -> Result<Workflow, ApiError> {
    Workflow::parse(raw).ok_or_else(|| {
        let known: Vec<&str> = Workflow::ALL.iter().map(|w| w.as_str()).collect();
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_workflow",
            format!("`{raw}` is not a workflow; one of {}.", known.join(", ")),
        )
        .field("workflow")
    })
}

/// `GET /v1/autonomy?tenant=`: the autonomy in force per workflow and where it comes from.
pub async fn get_autonomy(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReadReviews)?;
    unknown_params(&params, &["tenant"])?;
    let tenant = who.tenant(&app, params.get("tenant").map(String::as_str))?;
    let items: Vec<_> = Workflow::ALL
        .iter()
        .map(|w| {
            let (autonomy, source) = app.gateway.autonomy(&app.config, &tenant, *w);
            json!({"workflow": w.as_str(), "mode": autonomy.mode, "min_confidence": autonomy.min_confidence,
                   "max_cost": autonomy.max_cost, "source": source})
        })
        .collect();
    Ok(Json(json!({"tenant": tenant, "items": items, "next": null})).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetAutonomy {
    #[serde(default)]
    tenant: Option<String>,
    mode: String,
    #[serde(default)]
    min_confidence: Option<f64>,
    #[serde(default)]
    max_cost: Option<f64>,
}

/// `PUT /v1/autonomy/{workflow}` `{"tenant"?, "mode", "min_confidence"?, "max_cost"?}`: audited.
pub async fn put_autonomy(
    State(app): State<App>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    bytes: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::SetAutonomy)?;
    let workflow = workflow(&raw)?;
    require_json(&headers)?;
    let request: SetAutonomy = parse_json(&body(bytes)?)?;
    let tenant = who.tenant(&app, request.tenant.as_deref())?;
    let mode = Mode::parse(&request.mode).ok_or_else(|| {
        ApiError::invalid(
            "invalid_mode",
            format!("`{}` is not a mode; one of shadow, assist, auto.", request.mode),
        )
        .field("mode")
    })?;
    let (current, _) = app.gateway.autonomy(&app.config, &tenant, workflow);
    let autonomy = Autonomy {
        mode,
        min_confidence: request.min_confidence.unwrap_or(current.min_confidence),
        max_cost: request.max_cost.or(current.max_cost),
    };
    autonomy
        .validate()
        .map_err(|e| ApiError::invalid("invalid_autonomy", e.to_string()).field(e.field().unwrap_or("mode").to_owned()))?;
    app.gateway.set(&app, &tenant, workflow, autonomy, &who.label()).await?;
    tracing::info!(tenant = %tenant, workflow = workflow.as_str(), mode = mode.as_str(), by = %who.label(), "Autonomy changed.");
    Ok(Json(json!({"tenant": tenant, "workflow": workflow.as_str(), "mode": autonomy.mode,
                   "min_confidence": autonomy.min_confidence, "max_cost": autonomy.max_cost, "source": "runtime"}))
    .into_response())
}
