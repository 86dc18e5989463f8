//! Query plans and answer templates, one per intent. Every number, id,
//! date and name in an answer is read from the `data` returned with it.

use assistant::{Intent, Understanding};
use jiff::Timestamp;
use model::TenantId;
use model::order::{Order, OrderStatus};
use serde_json::{Value, json};

use crate::App;
use crate::access::{self, Guard};
use crate::auth::{Permission, Principal};
use crate::error::ApiError;
use crate::tracking::{self, Tracking};

/// Orders a list answer reads at most (the newest first).
const LIST_SCAN: usize = 2_000;
/// Orders a list answer names at most.
const LIST_SHOW: usize = 10;
/// Orders with shipments to one place (or from one node) a shipments answer reads at most.
const SHIPPED_SCAN: usize = 2_000;

/// An answer before it is audited.
pub struct Composed {
    pub text: String,
    pub citations: Vec<String>,
    pub data: Value,
}

impl Composed {
    fn plain(text: impl Into<String>, data: Value) -> Composed {
        Composed {
            text: text.into(),
            citations: Vec::new(),
            data,
        }
    }
}

pub async fn compose(app: &App, who: &Principal, tenant: &TenantId, question: &str, u: &Understanding) -> Result<Composed, ApiError> {
    let s = &u.slots;
    match u.intent {
        Intent::WhereIsOrder | Intent::WhyLate | Intent::OrderExceptions => {
            let Some(reference) = s.order.clone().or(s.po.clone()) else {
                return match &s.customer {
                    Some(customer) => latest_for_customer(app, who, tenant, customer, u.intent).await,
                    None => Ok(Composed::plain(
                        "Which order? Give its order number, a tracking number or a PO number.",
                        json!({}),
                    )),
                };
            };
            match tracking::lookup(app, who, tenant, &reference).await? {
                Some(t) => Ok(order_answer(t, u.intent)),
                None => Ok(not_found("order", &reference)),
            }
        }
        Intent::OrderByTracking => {
            let Some(number) = &s.tracking else {
                return Ok(Composed::plain("Which tracking number?", json!({})));
            };
            match tracking::lookup(app, who, tenant, number).await? {
                Some(t) => Ok(order_answer(t, Intent::WhereIsOrder)),
                None => Ok(not_found("tracking number", number)),
            }
        }
        Intent::PoStatus => {
            let Some(po) = &s.po else {
                return Ok(Composed::plain("Which PO? Give its number, for example PO 12345.", json!({})));
            };
            po_status(app, who, tenant, po).await
        }
        Intent::OpenOrdersForCustomer => open_orders(app, who, tenant, s.customer.as_deref(), s.period).await,
        Intent::ShipmentsToPlace => {
            shipments(
                app,
                who,
                tenant,
                s.place.as_deref(),
                s.node.as_deref(),
                s.customer.as_deref(),
                s.period,
            )
            .await
        }
        Intent::SkuAvailability => {
            let Some(sku) = &s.sku else {
                return Ok(Composed::plain("Which SKU?", json!({})));
            };
            availability(app, who, tenant, sku, s.node.as_deref())
        }
        Intent::PolicyQuestion => Ok(policy(app, question, s.topic)),
        Intent::StartReturn => start_return(app, who, tenant, s).await,
        Intent::Unknown => Ok(Composed::plain(
            "I can answer questions about orders, shipments, tracking numbers, POs, stock, returns and our policies — \
             for example where an order is, whether a SKU is in stock elsewhere, or what our return window is.",
            json!({}),
        )),
    }
}

fn not_found(what: &str, reference: &str) -> Composed {
    Composed::plain(
        format!("I could not find {what} {reference}, or it is not one you can see."),
        json!({"not_found": {"kind": what, "reference": reference}}),
    )
}

fn name_of(t: &Tracking) -> String {
    match &t.order_name {
        Some(n) if n.starts_with('#') => format!("Order {n}"),
        Some(n) => n.clone(),
        None => format!("Order {}", t.order_id),
    }
}

/// Where an order is, why it is late, or what is wrong with it.
fn order_answer(t: Tracking, intent: Intent) -> Composed {
    let text = match intent {
        Intent::WhyLate => why_late(&t),
        Intent::OrderExceptions => exceptions(&t),
        _ => t.summary.clone(),
    };
    let citations = t.citations.clone();
    Composed {
        text,
        citations,
        data: json!({ "tracking": t }),
    }
}

