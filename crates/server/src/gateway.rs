//! The governed gateway: every action crossdock takes on an external system
//! is judged here — the workflow's autonomy for the tenant (shadow, assist,
//! auto with thresholds), the configured policies, and the target
//! connector's own payload validation — and recorded with the verdict. Only
//! what the gateway lets through reaches the outbox (`store::NewAction`).

use std::collections::HashMap;
use std::time::Instant;

use engine::governance::{Autonomy, Gated, Proposal, Verdict, Workflow};
use model::TenantId;
use parking_lot::RwLock;
use serde_json::json;
use store::{ActionStatus, NewAction, NewMessage};

use crate::App;
use crate::auth::Principal;
use crate::config::Config;

/// Autonomy as configured, with the changes made at runtime on top.
pub struct Gateway {
    runtime: RwLock<HashMap<(String, Workflow), Autonomy>>,
}

/// An action someone (crossdock or a person) wants taken.
#[derive(Debug, Clone)]
pub struct Proposed {
    pub tenant: TenantId,
    pub workflow: Workflow,
    /// e.g. `wms.release`, `inventory.hold`, `customer.message`.
    pub kind: &'static str,
    pub subject: String,
    /// The message and its connection; `None` when no connection can take it.
    pub message: Option<NewMessage>,
    pub idempotency_key: String,
    /// The decision it carries out, for the reviewer and the audit trail.
    pub decision: serde_json::Value,
    pub decision_seq: Option<u64>,
    pub confidence: f64,
    pub cost_impact: f64,
    pub amount: Option<f64>,
    pub order_status: Option<&'static str>,
    /// The recipient's time zone, for quiet hours.
    pub local_tz: Option<jiff::tz::TimeZone>,
}

/// Where an autonomy setting comes from.
#[derive(Debug, Clone, Copy, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Default,
    Config,
    Tenant,
    Runtime,
}

impl Gateway {
    /// The gateway with the runtime changes stored earlier.
    pub fn load(store: &store::Store) -> Result<Gateway, store::Error> {
        let mut runtime = HashMap::new();
        for (tenant, workflow, settings) in store.autonomy_overrides()? {
            let (Some(workflow), Ok(autonomy)) = (Workflow::parse(&workflow), serde_json::from_value::<Autonomy>(settings)) else {
                tracing::warn!(%tenant, %workflow, "Ignored a stored autonomy setting this build cannot read.");
                continue;
            };
            runtime.insert((tenant, workflow), autonomy);
        }
        Ok(Gateway {
            runtime: RwLock::new(runtime),
        })
    }

    /// The autonomy in force for `tenant`'s `workflow`, and where it comes from.
    pub fn autonomy(&self, config: &Config, tenant: &TenantId, workflow: Workflow) -> (Autonomy, Source) {
        if let Some(a) = self.runtime.read().get(&(tenant.to_string(), workflow)) {
            return (*a, Source::Runtime);
        }
        if let Some(a) = config.tenants.get(tenant).and_then(|t| t.autonomy.get(&workflow)) {
            return (*a, Source::Tenant);
        }
        match config.governance.autonomy.get(&workflow) {
            Some(a) => (*a, Source::Config),
            None => (Autonomy::default(), Source::Default),
        }
    }

    /// Changes a workflow's autonomy at runtime (stored and audited first).
    pub async fn set(&self, app: &App, tenant: &TenantId, workflow: Workflow, autonomy: Autonomy, by: &str) -> Result<(), store::Error> {
        let settings = serde_json::to_value(autonomy).map_err(|e| store::Error::Invalid(e.to_string()))?;
        app.store
            .set_autonomy(tenant.to_string(), workflow.as_str().into(), settings, by.into())
            .await?;
        self.runtime.write().insert((tenant.to_string(), workflow), autonomy);
        Ok(())
    }

    /// Judges a proposal: `by` is the person who asked for it (autonomy does
    /// not apply to a person's own request; policies do), `None` for
    /// crossdock acting alone.
    pub fn judge(&self, app: &App, p: Proposed, by: Option<&Principal>) -> NewAction {
        let started = Instant::now();
        let (autonomy, _) = self.autonomy(&app.config, &p.tenant, p.workflow);
        let role = by.map(|who| who.role.as_str());
        let proposal = Proposal {
            workflow: p.workflow,
            action: p.kind,
            confidence: p.confidence,
            cost_impact: p.cost_impact,
            amount: p.amount,
            order_status: p.order_status,
            role,
            local_now: p.local_tz.as_ref().map(|tz| jiff::Timestamp::now().to_zoned(tz.clone())),
        };
        let mut gated = engine::governance::gate(&autonomy, &app.config.governance.policies, &proposal);
        // The target's own validation: a message its connector cannot render
        // would only fail in the outbox later.
        if let Some(message) = &p.message
            && let Err(reason) = validate_payload(app, message)
        {
            gated.explanation.push(format!(
                "The message does not pass connection `{}`'s validation: {reason}",
                message.connection
            ));
            let block = Verdict::Block {
                policy: "payload_validation".into(),
                reason,
            };
            gated.verdict = match gated.verdict {
                Verdict::Shadow { .. } => Verdict::Shadow { would: Box::new(block) },
                _ => block,
            };
        }
        if p.message.is_none() && gated.verdict.executes() {
            let reason = "no connection of the tenant can take this action".to_owned();
            gated.explanation.push(format!("Not sent: {reason}."));
            gated.verdict = Verdict::Block {
                policy: "no_route".into(),
                reason,
            };
        }
        let (status, not_before) = match &gated.verdict {
            Verdict::Execute { not_before } => (ActionStatus::Executed, *not_before),
            Verdict::Review { .. } => (ActionStatus::Review, None),
            Verdict::Block { .. } => (ActionStatus::Blocked, None),
            Verdict::Shadow { .. } => (ActionStatus::Shadow, None),
        };
        metrics::histogram!("crossdock_gateway_seconds").record(started.elapsed().as_secs_f64());
        let mode = if by.is_some() { "requested" } else { autonomy.mode.as_str() };
        NewAction {
            tenant: p.tenant.to_string(),
            workflow: p.workflow.as_str().into(),
            kind: p.kind.into(),
            subject: p.subject,
            message: p.message,
            idempotency_key: p.idempotency_key,
            decision: p.decision,
            decision_seq: p.decision_seq,
            confidence: p.confidence,
            cost_impact: p.cost_impact,
            mode: mode.into(),
            status,
            gate: gate_json(&gated, &autonomy),
            not_before,
            requested_by: by.map_or_else(|| "crossdock".to_owned(), |who| who.label()),
        }
    }
}

fn gate_json(gated: &Gated, autonomy: &Autonomy) -> serde_json::Value {
    let mut value = serde_json::to_value(gated).unwrap_or_default();
    value["autonomy"] = json!(autonomy);
    value
}

/// Renders the message the way its dispatcher will; the error in words.
pub fn validate_payload(app: &App, message: &NewMessage) -> Result<(), String> {
    let Some(conn) = app
        .config
        .connections
        .iter()
        .find(|(id, _)| id.as_str() == message.connection)
        .map(|(_, c)| c)
    else {
        return Err(format!("connection `{}` is not configured", message.connection));
    };
    let outgoing = connectors::connector::Outgoing {
        message: &message.message,
        key: &message.idempotency_key,
        tenant: &message.tenant,
        subject: &message.subject,
        created_at: jiff::Timestamp::now(),
    };
    conn.connector
        .render(&outgoing, conn.mapping.as_deref())
        .map(|_| ())
        .map_err(|e| e.to_string())
}
