//! What the decision pipeline proposes to do about an order once it has
//! decided: release it to the warehouse(s) sourcing chose (workflow
//! `release`), or, when triage holds it as an exception, open a helpdesk
//! ticket so a person resolves it (workflow `exception_resolution`). Each
//! proposal goes through the gateway; its autonomy decides whether it is
//! sent, queued for review, or only recorded (shadow).

use engine::governance::Workflow;
use model::ops::LineQty;
use model::order::Order;
use model::outbound::{Message, Ticket, Wave, WaveOrder};
use model::{NodeId, TenantId};
use store::{NewAction, NewDecision, NewMessage};

use crate::App;
use crate::gateway::Proposed;

/// The WMS connection that takes releases for `node`: one that lists it and has a base URL.
pub fn wms_connection<'a>(app: &'a App, tenant: &TenantId, node: &NodeId) -> Option<&'a str> {
    app.config
        .connections
        .iter()
        .find(|(_, c)| c.tenant == *tenant && c.nodes.contains(node) && c.base_url.is_some())
        .map(|(id, _)| id.as_str())
}

pub(crate) fn helpdesk_connection<'a>(app: &'a App, tenant: &TenantId) -> Option<&'a str> {
    app.config
        .connections
        .iter()
        .find(|(_, c)| c.tenant == *tenant && c.kind() == model::tenant::ConnectionKind::Helpdesk && c.base_url.is_some())
        .map(|(id, _)| id.as_str())
}

/// The actions proposed for `order` from the decisions just made on it
/// (event `seq`), as the gateway judged them.
pub fn for_order(app: &App, tenant: &TenantId, order: &Order, seq: u64, decisions: &[NewDecision]) -> Vec<NewAction> {
    let find = |kind: &str| decisions.iter().find(|d| d.kind == kind);
    let (Some(triage), Some(sourcing)) = (find("triage"), find("sourcing")) else {
        return Vec::new();
    };
    let carrier = find("carrier");
    let summary = |d: &NewDecision| {
        serde_json::json!({"kind": d.kind, "output": d.output, "confidence": d.confidence,
            "explanation": d.explanation, "alternatives": d.alternatives, "model": d.model, "inputs_digest": d.inputs_digest})
    };
    let status = Some(order.status.as_str());
    let tz = app
        .config
        .nodes
        .iter()
        .find(|(_, n)| n.tenant == *tenant)
        .and_then(|(_, n)| n.timezone.as_deref())
        .and_then(|name| jiff::tz::TimeZone::get(name).ok());
    let mut proposed = Vec::new();
    if triage.output["class"] == "exception" {
        let reasons: Vec<String> = triage.explanation.iter().map(|f| f.description.clone()).collect();
        let codes: Vec<String> = triage.output["reasons"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["code"].as_str().map(str::to_owned))
            .collect();
        let ticket = Ticket {
            subject: format!("Order {} needs attention before it can ship", order.id),
            body: format!("crossdock held order {} as an exception:\n- {}", order.id, reasons.join("\n- ")),
            requester_email: order.data.customer.email.clone(),
            requester_name: order.data.customer.name.clone(),
            external_id: Some(order.id.to_string()),
            tags: std::iter::once("crossdock".to_owned())
                .chain(codes.iter().map(|c| c.to_lowercase()))
                .collect(),
            priority: Some("high".into()),
        };
        let key = format!("{tenant}:helpdesk.ticket:{}:{seq}", order.id);
        let message = helpdesk_connection(app, tenant).map(|connection| NewMessage {
            tenant: tenant.to_string(),
            connection: connection.into(),
            subject: order.id.to_string(),
            message: Message::Ticket(ticket),
            idempotency_key: key.clone(),
            not_before: None,
        });
        proposed.push(Proposed {
            tenant: tenant.clone(),
            workflow: Workflow::ExceptionResolution,
            kind: "helpdesk.ticket",
            subject: order.id.to_string(),
            message,
            idempotency_key: key,
            decision: serde_json::json!({"decisions": [summary(triage)]}),
            decision_seq: Some(seq),
            confidence: triage.confidence,
            cost_impact: 0.0,
            amount: None,
            order_status: status,
            local_tz: tz.clone(),
        });
    } else if sourcing.output["feasible"] == true {
        let confidence = [Some(triage), Some(sourcing), carrier]
            .into_iter()
            .flatten()
            .map(|d| d.confidence)
            .fold(1.0, f64::min);
        let cost = sourcing.output["cost"]["total"].as_f64().unwrap_or(0.0);
        let assignments: Vec<engine::sourcing::Assignment> =
            serde_json::from_value(sourcing.output["assignments"].clone()).unwrap_or_default();
        let made: Vec<serde_json::Value> = [Some(triage), Some(sourcing), carrier].into_iter().flatten().map(summary).collect();
        let mut nodes: Vec<&NodeId> = assignments.iter().map(|a| &a.node).collect();
        nodes.dedup();
        for node in nodes {
            let lines = assignments
                .iter()
                .filter(|a| a.node == *node)
                .map(|a| LineQty {
                    sku: a.sku.clone(),
                    quantity: a.quantity,
                })
                .collect();
            // The carrier decision is for the main node's package.
            let chosen = carrier.filter(|c| c.output["node"] == node.as_str());
            let wave = Wave {
                wave_id: format!("R-{}-{node}", order.id),
                node: node.clone(),
                release_at: None,
                orders: vec![WaveOrder {
                    order_id: order.id.clone(),
                    priority: None,
                    carrier: chosen.and_then(|c| c.output["carrier"].as_str().map(str::to_owned)),
                    service: chosen.and_then(|c| c.output["service"].as_str().map(str::to_owned)),
                    ship_by: None,
                    lines,
                }],
            };
            let key = format!("{tenant}:wms.release:{}:{node}", order.id);
            let message = wms_connection(app, tenant, node).map(|connection| NewMessage {
                tenant: tenant.to_string(),
                connection: connection.into(),
                subject: order.id.to_string(),
                message: Message::Wave(wave),
                idempotency_key: key.clone(),
                not_before: None,
            });
            proposed.push(Proposed {
                tenant: tenant.clone(),
                workflow: Workflow::Release,
                kind: "wms.release",
                subject: order.id.to_string(),
                message,
                idempotency_key: key,
                decision: serde_json::json!({ "decisions": made }),
                decision_seq: Some(seq),
                confidence,
                cost_impact: cost,
                amount: None,
                order_status: status,
                local_tz: tz.clone(),
            });
        }
    }
    proposed.into_iter().map(|p| app.gateway.judge(app, p, None)).collect()
}