fn why_late(t: &Tracking) -> String {
    let name = name_of(t);
    let mut out = Vec::new();
    match (t.late, t.promised_by) {
        (true, Some(promised)) => out.push(format!(
            "{name} was promised by {} and is running late.",
            promised.strftime("%b %-d")
        )),
        (false, Some(promised)) if t.delivered_at.is_none() => {
            out.push(format!("{name} is not late: it was promised by {}.", promised.strftime("%b %-d")))
        }
        (false, _) if t.delivered_at.is_some() => {}
        _ => out.push(format!("{name} has no promised delivery date, so it cannot be late against one.")),
    }
    for x in &t.exceptions {
        out.push(match x.meaning {
            Some(m) => format!("Open exception {}: {m}.", x.code),
            None => format!("Open exception {}.", x.code),
        });
    }
    if t.exceptions.is_empty() && t.late {
        out.push("No exception is recorded on it.".into());
    }
    out.push(t.summary.clone());
    out.join(" ")
}

fn exceptions(t: &Tracking) -> String {
    let name = name_of(t);
    let mut out = Vec::new();
    if t.exceptions.is_empty() {
        out.push(format!("{name} has no open exceptions."));
    } else {
        for x in &t.exceptions {
            let place = x
                .location
                .as_deref()
                .or(x.node.as_deref())
                .map(|l| format!(" at {l}"))
                .unwrap_or_default();
            out.push(match x.meaning {
                Some(m) => format!("{name} has exception {}{place}: {m}.", x.code),
                None => format!("{name} has exception {}{place}.", x.code),
            });
        }
    }
    if t.status == OrderStatus::OnHold {
        out.push(format!("{name} is on hold."));
    }
    out.push(t.summary.clone());
    out.join(" ")
}

/// The newest order of a customer, when the question names no number.
async fn latest_for_customer(app: &App, who: &Principal, tenant: &TenantId, customer: &str, intent: Intent) -> Result<Composed, ApiError> {
    let orders = visible_orders(app, who, tenant, Some(customer), None).await?;
    match orders.first() {
        Some(order) => match tracking::lookup(app, who, tenant, order.id.as_str()).await? {
            Some(t) => Ok(order_answer(t, intent)),
            None => Ok(not_found("an order for", customer)),
        },
        None => Ok(not_found("an order for", customer)),
    }
}

/// Orders the caller may see, newest first, optionally of one customer or account.
async fn visible_orders(
    app: &App,
    who: &Principal,
    tenant: &TenantId,
    customer: Option<&str>,
    since: Option<Timestamp>,
) -> Result<Vec<Order>, ApiError> {
    let query = store::OrderQuery {
        customer: customer.map(str::to_owned),
        since,
        ..Default::default()
    };
    let (store, t) = (app.store.clone(), tenant.clone());
    let page = tokio::task::spawn_blocking(move || store.orders(&t, &query, None, LIST_SCAN))
        .await
        .map_err(|_| ApiError::internal())??;
    Ok(page
        .items
        .into_iter()
        .filter(|o| who.sees_order(app, o))
        .map(|o| access::order_view(who, o))
        .collect())
}

fn short_status(order: &Order) -> &'static str {
    order.status.as_str()
}

async fn po_status(app: &App, who: &Principal, tenant: &TenantId, po: &str) -> Result<Composed, ApiError> {
    let query = store::OrderQuery {
        po: Some(po.to_owned()),
        ..Default::default()
    };
    let (store, t) = (app.store.clone(), tenant.clone());
    let page = tokio::task::spawn_blocking(move || store.orders(&t, &query, None, LIST_SHOW))
        .await
        .map_err(|_| ApiError::internal())??;
    let mut views = Vec::new();
    for order in page.items.iter().filter(|o| who.sees_order(app, o)) {
        if let Some(t) = tracking::lookup(app, who, tenant, order.id.as_str()).await? {
            views.push((order.data.customer.account.clone(), t));
        }
    }
    if views.is_empty() {
        return Ok(not_found("PO", po));
    }
    let mut text = Vec::new();
    let mut citations = Vec::new();
    for (account, t) in &views {
        let of = account.as_deref().map(|a| format!(" ({a})")).unwrap_or_default();
        text.push(format!("PO {po}{of}: {}", t.summary));
        citations.extend(t.citations.iter().cloned());
    }
    Ok(Composed {
        text: text.join(" "),
        citations,
        data: json!({"po": po, "orders": views.iter().map(|(a, t)| json!({"account": a, "tracking": t})).collect::<Vec<_>>()}),
    })
}

