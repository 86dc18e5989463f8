//! The copilot: `POST /v1/ask {question, ticket_id?}` answers a service rep's
//! or a B2B client's question in plain words from live data.
//!
//! The embedded engine needs no model and no network: the question is
//! understood (intent and slots, resolved against the tenant's vocabulary),
//! a query plan per intent reads the store through the caller's scope, and
//! the answer is composed from templates whose every fact is a field of the
//! returned `data`; `citations` name the records (`order:…`, `event:<seq>`,
//! `decision:<id>`, `policy:<file>#<line>`). Each question is audited with
//! its answer and sources; with a `ticket_id`, the answer goes to the ticket
//! as a private note through the gateway (workflow `customer_messages`).

mod answer;
mod llm;
pub mod vocab;

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use engine::governance::Workflow;
use model::TenantId;
use model::outbound::{Message, TicketNote};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::App;
use crate::access::{self, Guard};
use crate::auth::{Permission, Principal};
use crate::error::ApiError;
use crate::gateway::Proposed;

/// The longest question accepted, in bytes.
pub const MAX_QUESTION: usize = 1_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AskRequest {
    pub question: String,
    /// A helpdesk ticket the answer is posted to as a private note.
    #[serde(default)]
    pub ticket_id: Option<String>,
}

/// What `POST /v1/ask` answers.
#[derive(Debug, Clone, Serialize)]
pub struct Answered {
    pub answer: String,
    pub intent: &'static str,
    pub slots: BTreeMap<&'static str, String>,
    /// The records every fact in `answer` comes from.
    pub citations: Vec<String>,
    /// The data the answer was composed from, as the caller may see it.
    pub data: Value,
    /// `embedded` (templates over the store) or `llm` (the model's phrasing, grounded).
    pub engine: &'static str,
    /// The audit entry recording the question and answer.
    pub audit: Option<u64>,
    /// The private note proposed on `ticket_id`, as the gateway judged it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Value>,
}

/// `POST /v1/ask`.
pub async fn ask(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::Ask)?;
    let tenant = who.tenant(&app, params.get("tenant").map(String::as_str))?;
    let request: AskRequest = crate::ingest::parse_json(&body)?;
    if request.question.len() > MAX_QUESTION {
        return Err(ApiError::invalid(
            "question_too_long",
            format!(
                "A question is at most {MAX_QUESTION} bytes; this one is {}.",
                request.question.len()
            ),
        )
        .field("question"));
    }
    if let Some(ticket) = &request.ticket_id
        && (ticket.is_empty() || ticket.len() > 64 || !ticket.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
    {
        return Err(ApiError::invalid("invalid_ticket_id", "ticket_id is 1 to 64 letters, digits, `-` or `_`.").field("ticket_id"));
    }
    let mut answered = answer_question(&app, &who, &tenant, &request.question).await?;
    if let Some(ticket) = &request.ticket_id {
        answered.note = Some(post_note(&app, &who, &tenant, ticket, &request.question, &answered).await?);
    }
    answered.audit = audit(&app, &who, &tenant, &request, &answered).await;
    Ok(Json(answered).into_response())
}

/// Understands and answers one question for `who` (no audit, no note).
pub async fn answer_question(app: &App, who: &Principal, tenant: &TenantId, question: &str) -> Result<Answered, ApiError> {
    let (app2, tenant2, q) = (app.clone(), tenant.clone(), question.to_owned());
    let understanding = tokio::task::spawn_blocking(move || -> Result<_, store::Error> {
        let vocabulary = app2.vocabularies.current(&app2, &tenant2)?;
        let lexicon = vocab::for_question(&app2, &tenant2, &vocabulary.lexicon, &q);
        Ok(assistant::understand(&q, &lexicon))
    })
    .await
    .map_err(|_| ApiError::internal())??;
    let composed = answer::compose(app, who, tenant, question, &understanding).await?;
    let embedded = Answered {
        answer: composed.text,
        intent: understanding.intent.as_str(),
        slots: understanding.slots.to_map(),
        citations: composed.citations,
        data: composed.data,
        engine: "embedded",
        audit: None,
        note: None,
    };
    Ok(match &app.llm {
        Some(client) => llm::rephrase(app, client, who, tenant, question, embedded).await,
        None => embedded,
    })
}

/// Records the question, the answer and the sources it used.
async fn audit(app: &App, who: &Principal, tenant: &TenantId, request: &AskRequest, answered: &Answered) -> Option<u64> {
    let subject = answered
        .citations
        .iter()
        .find(|c| c.starts_with("order:"))
        .cloned()
        .or_else(|| request.ticket_id.as_ref().map(|t| format!("ticket:{t}")));
    let entry = store::NewAudit {
        tenant: Some(tenant.to_string()),
        actor: who.label(),
        action: "copilot.asked".into(),
        subject,
        detail: serde_json::json!({
            "question": model::pii::mask_text(&request.question),
            "intent": answered.intent,
            "slots": answered.slots,
            "answer": model::pii::mask_text(&answered.answer),
            "engine": answered.engine,
            "ticket_id": request.ticket_id,
        }),
        sources: answered.citations.clone(),
    };
    match app.store.audit(vec![entry]).await {
        Ok(ids) => ids.first().copied(),
        Err(e) => {
            tracing::warn!(error = %e, "Could not audit a copilot answer.");
            None
        }
    }
}

/// Proposes the answer as a private note on the ticket, through the gateway.
async fn post_note(
    app: &App,
    who: &Principal,
    tenant: &TenantId,
    ticket: &str,
    question: &str,
    answered: &Answered,
) -> Result<Value, ApiError> {
    let Some(connection) = crate::proposals::helpdesk_connection(app, tenant) else {
        return Err(ApiError::invalid(
            "no_helpdesk",
            "No helpdesk connection with a base_url is configured for this tenant, so the note cannot be posted.",
        )
        .field("ticket_id"));
    };
    let body = format!("Q: {question}\n\n{}\n\nSources: {}", answered.answer, answered.citations.join(", "));
    let key = format!("{tenant}:helpdesk.note:ask:{ticket}:{}", uuid::Uuid::now_v7());
    let note = Message::TicketNote(TicketNote {
        ticket_id: ticket.to_owned(),
        body,
        public: false,
    });
    let proposed = Proposed {
        tenant: tenant.clone(),
        workflow: Workflow::CustomerMessages,
        kind: "helpdesk.note",
        subject: format!("ticket:{ticket}"),
        message: Some(store::NewMessage {
            tenant: tenant.to_string(),
            connection: connection.into(),
            subject: format!("ticket:{ticket}"),
            message: note,
            idempotency_key: key.clone(),
            not_before: None,
        }),
        idempotency_key: key,
        decision: serde_json::json!({"copilot": {"intent": answered.intent, "citations": answered.citations}}),
        decision_seq: None,
        confidence: 1.0,
        cost_impact: 0.0,
        amount: None,
        order_status: None,
        local_tz: None,
    };
    let action = app.gateway.judge(app, proposed, Some(who));
    let ids = app.store.record_actions(vec![action]).await?;
    let id = ids.first().copied().unwrap_or_default();
    let record = app.store.action(id)?;
    Ok(serde_json::json!({
        "action": id,
        "status": record.as_ref().map(|r| r.status),
        "explanation": record.as_ref().map(|r| r.gate["explanation"].clone()),
    }))
}
