//! Proactive alerts: when a warehouse or carrier exception is raised on an
//! order, or the order is predicted to miss its promised date, crossdock
//! proposes a message — a private note for the service rep, or a public
//! reply the helpdesk sends the customer (`[service_desk] alert_audience`) —
//! on the order's helpdesk ticket, or a new ticket when it has none.
//!
//! Each alert is one governed action (workflow `customer_messages`): the
//! autonomy mode and policies (quiet hours in the node's time zone) decide
//! whether it is sent, queued for a person or only recorded. Its
//! idempotency key is the order and the cause, so a cause alerts once per
//! order however often its events repeat, and at most
//! `alerts_per_hour` are proposed per tenant each hour.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use engine::governance::Workflow;
use model::TenantId;
use model::event::EventBody;
use model::order::Order;
use model::outbound::{Message, Ticket, TicketNote};
use store::{LoggedEvent, NewAction, NewMessage};

use crate::App;
use crate::config::AlertAudience;
use crate::gateway::Proposed;
use crate::tracking::{self, Tracking};

/// Alerts proposed per tenant in the current hour.
#[derive(Default)]
pub struct Limiter {
    windows: HashMap<String, (Instant, u32)>,
}

impl Limiter {
    /// Takes one alert from the tenant's hourly budget, if any is left.
    fn take(&mut self, tenant: &str, per_hour: u32) -> bool {
        let now = Instant::now();
        let (start, used) = self.windows.entry(tenant.to_owned()).or_insert((now, 0));
        if now.duration_since(*start) >= Duration::from_secs(3600) {
            *start = now;
            *used = 0;
        }
        if *used >= per_hour {
            return false;
        }
        *used += 1;
        true
    }
}

/// Why an order is alerted about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// A warehouse or carrier exception code.
    Exception(String),
    /// Predicted (or already) past its promised date.
    Late,
}

impl Cause {
    fn key(&self) -> String {
        match self {
            Cause::Exception(code) => format!("exception:{}", code.to_ascii_lowercase()),
            Cause::Late => "late".into(),
        }
    }
}

/// The alerts an order's latest event calls for: its open exception named
/// by `event` (exception.raised), or a late prediction (any other event),
/// as actions the gateway judged. `None` when nothing needs saying.
pub fn for_event(app: &App, limiter: &mut Limiter, tenant: &TenantId, order: &Order, history: &[LoggedEvent], seq: u64) -> Vec<NewAction> {
    let Some(event) = history.iter().find(|e| e.seq == seq) else {
        return Vec::new();
    };
    let planned = tracking::planned(app, tenant, order);
    let ctx = tracking::Context {
        app,
        now: jiff::Timestamp::now(),
        planned,
    };
    let view = tracking::build(&ctx, order, history);
    let cause = match &event.body {
        EventBody::ExceptionRaised(x) if view.exceptions.iter().any(|o| o.code == x.code) => Cause::Exception(x.code.clone()),
        EventBody::ExceptionRaised(_) => return Vec::new(),
        _ if app.config.service_desk.late_alerts && view.late => Cause::Late,
        _ => return Vec::new(),
    };
    let Some(connection) = crate::proposals::helpdesk_connection(app, tenant) else {
        return Vec::new();
    };
    if !limiter.take(tenant.as_str(), app.config.service_desk.alerts_per_hour) {
        metrics::counter!("crossdock_alerts_deferred_total").increment(1);
        return Vec::new();
    }
    let audience = app.config.service_desk.alert_audience;
    let ticket = history.iter().rev().find_map(|e| match &e.body {
        EventBody::TicketCreated(t) => Some(t.ticket_id.clone()),
        _ => None,
    });
    let text = match audience {
        AlertAudience::Rep => rep_text(&view, &cause),
        AlertAudience::Customer => customer_text(order, &view, &cause),
    };
    let message = match &ticket {
        Some(id) => Message::TicketNote(TicketNote {
            ticket_id: id.clone(),
            body: text,
            public: audience == AlertAudience::Customer,
        }),
        None => Message::Ticket(Ticket {
            subject: match &cause {
                Cause::Exception(code) => format!("Order {}: {code}", order.id),
                Cause::Late => format!("Order {} is running late", order.id),
            },
            body: text,
            requester_email: order.data.customer.email.clone(),
            requester_name: order.data.customer.name.clone(),
            external_id: Some(order.id.to_string()),
            tags: vec!["crossdock".into(), "alert".into(), cause.key().replace(':', "_")],
            priority: Some("normal".into()),
        }),
    };
    let key = format!("{tenant}:alert:{}:{}", order.id, cause.key());
    let confidence = match &cause {
        Cause::Exception(_) => 1.0,
        Cause::Late => view.eta.as_ref().and_then(|e| e.p_on_time).map_or(0.9, |p| 1.0 - p),
    };
    let tz = order
        .nodes
        .first()
        .and_then(|n| app.config.nodes.get(n))
        .and_then(|n| n.timezone.as_deref())
        .and_then(|z| jiff::tz::TimeZone::get(z).ok());
    metrics::counter!("crossdock_alerts_proposed_total").increment(1);
    let proposed = Proposed {
        tenant: tenant.clone(),
        workflow: Workflow::CustomerMessages,
        kind: if ticket.is_some() { "helpdesk.note" } else { "helpdesk.ticket" },
        subject: order.id.to_string(),
        message: Some(NewMessage {
            tenant: tenant.to_string(),
            connection: connection.into(),
            subject: order.id.to_string(),
            message,
            idempotency_key: key.clone(),
            not_before: None,
        }),
        idempotency_key: key,
        decision: serde_json::json!({"alert": {"cause": cause.key(), "audience": audience, "ticket": ticket,
            "stage": view.stage, "late": view.late, "eta": view.eta, "citations": view.citations}}),
        decision_seq: Some(seq),
        confidence,
        cost_impact: 0.0,
        amount: None,
        order_status: Some(order.status.as_str()),
        local_tz: tz,
    };
    vec![app.gateway.judge(app, proposed, None)]
}

fn rep_text(view: &Tracking, cause: &Cause) -> String {
    let head = match cause {
        Cause::Exception(code) => {
            let x = view.exceptions.iter().find(|x| &x.code == code);
            let place = x
                .and_then(|x| x.location.as_deref().or(x.node.as_deref()))
                .map(|l| format!(" at {l}"))
                .unwrap_or_default();
            let meaning = x.and_then(|x| x.meaning).map(|m| format!(": {m}")).unwrap_or_default();
            format!("crossdock alert — exception {code}{place}{meaning}.")
        }
        Cause::Late => "crossdock alert — this order is predicted to miss its promised date.".to_owned(),
    };
    format!("{head}\n\n{}", view.summary)
}

fn customer_text(order: &Order, view: &Tracking, cause: &Cause) -> String {
    let first = order
        .data
        .customer
        .name
        .as_deref()
        .and_then(|n| n.split_whitespace().next())
        .map(|n| format!("Hi {n},"))
        .unwrap_or_else(|| "Hello,".into());
    let name = view.order_name.clone().unwrap_or_else(|| view.order_id.clone());
    let what = match cause {
        Cause::Exception(_) => "something needs our attention before it can continue; we are on it",
        Cause::Late => "it is running behind the date we promised",
    };
    let eta = view
        .eta
        .as_ref()
        .map(|e| format!(" We now expect it on {}.", e.likely.strftime("%b %-d")))
        .unwrap_or_default();
    format!("{first}\n\nAn update on your order {name}: {what}.{eta}\n\nWe are sorry for the wait.")
}