fn is_open(order: &Order) -> bool {
    matches!(
        order.status,
        OrderStatus::Open
            | OrderStatus::OnHold
            | OrderStatus::Released
            | OrderStatus::Picked
            | OrderStatus::Packed
            | OrderStatus::Staged
            | OrderStatus::PartiallyShipped
    )
}

fn period_window(app: &App, tenant: &TenantId, period: Option<&str>) -> Option<(Timestamp, Timestamp, String, Value)> {
    let period = period?;
    let tz = tenant_tz(app, tenant);
    let now = Timestamp::now().to_zoned(tz.clone());
    let (start, end) = assistant::period::window(period, &now)?;
    let last = end.checked_sub(jiff::SignedDuration::from_micros(1)).unwrap_or(end);
    let data = json!({"name": period, "words": period.replace('_', " "), "from": start, "to": end,
                      "first_day": start.to_zoned(tz.clone()).date(), "last_day": last.to_zoned(tz.clone()).date()});
    Some((start, end, assistant::period::describe(period, start, end, &tz), data))
}

fn tenant_tz(app: &App, tenant: &TenantId) -> jiff::tz::TimeZone {
    app.config
        .nodes
        .values()
        .filter(|n| n.tenant == *tenant)
        .find_map(|n| n.timezone.as_deref().and_then(|z| jiff::tz::TimeZone::get(z).ok()))
        .unwrap_or(jiff::tz::TimeZone::UTC)
}

