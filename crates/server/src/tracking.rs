//! Where is my order: the fulfilment stage, every scan, the packages, the
//! next pickup, open exceptions with their meaning, an expected delivery
//! date with its interval, and a summary in plain words built only from
//! those facts.
//!
//! `GET /v1/orders/{id}/tracking` by any id the order is known by (its
//! number, storefront name, PO or tracking number), and `GET /v1/tracking`
//! by `email`, `po` or `tracking_number` for several orders at once.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use engine::carrier::{Eta, Lane, RateTables};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use model::event::EventBody;
use model::order::{Order, OrderStatus};
use model::shipment::TrackingStatus;
use model::{NodeId, TenantId};
use serde::Serialize;
use serde_json::json;
use store::LoggedEvent;

use crate::access::{self, Guard};
use crate::auth::Permission;
use crate::error::ApiError;
use crate::{App, pipeline};

/// The most orders `GET /v1/tracking` answers for one email or PO.
const MAX_ORDERS: usize = 20;

/// Where an order is, as `GET /v1/orders/{id}/tracking` answers.
#[derive(Debug, Clone, Serialize)]
pub struct Tracking {
    pub order_id: String,
    /// The storefront's name for it (`#1001`), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_name: Option<String>,
    pub status: OrderStatus,
    /// released, picked, packed, staged, shipped, out_for_delivery,
    /// delivered, exception — or open, on_hold, cancelled, returned before
    /// or after fulfilment.
    pub stage: &'static str,
    pub placed_at: Option<Stamp>,
    pub promised_by: Option<jiff::civil::Date>,
    pub timeline: Vec<Step>,
    pub last_scan: Option<Scan>,
    pub packages: Vec<Package>,
    /// The next carrier pickup at the node, while the order waits for one.
    pub pickup: Option<Pickup>,
    pub exceptions: Vec<OpenException>,
    pub eta: Option<Expected>,
    pub delivered_at: Option<Stamp>,
    /// Whether the order is expected after its promised date (or is already past it).
    pub late: bool,
    pub summary: String,
    /// The records every fact comes from: `order:…`, `event:<seq>`, `decision:<id>`.
    pub citations: Vec<String>,
}

/// An instant, also in the local time of the place it happened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stamp {
    pub at: Timestamp,
    /// RFC 3339 with the local offset, e.g. `2026-11-23T15:15:00-05:00`.
    pub local: String,
    #[serde(skip)]
    zoned: Option<jiff::Zoned>,
}

impl Stamp {
    fn new(at: Timestamp, tz: &TimeZone) -> Stamp {
        let zoned = at.to_zoned(tz.clone());
        Stamp {
            at,
            local: zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
            zoned: Some(zoned),
        }
    }

    fn date(&self) -> jiff::civil::Date {
        self.zoned
            .as_ref()
            .map_or_else(|| self.at.to_zoned(TimeZone::UTC).date(), |z| z.date())
    }