fn listed(orders: &[&Order]) -> String {
    orders
        .iter()
        .take(LIST_SHOW)
        .map(|o| {
            format!(
                "{} ({})",
                o.data.external_ids.storefront_name.clone().unwrap_or_else(|| o.id.to_string()),
                short_status(o)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

async fn open_orders(
    app: &App,
    who: &Principal,
    tenant: &TenantId,
    customer: Option<&str>,
    period: Option<&str>,
) -> Result<Composed, ApiError> {
    // A B2B client asking about "our" orders means its own account(s).
    let customer = customer.map(str::to_owned).or_else(|| match who.scope.clients.as_deref() {
        Some([one]) => Some(one.clone()),
        _ => None,
    });
    let Some(customer) = customer else {
        return Ok(Composed::plain("Whose orders? Name the customer or account.", json!({})));
    };
    let window = period_window(app, tenant, period);
    let orders = visible_orders(app, who, tenant, Some(&customer), window.as_ref().map(|w| w.0)).await?;
    let open: Vec<&Order> = orders
        .iter()
        .filter(|o| is_open(o))
        .filter(|o| window.as_ref().is_none_or(|(s, e, _, _)| o.created_at >= *s && o.created_at < *e))
        .collect();
    let when = window.as_ref().map(|w| format!(" placed {}", w.2)).unwrap_or_default();
    let text = match open.len() {
        0 => format!("{customer} has no open orders{when}."),
        1 => format!("{customer} has 1 open order{when}: {}.", listed(&open)),
        n if n > LIST_SHOW => format!("{customer} has {n} open orders{when}; the newest {LIST_SHOW}: {}.", listed(&open)),
        n => format!("{customer} has {n} open orders{when}: {}.", listed(&open)),
    };
    Ok(Composed {
        text,
        citations: open.iter().map(|o| format!("order:{}", o.id)).collect(),
        data: json!({"customer": customer, "count": open.len(), "period": window.as_ref().map(|w| w.3.clone()),
                     "orders": open.iter().map(|o| order_row(o)).collect::<Vec<_>>()}),
    })
}

fn order_row(o: &Order) -> Value {
    json!({"order_id": o.id, "name": o.data.external_ids.storefront_name, "status": o.status, "account": o.data.customer.account,
           "po_number": o.data.po_number, "city": o.data.ship_to.city, "created_at": o.created_at,
           "shipments": o.shipments.iter().map(|s| json!({"tracking_number": s.tracking_number, "carrier": s.carrier, "service": s.service,
               "node": s.node, "shipped_at": s.shipped_at, "shipped_on": s.shipped_at.to_zoned(jiff::tz::TimeZone::UTC).date()})).collect::<Vec<_>>()})
}

#[allow(clippy::too_many_arguments)]
async fn shipments(
    app: &App,
    who: &Principal,
    tenant: &TenantId,
    place: Option<&str>,
    node: Option<&str>,
    customer: Option<&str>,
    period: Option<&str>,
) -> Result<Composed, ApiError> {
    let window = period_window(app, tenant, period);
    let orders = if place.is_some() || node.is_some() {
        // Found in the projection by city and node: an order shipped in the
        // window was last touched in it or later, whenever it was placed.
        let since = window.as_ref().map_or(Timestamp::UNIX_EPOCH, |w| w.0);
        let (store, t) = (app.store.clone(), tenant.clone());
        let (city, from) = (place.map(str::to_owned), node.map(str::to_owned));
        let found = tokio::task::spawn_blocking(move || store.shipped_orders(&t, city.as_deref(), from.as_deref(), since, SHIPPED_SCAN))
            .await
            .map_err(|_| ApiError::internal())??;
        found
            .into_iter()
            .filter(|o| who.sees_order(app, o))
            .filter(|o| {
                customer.is_none_or(|c| {
                    [&o.data.customer.account, &o.data.customer.name]
                        .into_iter()
                        .flatten()
                        .any(|n| n.eq_ignore_ascii_case(c))
                })
            })
            .map(|o| access::order_view(who, o))
            .collect()
    } else {
        // Shipments in the window may belong to orders placed a while before it.
        let since = window
            .as_ref()
            .and_then(|w| w.0.checked_sub(jiff::SignedDuration::from_hours(24 * 45)).ok());
        visible_orders(app, who, tenant, customer, since).await?
    };
    let mut rows = Vec::new();
    for o in &orders {
        if place.is_some_and(|p| !o.data.ship_to.city.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(p))) {
            continue;
        }
        for s in &o.shipments {
            if node.is_some_and(|n| s.node.as_ref().is_none_or(|sn| !sn.as_str().eq_ignore_ascii_case(n))) {
                continue;
            }
            if window
                .as_ref()
                .is_some_and(|(from, to, _, _)| s.shipped_at < *from || s.shipped_at >= *to)
            {
                continue;
            }
            rows.push((o, s));
        }
    }
    rows.sort_by_key(|(_, s)| std::cmp::Reverse(s.shipped_at));
    let to = place.map(|p| format!(" to {p}")).unwrap_or_default();
    let from = node.map(|n| format!(" from {n}")).unwrap_or_default();
    let of = customer.map(|c| format!(" for {c}")).unwrap_or_default();
    let when = window.as_ref().map(|w| format!(" {}", w.2)).unwrap_or_default();
    let items: Vec<String> = rows
        .iter()
        .take(LIST_SHOW)
        .map(|(o, s)| {
            let name = o.data.external_ids.storefront_name.clone().unwrap_or_else(|| o.id.to_string());
            let carrier = s.carrier.as_deref().map(|c| format!("{c} ")).unwrap_or_default();
            format!(
                "{name} ({carrier}{}, shipped {}, {})",
                s.tracking_number,
                s.shipped_at.to_zoned(jiff::tz::TimeZone::UTC).date().strftime("%b %-d"),
                o.status.as_str()
            )
        })
        .collect();
    let text = match rows.len() {
        0 => format!("No shipments{to}{from}{of}{when}."),
        1 => format!("1 shipment{to}{from}{of}{when}: {}.", items.join("; ")),
        n => format!("{n} shipments{to}{from}{of}{when}: {}.", items.join("; ")),
    };
    let mut seen = Vec::new();
    let data_orders: Vec<Value> = rows
        .iter()
        .filter(|(o, _)| {
            let new = !seen.contains(&o.id);
            if new {
                seen.push(o.id.clone());
            }
            new
        })
        .map(|(o, _)| order_row(o))
        .collect();
    Ok(Composed {
        text,
        citations: seen.iter().map(|id| format!("order:{id}")).collect(),
        data: json!({"place": place, "node": node, "customer": customer, "count": rows.len(),
                     "period": window.as_ref().map(|w| w.3.clone()), "orders": data_orders}),
    })
}

fn availability(app: &App, who: &Principal, tenant: &TenantId, sku: &str, node: Option<&str>) -> Result<Composed, ApiError> {
    who.require(Permission::ReadInventory)?;
    let (positions, _) = app.store.inventory(tenant, sku);
    let visible: Vec<(String, i64, i64)> = positions
        .iter()
        .filter(|(n, _)| {
            let id = model::NodeId::parse(n).ok();
            let region = id.as_ref().and_then(|id| access::node_region(app, id));
            who.sees_node(n, region)
        })
        .map(|(n, b)| (n.clone(), b.atp().max(0), b.on_hand))
        .collect();
    if visible.is_empty() {
        return Ok(not_found("stock of", sku));
    }
    let total: i64 = visible.iter().map(|(_, a, _)| a).sum();
    let mut parts = Vec::new();
    if let Some(asked) = node {
        match visible.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(asked)) {
            Some((n, a, _)) => parts.push(format!("{sku} has {a} available at {n}.")),
            None => parts.push(format!("{sku} has no stock record at {asked}.")),
        }
        let others: Vec<String> = visible
            .iter()
            .filter(|(n, a, _)| !n.eq_ignore_ascii_case(asked) && *a > 0)
            .map(|(n, a, _)| format!("{a} at {n}"))
            .collect();
        if !others.is_empty() {
            parts.push(format!("Elsewhere: {}.", others.join(", ")));
        }
    } else {
        let each: Vec<String> = visible.iter().map(|(n, a, _)| format!("{a} at {n}")).collect();
        parts.push(format!("{sku} has {total} available to promise: {}.", each.join(", ")));
    }
    Ok(Composed {
        text: parts.join(" "),
        citations: visible.iter().map(|(n, _, _)| format!("inventory:{sku}@{n}")).collect(),
        data: json!({"sku": sku, "total_available": total,
                     "nodes": visible.iter().map(|(n, a, h)| json!({"node": n, "available": a, "on_hand": h})).collect::<Vec<_>>()}),
    })
}

/// A policy or SOP question: the best passage of the configured documents, quoted.
fn policy(app: &App, question: &str, topic: Option<&str>) -> Composed {
    let Some(library) = &app.policies else {
        return Composed::plain(
            "No policy documents are configured ([service_desk] policies), so I cannot answer policy questions.",
            json!({"topic": topic}),
        );
    };
    match library.answer(question, topic) {
        Some(quote) => Composed {
            text: format!("From {} ({}): \"{}\"", quote.doc, quote.heading, quote.text),
            citations: vec![format!("policy:{}#L{}", quote.doc, quote.line)],
            data: json!({"topic": topic, "quote": quote}),
        },
        None => Composed::plain(
            "I found nothing in the policy documents that answers this.",
            json!({"topic": topic, "documents": library.documents()}),
        ),
    }
}

/// "start a return for order 1003, item damaged": the return flow itself,
/// with the caller's permissions (eligibility, disposition, RMA, review).
async fn start_return(app: &App, who: &Principal, tenant: &TenantId, s: &assistant::Slots) -> Result<Composed, ApiError> {
    let Some(order) = &s.order else {
        return Ok(Composed::plain(
            "Which order should the return be for? Give its number, the items and the reason.",
            json!({}),
        ));
    };
    let body = crate::returns::ReturnBody {
        order_id: order.clone(),
        lines: s
            .lines
            .iter()
            .filter_map(|sku| {
                Some(model::ops::LineQty {
                    sku: model::Sku::parse(sku).ok()?,
                    quantity: model::Quantity::new(1).ok()?,
                })
            })
            .collect(),
        reason: s.reason.map(str::to_owned),
        condition: s.condition.map(str::to_owned),
        customer_tier: None,
    };
    let started = match crate::returns::start(app, who, tenant, body).await {
        Ok(started) => started,
        Err(e) if e.status == axum::http::StatusCode::NOT_FOUND => return Ok(not_found("order", order)),
        // Refused as asked (nothing left to return, a quantity too high, a
        // role that may not start returns): said in the answer.
        Err(e) if e.status.is_client_error() => {
            return Ok(Composed::plain(
                format!("No return was started for order {order}: {}", e.message),
                json!({"order": order, "refused": {"code": e.code, "field": e.field, "message": e.message}}),
            ));
        }
        Err(e) => return Err(e),
    };
    let r = &started.record;
    let d = &started.decision;
    let name = started.order_name.clone().unwrap_or_else(|| r.order_id.clone());
    let label = format!("/v1/returns/{}/label.pdf", r.rma);
    let text = match d.outcome {
        engine::returns::Outcome::Authorize => format!("Return {} is authorised for order {name}. {} Label: {label}", r.rma, d.explanation),
        engine::returns::Outcome::Review => format!("Return {} for order {name} is waiting for review. {}", r.rma, d.explanation),
        engine::returns::Outcome::Refuse => format!("Order {name} cannot be returned: {}", d.explanation),
    };
    Ok(Composed {
        text,
        citations: vec![format!("order:{}", r.order_id), format!("return:{}", r.rma)],
        data: json!({"return": {"rma": r.rma, "status": r.status, "order_id": r.order_id, "order_name": name, "label": label}, "decision": d}),
    })
}