    /// "3:15 PM on Nov 23".
    fn words(&self) -> String {
        match &self.zoned {
            Some(z) => format!("{} on {}", z.strftime("%-I:%M %p"), z.strftime("%b %-d")),
            None => self.at.to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub at: Stamp,
    /// The event type, e.g. `order.packed`, `shipment.tracking`.
    pub kind: &'static str,
    pub what: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    pub source: String,
    pub event: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Scan {
    pub at: Stamp,
    pub status: TrackingStatus,
    pub tracking_number: String,
    pub location: Option<String>,
    pub description: Option<String>,
    pub event: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Package {
    pub tracking_number: String,
    pub carrier: Option<String>,
    pub service: Option<String>,
    pub node: Option<String>,
    pub shipped_at: Stamp,
    pub status: TrackingStatus,
    /// The carrier's own estimate, when it gave one.
    pub carrier_estimate: Option<jiff::civil::Date>,
    pub delivered_at: Option<Stamp>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pickup {
    pub node: String,
    pub carrier: String,
    pub date: jiff::civil::Date,
    /// The node's cutoff for this carrier, local `HH:MM`.
    pub cutoff: Option<String>,
    pub timezone: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpenException {
    pub code: String,
    pub meaning: Option<&'static str>,
    pub raised_at: Option<Stamp>,
    pub node: Option<String>,
    pub location: Option<String>,
    pub message: Option<String>,
    pub event: Option<u64>,
}

/// The expected delivery, from the learned transit model or the carrier.
#[derive(Debug, Clone, Serialize)]
pub struct Expected {
    pub likely: jiff::civil::Date,
    pub earliest: jiff::civil::Date,
    pub latest: jiff::civil::Date,
    /// The probability of delivery within `earliest..=latest` (None when the
    /// date is the carrier's own, which comes without one).
    pub coverage: Option<f64>,
    /// P(delivered by the promised date).
    pub p_on_time: Option<f64>,
    /// `learned` (crossdock's transit model, from deliveries seen), `advertised`
    /// (the same model before any delivery in the zone: the service's
    /// advertised days with their usual spread) or `carrier` (the carrier's estimate).
    pub basis: &'static str,
    pub carrier: Option<String>,
    pub service: Option<String>,
    pub ship_date: Option<jiff::civil::Date>,
    /// Deliveries the learned estimate rests on (lane, zone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observations: Option<(u32, u32)>,
}

/// What was planned for an order not shipped yet: the carrier decision.
#[derive(Debug, Clone)]
pub struct Planned {
    pub carrier: String,
    pub service: String,
    pub node: NodeId,
    pub decision: u64,
}

/// Everything [`build`] reads besides the order and its events.
pub struct Context<'a> {
    pub app: &'a App,
    pub now: Timestamp,
    pub planned: Option<Planned>,
}

fn node_tz(app: &App, node: Option<&str>) -> TimeZone {
    node.and_then(|n| NodeId::parse(n).ok())
        .and_then(|n| app.config.nodes.get(&n))
        .and_then(|n| n.timezone.as_deref())
        .and_then(|name| TimeZone::get(name).ok())
        .unwrap_or(TimeZone::UTC)
}

fn rate_tables() -> &'static RateTables {
    static TABLES: std::sync::OnceLock<RateTables> = std::sync::OnceLock::new();
    TABLES.get_or_init(engine::carrier::example_tables)
}

/// The tracking view of one order.
pub fn build(ctx: &Context, order: &Order, events: &[LoggedEvent]) -> Tracking {
    let app = ctx.app;
    let home = order.nodes.first().map(|n| n.as_str());
    let home_tz = node_tz(app, home);
    let mut citations = vec![format!("order:{}", order.id)];
    let mut timeline = Vec::new();
    let mut scans: Vec<Scan> = Vec::new();
    let mut raised: HashMap<String, OpenException> = HashMap::new();
    let mut estimates: HashMap<String, jiff::civil::Date> = HashMap::new();
    let mut delivered: HashMap<String, Stamp> = HashMap::new();
    let mut order_delivered: Option<Stamp> = None;
    for e in events {
        let (kind, what, location, node): (&'static str, String, Option<String>, Option<String>) = match &e.body {
            EventBody::OrderCreated(_) => ("order.created", "Order placed".into(), None, None),
            EventBody::OrderCancelled(c) => (
                "order.cancelled",
                match &c.reason {
                    Some(r) => format!("Cancelled: {r}"),
                    None => "Cancelled".into(),
                },
                None,
                None,
            ),
            EventBody::OrderReleased(s) | EventBody::OrderPicked(s) | EventBody::OrderPacked(s) | EventBody::OrderStaged(s) => {
                let (kind, verb) = match &e.body {
                    EventBody::OrderReleased(_) => ("order.released", "Released to the warehouse"),
                    EventBody::OrderPicked(_) => ("order.picked", "Picked"),
                    EventBody::OrderPacked(_) => ("order.packed", "Packed"),
                    _ => ("order.staged", "Staged for pickup"),
                };
                (kind, verb.into(), s.location.clone(), s.node.as_ref().map(|n| n.to_string()))
            }
            EventBody::OrderShipped(s) => {
                if let Some(d) = s.estimated_delivery_date {
                    estimates.insert(s.tracking_number.clone(), d);
                }
                let with = [s.carrier.as_deref(), s.service.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                let what = if with.is_empty() {
                    format!("Shipped, tracking {}", s.tracking_number)
                } else {
                    format!("Shipped with {with}, tracking {}", s.tracking_number)
                };
                ("order.shipped", what, s.location.clone(), s.node.as_ref().map(|n| n.to_string()))
            }
            EventBody::ShipmentTracking(t) => {
                if let Some(d) = t.estimated_delivery_date {
                    estimates.insert(t.tracking_number.clone(), d);
                }
                let stamp = Stamp::new(e.occurred_at, &home_tz);
                if t.status == TrackingStatus::Delivered {
                    delivered.insert(t.tracking_number.clone(), stamp.clone());
                }
                scans.push(Scan {
                    at: stamp,
                    status: t.status,
                    tracking_number: t.tracking_number.clone(),
                    location: t.location.clone(),
                    description: t.description.clone(),
                    event: e.seq,
                });
                let what = t.description.clone().unwrap_or_else(|| status_words(t.status).to_owned());
                ("shipment.tracking", what, t.location.clone(), None)
            }
            EventBody::OrderDelivered(_) => {
                order_delivered = Some(Stamp::new(e.occurred_at, &home_tz));
                ("order.delivered", "Delivered".into(), None, None)
            }
            EventBody::ExceptionRaised(x) => {
                raised.insert(
                    x.code.clone(),
                    OpenException {
                        code: x.code.clone(),
                        meaning: model::ops::WarehouseException::meaning(&x.code),
                        raised_at: Some(Stamp::new(e.occurred_at, &home_tz)),
                        node: x.node.as_ref().map(|n| n.to_string()),
                        location: x.location.clone(),
                        message: x.message.clone(),
                        event: Some(e.seq),
                    },
                );
                (
                    "exception.raised",
                    format!("Exception {}", x.code),
                    x.location.clone(),
                    x.node.as_ref().map(|n| n.to_string()),
                )
            }
            EventBody::ExceptionCleared(x) => {
                raised.remove(&x.code);
                (
                    "exception.cleared",
                    format!("Exception {} cleared", x.code),
                    None,
                    x.node.as_ref().map(|n| n.to_string()),
                )
            }
            EventBody::ReturnReceived(r) => (
                "return.received",
                "Return received".into(),
                None,
                r.node.as_ref().map(|n| n.to_string()),
            ),
            EventBody::TicketCreated(t) => ("ticket.created", format!("Ticket {} opened", t.ticket_id), None, None),
            _ => continue,
        };
        let tz = node.as_deref().map_or_else(|| home_tz.clone(), |n| node_tz(app, Some(n)));
        citations.push(format!("event:{}", e.seq));
        timeline.push(Step {
            at: Stamp::new(e.occurred_at, &tz),
            kind,
            what,
            location,
            node,
            source: e.source.clone(),
            event: e.seq,
        });
    }
    // Exceptions the order still has open, in the order they were raised.
    let mut exceptions: Vec<OpenException> = order
        .exceptions
        .iter()
        .map(|code| {
            raised.remove(code).unwrap_or_else(|| OpenException {
                code: code.clone(),
                meaning: model::ops::WarehouseException::meaning(code),
                raised_at: None,
                node: None,
                location: None,
                message: None,
                event: None,
            })
        })
        .collect();
    exceptions.sort_by_key(|x| x.event);

    let packages: Vec<Package> = order
        .shipments
        .iter()
        .map(|s| {
            let tz = node_tz(app, s.node.as_ref().map(|n| n.as_str()));
            let last = scans.iter().rev().find(|x| x.tracking_number == s.tracking_number);
            Package {
                tracking_number: s.tracking_number.clone(),
                carrier: s.carrier.clone(),
                service: s.service.clone(),
                node: s.node.as_ref().map(|n| n.to_string()),
                shipped_at: Stamp::new(s.shipped_at, &tz),
                status: last.map_or(TrackingStatus::PreTransit, |x| x.status),
                carrier_estimate: estimates.get(&s.tracking_number).copied(),
                delivered_at: delivered.get(&s.tracking_number).cloned(),
            }
        })
        .collect();
    let last_scan = scans.last().cloned();
    let delivered_at = order_delivered.or_else(|| {
        (!packages.is_empty() && packages.iter().all(|p| p.delivered_at.is_some()))
            .then(|| packages.iter().filter_map(|p| p.delivered_at.clone()).max_by_key(|s| s.at))
            .flatten()
    });
    let is_delivered = order.status == OrderStatus::Delivered || delivered_at.is_some();
    let carrier_trouble = packages.iter().any(|p| {
        matches!(
            p.status,
            TrackingStatus::Exception | TrackingStatus::Failure | TrackingStatus::ReturnToSender
        )
    });
    let stage = if !exceptions.is_empty() || carrier_trouble {
        "exception"
    } else if is_delivered {
        "delivered"
    } else if packages.iter().any(|p| p.status == TrackingStatus::OutForDelivery) {
        "out_for_delivery"
    } else {
        order.status.as_str()
    };

    let waiting = matches!(
        order.status,
        OrderStatus::Open | OrderStatus::OnHold | OrderStatus::Released | OrderStatus::Picked | OrderStatus::Packed | OrderStatus::Staged
    );
    let pickup = if waiting {
        ctx.planned.as_ref().and_then(|p| next_pickup(app, p, ctx.now))
    } else {
        None
    };
    if let Some(p) = &ctx.planned {
        citations.push(format!("decision:{}", p.decision));
    }
    let eta = if is_delivered || order.status.is_terminal() {
        None
    } else if packages.is_empty() {
        ctx.planned.as_ref().zip(pickup.as_ref()).and_then(|(p, pick)| {
            learned_eta(app, order, &p.node, &p.carrier, &p.service, pick.date).map(|(e, obs)| expected(e, obs, p, order))
        })
    } else {
        packages
            .iter()
            .filter(|p| p.delivered_at.is_none())
            .filter_map(|p| package_eta(app, order, p))
            .max_by_key(|e| e.likely)
    };
    let today = ctx.now.to_zoned(home_tz.clone()).date();
    let late = !is_delivered
        && !order.status.is_terminal()
        && order
            .data
            .promised_by
            .is_some_and(|promised| promised < today || eta.as_ref().is_some_and(|e| e.likely > promised));
    let placed_at = order.data.placed_at.map(|t| Stamp::new(t, &home_tz));
    let mut tracking = Tracking {
        order_id: order.id.to_string(),
        order_name: order.data.external_ids.storefront_name.clone(),
        status: order.status,
        stage,
        placed_at,
        promised_by: order.data.promised_by,
        timeline,
        last_scan,
        packages,
        pickup,
        exceptions,
        eta,
        delivered_at,
        late,
        summary: String::new(),
        citations,
    };
    tracking.summary = summary(&tracking, today);
    tracking
}

fn status_words(status: TrackingStatus) -> &'static str {
    match status {
        TrackingStatus::PreTransit => "Label created, waiting for the carrier",
        TrackingStatus::InTransit => "In transit",
        TrackingStatus::OutForDelivery => "Out for delivery",
        TrackingStatus::Delivered => "Delivered",
        TrackingStatus::AvailableForPickup => "Available for pickup",
        TrackingStatus::ReturnToSender => "Returning to sender",
        TrackingStatus::Failure => "Delivery failed",
        TrackingStatus::Exception => "Carrier exception",
        TrackingStatus::Unknown => "Status unknown",
    }
}

/// The next pickup of the planned carrier at the planned node.
fn next_pickup(app: &App, planned: &Planned, now: Timestamp) -> Option<Pickup> {
    let config = app.config.nodes.get(&planned.node)?;
    let tz = node_tz(app, Some(planned.node.as_str()));
    let cutoff = config
        .cutoffs
        .iter()
        .filter(|c| c.carrier.eq_ignore_ascii_case(&planned.carrier))
        .map(|c| c.time.clone())
        .max();
    let at = cutoff.as_deref().and_then(|c| jiff::civil::Time::strptime("%H:%M", c).ok());
    let local = now.to_zoned(tz.clone()).datetime();
    Some(Pickup {
        node: planned.node.to_string(),
        carrier: planned.carrier.clone(),
        date: engine::carrier::pickup_day(local, at),
        cutoff,
        timezone: tz.iana_name().unwrap_or("UTC").to_owned(),
    })
}

/// The learned estimate for a parcel of `order` leaving `node` on `ship_date`.
fn learned_eta(
    app: &App,
    order: &Order,
    node: &NodeId,
    carrier: &str,
    service: &str,
    ship_date: jiff::civil::Date,
) -> Option<(Eta, (u32, u32))> {
    let table = rate_tables().find(carrier, service)?;
    let from = pipeline::node_address(app, node)?;
    let lane = Lane::between(node, &from, &order.data.ship_to).ok()?;
    let estimate = app
        .transit
        .read()
        .estimate(&table.carrier, &table.service, &lane, table.nominal_days(lane.zone));
    let today = jiff::Timestamp::now().to_zoned(pipeline::node_tz(app, node)).date();
    let eta = engine::carrier::eta_from(&estimate, ship_date, today, engine::carrier::DEFAULT_COVERAGE).ok()?;
    let p_on_time = order.data.promised_by.map(|p| estimate.p_on_time(p, ship_date));
    let observations = (estimate.lane_observations, estimate.zone_observations);
    Some((
        Eta {
            p_by_likely: p_on_time.unwrap_or(eta.p_by_likely),
            ..eta
        },
        observations,
    ))
}

fn expected(eta: Eta, observations: (u32, u32), planned: &Planned, order: &Order) -> Expected {
    Expected {
        likely: eta.likely,
        earliest: eta.earliest,
        latest: eta.latest,
        coverage: Some(round2(eta.coverage)),
        p_on_time: order.data.promised_by.map(|_| round2(eta.p_by_likely)),
        // With no delivery seen in the lane's zone the distribution is the
        // prior around the advertised days: say so.
        basis: if observations == (0, 0) { "advertised" } else { "learned" },
        carrier: Some(planned.carrier.clone()),
        service: Some(planned.service.clone()),
        ship_date: Some(eta.ship_date),
        observations: Some(observations),
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A shipped package: the learned estimate from its ship date, else the carrier's.
fn package_eta(app: &App, order: &Order, p: &Package) -> Option<Expected> {
    if let (Some(carrier), Some(service), Some(node)) = (&p.carrier, &p.service, p.node.as_deref().and_then(|n| NodeId::parse(n).ok()))
        && let Some((eta, obs)) = learned_eta(app, order, &node, carrier, service, p.shipped_at.date())
    {
        let planned = Planned {
            carrier: carrier.clone(),
            service: service.clone(),
            node,
            decision: 0,
        };
        return Some(expected(eta, obs, &planned, order));
    }
    let date = p.carrier_estimate?;
    Some(Expected {
        likely: date,
        earliest: date,
        latest: date,
        coverage: None,
        p_on_time: None,
        basis: "carrier",
        carrier: p.carrier.clone(),
        service: p.service.clone(),
        ship_date: Some(p.shipped_at.date()),
        observations: None,
    })
}

fn day_words(date: jiff::civil::Date, today: jiff::civil::Date) -> String {
    match (date - today).get_days() {
        0 => format!("today ({})", date.strftime("%b %-d")),
        1 => format!("tomorrow ({})", date.strftime("%b %-d")),
        _ => date.strftime("%a %b %-d").to_string(),
    }
}

/// The plain-words summary; every fact in it is a field of `t`.
fn summary(t: &Tracking, today: jiff::civil::Date) -> String {
    let name = t.order_name.clone().unwrap_or_else(|| format!("Order {}", t.order_id));
    let name = if name.starts_with('#') { format!("Order {name}") } else { name };
    let mut out = Vec::new();
    let last_step = |kind: &str| t.timeline.iter().rev().find(|s| s.kind == kind);
    let at_place = |s: &Step| {
        s.location
            .as_deref()
            .or(s.node.as_deref())
            .map(|l| format!(" at {l}"))
            .unwrap_or_default()
    };
    match t.status {
        OrderStatus::Cancelled => out.push(format!("{name} was cancelled.")),
        OrderStatus::Returned => out.push(format!("{name} was returned.")),
        _ if t.delivered_at.is_some() => {
            let d = t.delivered_at.as_ref().map(Stamp::words).unwrap_or_default();
            out.push(format!("{name} was delivered at {d}."));
        }
        OrderStatus::Shipped | OrderStatus::PartiallyShipped | OrderStatus::Delivered => {
            let shipped = t.packages.first();
            if let Some(p) = shipped {
                let with = [p.carrier.as_deref(), p.service.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                let from = p.node.as_deref().map(|n| format!(" from {n}")).unwrap_or_default();
                let with = if with.is_empty() { String::new() } else { format!(" with {with}") };
                out.push(format!("{name} shipped{from}{with} at {}.", p.shipped_at.words()));
            }
            if let Some(scan) = &t.last_scan {
                let place = scan.location.as_deref().map(|l| format!(" in {l}")).unwrap_or_default();
                let what = scan.description.clone().unwrap_or_else(|| status_words(scan.status).to_owned());
                out.push(format!("Last scan: {what}{place} at {}.", scan.at.words()));
            }
        }
        OrderStatus::Staged | OrderStatus::Packed | OrderStatus::Picked | OrderStatus::Released => {
            let kind = match t.status {
                OrderStatus::Staged => "order.staged",
                OrderStatus::Packed => "order.packed",
                OrderStatus::Picked => "order.picked",
                _ => "order.released",
            };
            let verb = match t.status {
                OrderStatus::Staged => "was staged",
                OrderStatus::Packed => "was packed",
                OrderStatus::Picked => "was picked",
                _ => "was released to the warehouse",
            };
            match last_step(kind) {
                Some(s) => out.push(format!("{name} {verb}{} at {}.", at_place(s), s.at.words())),
                None => out.push(format!("{name} {verb}.")),
            }
            if let Some(p) = &t.pickup {
                let cutoff = p.cutoff.as_deref().map(|c| format!(" (cutoff {c})")).unwrap_or_default();
                out.push(format!(
                    "It goes out with the {} pickup at {} {}{cutoff}.",
                    p.carrier,
                    p.node,
                    day_words(p.date, today)
                ));
            }
        }
        OrderStatus::OnHold => out.push(format!("{name} is on hold and has not been released to a warehouse.")),
        OrderStatus::Open => out.push(format!("{name} has not been released to a warehouse yet.")),
    }
    let numbers: Vec<&str> = t.packages.iter().map(|p| p.tracking_number.as_str()).collect();
    match numbers.as_slice() {
        [] => {}
        [one] => out.push(format!("Tracking {one}.")),
        many => out.push(format!("Tracking {}.", many.join(", "))),
    }
    if t.exceptions.is_empty() {
        if !t.status.is_terminal() {
            out.push("No exceptions.".into());
        }
    } else {
        let list: Vec<String> = t
            .exceptions
            .iter()
            .map(|x| match x.meaning {
                Some(m) => format!("{} ({m})", x.code),
                None => x.code.clone(),
            })
            .collect();
        out.push(format!("Open exceptions: {}.", list.join("; ")));
    }
    if let Some(e) = &t.eta {
        let range = if e.earliest == e.latest {
            String::new()
        } else {
            match e.coverage {
                Some(c) => format!(
                    ", {:.0}% likely between {} and {}",
                    c * 100.0,
                    e.earliest.strftime("%b %-d"),
                    e.latest.strftime("%b %-d")
                ),
                None => String::new(),
            }
        };
        let whose = match e.basis {
            "carrier" => " (the carrier's estimate)",
            "advertised" => " (from the service's advertised transit time)",
            _ => "",
        };
        if e.coverage == Some(0.0) {
            out.push(format!(
                "It has taken longer than any delivery seen for this service; the earliest it can now arrive is {}.",
                day_words(e.likely, today)
            ));
        } else {
            out.push(format!("Expected delivery {}{whose}{range}.", day_words(e.likely, today)));
        }
    }
    if t.late
        && let Some(promised) = t.promised_by
    {
        out.push(format!(
            "It was promised by {}, so it is running late.",
            promised.strftime("%b %-d")
        ));
    }
    out.join(" ")
}

/// The carrier decided for an order not shipped yet, if any.
pub fn planned(app: &App, tenant: &TenantId, order: &Order) -> Option<Planned> {
    let last = app
        .store
        .decisions(tenant, Some(order.id.as_str()), Some("carrier"), 0, 100)
        .ok()?
        .pop()?;
    let out = &last.output;
    Some(Planned {
        carrier: out["carrier"].as_str()?.to_owned(),
        service: out["service"].as_str()?.to_owned(),
        node: out["node"].as_str().and_then(|n| NodeId::parse(n).ok())?,
        decision: last.id,
    })
}

/// The tracking of one order the caller may see, read off the blocking pool.
pub async fn lookup(app: &App, who: &crate::auth::Principal, tenant: &TenantId, reference: &str) -> Result<Option<Tracking>, ApiError> {
    let (app2, tenant2, reference2) = (app.clone(), tenant.clone(), reference.to_owned());
    let found = tokio::task::spawn_blocking(move || -> Result<_, store::Error> {
        let Some((order, events)) = app2.store.order_history(&tenant2, &reference2)? else {
            return Ok(None);
        };
        let planned = planned(&app2, &tenant2, &order);
        Ok(Some((order, events, planned)))
    })
    .await
    .map_err(|_| ApiError::internal())??;
    let Some((order, events, planned)) = found.filter(|(o, _, _)| who.sees_order(app, o)) else {
        return Ok(None);
    };
    let ctx = Context {
        app,
        now: Timestamp::now(),
        planned,
    };
    Ok(Some(build(&ctx, &order, &events)))
}

/// `GET /v1/orders/{id}/tracking`.
pub async fn get_tracking(
    State(app): State<App>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReadOrders)?;
    let tenant = who.tenant(&app, params.get("tenant").map(String::as_str))?;
    match lookup(&app, &who, &tenant, &id).await? {
        Some(tracking) => Ok(axum::Json(tracking).into_response()),
        None => Err(ApiError::not_found("order", &id)),
    }
}

/// `GET /v1/tracking?email=|po=|tracking_number=`: the tracking of every
/// order (up to 20, newest first) the caller may see under that key.
pub async fn search(
    State(app): State<App>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let who = access::caller(&app, &headers).await?;
    who.require(Permission::ReadOrders)?;
    let tenant = who.tenant(&app, params.get("tenant").map(String::as_str))?;
    let keys: Vec<(&str, &String)> = ["email", "po", "tracking_number"]
        .into_iter()
        .filter_map(|k| params.get(k).map(|v| (k, v)))
        .collect();
    let (key, value) = match keys.as_slice() {
        [one] => *one,
        [] => {
            return Err(ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "missing_parameter",
                "Give one of `email`, `po` or `tracking_number`.",
            )
            .field("email"));
        }
        _ => {
            return Err(ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                "conflicting_parameters",
                "Give only one of `email`, `po` or `tracking_number`.",
            )
            .field(keys[1].0));
        }
    };
    let value = value.trim();
    if value.is_empty() || value.len() > 200 {
        return Err(ApiError::invalid("invalid_parameter", format!("`{key}` must be 1 to 200 characters.")).field(key));
    }
    let ids: Vec<String> = if key == "tracking_number" {
        vec![value.to_owned()]
    } else {
        let query = store::OrderQuery {
            customer: (key == "email").then(|| value.to_owned()),
            po: (key == "po").then(|| value.to_owned()),
            ..Default::default()
        };
        let store = app.store.clone();
        let t = tenant.clone();
        let page = tokio::task::spawn_blocking(move || store.orders(&t, &query, None, MAX_ORDERS))
            .await
            .map_err(|_| ApiError::internal())??;
        page.items.into_iter().map(|o| o.id.to_string()).collect()
    };
    let mut items = Vec::new();
    for id in ids {
        if let Some(t) = lookup(&app, &who, &tenant, &id).await? {
            items.push(t);
        }
    }
    Ok(axum::Json(json!({ "items": items })).into_response())
}
