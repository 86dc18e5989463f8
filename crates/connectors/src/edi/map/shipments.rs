//! 856 ship notices and 945 warehouse shipping advice into shipment events.

use std::collections::HashMap;

use jiff::civil::Date;
use model::event::Shipped;
use model::ops::{Asn, LineQty};
use model::{EventBody, OrderId, Quantity, Timestamp};

use super::super::error::{EdiError, ElementFault};
use super::super::lexer::Segment;
use super::fields::{self, Parties, choose_sku, date, fault, instant_hint, order_id, owned, products, quantity, text};
use super::{Doc, LineSource, Mapped, ShipNoticeReading};

/// LIN02/LIN03 … LIN30/LIN31.
const LIN_PRODUCT_PAIRS: [(usize, usize); 15] = [
    (2, 3),
    (4, 5),
    (6, 7),
    (8, 9),
    (10, 11),
    (12, 13),
    (14, 15),
    (16, 17),
    (18, 19),
    (20, 21),
    (22, 23),
    (24, 25),
    (26, 27),
    (28, 29),
    (30, 31),
];
/// W1207/W1208, after the U.P.C. case code in W1206.
const W12_PRODUCT_PAIRS: [(usize, usize); 1] = [(7, 8)];

/// How good a reference is as a tracking number; lower is better. A
/// package's own tracking beats the shipment's; a bill of lading or the
/// shipment id are last resorts, because the model needs some number to
/// follow the shipment by.
fn tracking_rank(segment: &str, qualifier: &str) -> Option<u8> {
    match (segment, qualifier) {
        ("REF", "2I") => Some(0),
        ("REF", "CN") | ("MAN", "CP") => Some(1),
        ("MAN", "SM") => Some(2),
        ("REF", "BM") => Some(3),
        ("REF", "SI") => Some(4),
        _ => None,
    }
}

/// One HL level and what was said at it.
struct Level<'s, 'a> {
    hl: Option<&'s Segment<'a>>,
    parent: Option<usize>,
    code: &'a str,
    order: Option<&'s Segment<'a>>,
    tracking: Option<(u8, &'a str)>,
    items: Vec<Item<'s, 'a>>,
}

struct Item<'s, 'a> {
    lin: &'s Segment<'a>,
    sn1: Option<&'s Segment<'a>>,
}

/// Shipment-wide facts, wherever in the hierarchy they were given.
#[derive(Default)]
struct Facts<'a> {
    carrier: Option<&'a str>,
    service: Option<&'a str>,
    shipped_at: Option<Timestamp>,
    estimated_delivery: Option<Date>,
}

/// The 856 ship notice, read as outbound (orders shipped) or as inbound
/// (an ASN to our node) as [`ShipNoticeReading`] decides.
pub(super) fn ship_notice(doc: &Doc<'_, '_>) -> Result<Mapped, EdiError> {
    let mut bsn = None;
    let mut facts = Facts::default();
    let mut parties = Parties::default();
    // Index 0 holds what comes before the first HL.
    let mut levels = vec![Level::root()];
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    for seg in doc.tx.body() {
        let current = levels.len() - 1;
        match seg.id {
            "BSN" => bsn = Some(seg),
            "HL" => {
                let level = Level::open(seg, &levels, &by_id)?;
                if let Some(id) = text(seg, 1) {
                    by_id.insert(id, levels.len());
                }
                levels.push(level);
            }
            "PRF" => levels[current].order = levels[current].order.or(Some(seg)),
            "REF" | "MAN" => levels[current].note_tracking(seg),
            "TD5" if facts.carrier.is_none() => {
                facts.carrier = text(seg, 3);
                facts.service = text(seg, 5).or_else(|| text(seg, 12));
            }
            // 011 shipped, 017 estimated delivery.
            "DTM" if seg.element(1) == "011" && facts.shipped_at.is_none() => facts.shipped_at = instant_hint(seg, 2, Some(3)),
            "DTM" if seg.element(1) == "017" && facts.estimated_delivery.is_none() => facts.estimated_delivery = date(seg, 2, Some(373))?,
            "N1" | "N3" | "N4" => {
                parties.read(seg);
            }
            "LIN" => levels[current].items.push(Item { lin: seg, sn1: None }),
            "SN1" => match levels[current].items.last_mut() {
                Some(item) if item.sn1.is_none() => item.sn1 = Some(seg),
                _ => {
                    return Err(fields::missing_before(
                        seg,
                        "LIN",
                        "Each SN1 follows the LIN it counts, in the same HL level.",
                    ));
                }
            },
            _ => {}
        }
    }
    let bsn = bsn.ok_or_else(|| doc.missing("BSN", "beginning segment for ship notice"))?;
    // BSN03 and BSN04 are mandatory: when the notice was made, the time of a shipment without a DTM*011.
    let made = fields::instant(
        fields::mandatory_date(bsn, 3, "date")?,
        Some(fields::mandatory_time(bsn, 4, "time")?),
    );
    let occurred_at = facts.shipped_at.or(made).unwrap_or(doc.fallback_time);
    let inbound = match doc.ctx.ship_notice {
        ShipNoticeReading::Inbound => true,
        ShipNoticeReading::Outbound => false,
        ShipNoticeReading::Auto => ships_to_our_node(doc, &parties),
    };
    let shipments = group_items(doc, &levels)?;
    let mut mapped = Mapped::default();
    if inbound {
        advance_ship_notices(doc, bsn, &facts, shipments, occurred_at, &mut mapped)?;
    } else {
        shipped_orders(doc, bsn, &facts, shipments, occurred_at, &mut mapped)?;
    }
    Ok(mapped)
}

/// Whether an N1*ST names the connection's node by code or name.
fn ships_to_our_node(doc: &Doc<'_, '_>, parties: &Parties<'_>) -> bool {
    let Some(node) = &doc.ctx.node else { return false };
    parties.list.iter().filter(|p| p.entity == "ST").any(|p| {
        [p.code, p.name]
            .into_iter()
            .flatten()
            .any(|v| v.eq_ignore_ascii_case(node.as_str()))
    })
}

impl<'s, 'a> Level<'s, 'a> {
    fn root() -> Self {
        Level {
            hl: None,
            parent: None,
            code: "",
            order: None,
            tracking: None,
            items: Vec::new(),
        }
    }

    /// HL01 id, HL02 parent id, HL03 level code. Without HL02 the parent is
    /// the nearest earlier level above this one (S > O > T > P > I), which is
    /// what senders that omit it mean.
    fn open(seg: &'s Segment<'a>, levels: &[Level<'s, 'a>], by_id: &HashMap<&str, usize>) -> Result<Self, EdiError> {
        let code = seg.element(3).trim();
        let parent = match text(seg, 2) {
            Some(parent) => Some(*by_id.get(parent).ok_or_else(|| {
                fault(
                    seg,
                    2,
                    Some(734),
                    ElementFault::InvalidCode,
                    format!("HL02 `{parent}` names no earlier HL01."),
                )
            })?),
            None if code == "S" => Some(0),
            None => {
                let rank = level_rank(code);
                let above = levels.iter().rposition(|l| l.hl.is_some() && level_rank(l.code) < rank);
                Some(above.unwrap_or(0))
            }
        };
        Ok(Level {
            hl: Some(seg),
            parent,
            code,
            order: None,
            tracking: None,
            items: Vec::new(),
        })
    }

    fn note_tracking(&mut self, seg: &Segment<'a>) {
        let (Some(qualifier), Some(value)) = (text(seg, 1), text(seg, 2)) else {
            return;
        };
        if let Some(rank) = tracking_rank(seg.id, qualifier)
            && self.tracking.is_none_or(|(best, _)| rank < best)
        {
            self.tracking = Some((rank, value));
        }
    }
}

fn level_rank(code: &str) -> u8 {
    match code {
        "S" => 0,
        "O" => 1,
        "T" => 2,
        "P" => 3,
        "I" => 4,
        _ => 3,
    }
}

/// The lines of one order that left in one package (or one shipment).
struct Package<'s, 'a> {
    order: &'s Segment<'a>,
    tracking: Option<&'a str>,
    lines: Vec<(LineQty, LineSource)>,
}

/// Walks each item up the hierarchy to its order and its nearest tracking
/// number, and groups the items by both. An order level without items
/// below it shipped whole.
fn group_items<'s, 'a>(doc: &Doc<'_, 'a>, levels: &[Level<'s, 'a>]) -> Result<Vec<Package<'s, 'a>>, EdiError> {
    // Parents always come before their children, so each walk ends at the root.
    let ancestors = |start: usize| std::iter::successors(Some(start), |&i| levels[i].parent);
    let mut has_items_below = vec![false; levels.len()];
    for (at, _) in levels.iter().enumerate().filter(|(_, l)| !l.items.is_empty()) {
        for i in ancestors(at) {
            has_items_below[i] = true;
        }
    }
    let only_order = {
        let mut orders = levels.iter().filter_map(|l| l.order);
        match (orders.next(), orders.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    };
    let mut packages: Vec<Package<'s, 'a>> = Vec::new();
    for (at, level) in levels.iter().enumerate() {
        let order = ancestors(at).find_map(|i| levels[i].order).or(only_order);
        let tracking = ancestors(at).find_map(|i| levels[i].tracking).map(|(_, t)| t);
        if let Some(order) = level.order.filter(|_| !has_items_below[at]) {
            packages.push(Package {
                order,
                tracking,
                lines: Vec::new(),
            });
        }
        for item in &level.items {
            let order = order.ok_or_else(|| doc.missing("PRF", "the purchase order the shipped items belong to"))?;
            let Some(line) = item_line(doc, item)? else { continue };
            match packages.iter_mut().find(|p| std::ptr::eq(p.order, order) && p.tracking == tracking) {
                Some(package) => package.lines.push(line),
                None => packages.push(Package {
                    order,
                    tracking,
                    lines: vec![line],
                }),
            }
        }
    }
    if packages.is_empty() {
        return Err(doc.missing("PRF", "an order level (HL*O with PRF) or shipped items"));
    }
    Ok(packages)
}

/// LIN names the product, SN1 the units shipped (SN102). Zero units are a
/// line that did not ship, so it is left out.
fn item_line(doc: &Doc<'_, '_>, item: &Item<'_, '_>) -> Result<Option<(LineQty, LineSource)>, EdiError> {
    let sn1 = item.sn1.ok_or_else(|| {
        let mut e = doc.missing("SN1", "units shipped for the item");
        e.position.segment_position = Some(item.lin.position + 1);
        e
    })?;
    let Some(units) = quantity(sn1, 2, Some(382))?.filter(|q| q.units() != 0) else {
        return Ok(None);
    };
    if units.units() < 0 {
        return Err(fault(
            sn1,
            2,
            Some(382),
            ElementFault::InvalidCharacter,
            "SN102 (units shipped) is negative.",
        ));
    }
    let ids = products(item.lin, &LIN_PRODUCT_PAIRS, None)?;
    let (sku, qualifier) = choose_sku(doc.ctx, item.lin, &ids)?;
    let source = LineSource {
        event: 0,
        line: 0,
        segment: item.lin.position,
        qualifier: qualifier.to_owned(),
        ids: fields::product_ids(&ids),
        unit: owned(sn1, 3),
    };
    Ok(Some((LineQty { sku, quantity: units }, source)))
}

/// Outbound reading: one `order.shipped` per order and tracking number.
fn shipped_orders(
    doc: &Doc<'_, '_>,
    bsn: &Segment<'_>,
    facts: &Facts<'_>,
    packages: Vec<Package<'_, '_>>,
    occurred_at: Timestamp,
    mapped: &mut Mapped,
) -> Result<(), EdiError> {
    let bsn_id = text(bsn, 2);
    for package in packages {
        let order_id = order_id(package.order, 1, Some(324), "purchase order number")?;
        let tracking = match (package.tracking, bsn_id) {
            (Some(t), _) => t.to_owned(),
            (None, Some(shipment)) => {
                mapped.notes.push(format!(
                    "Order `{order_id}`: no tracking number (REF*2I/CN, MAN*CP/SM, REF*BM/SI); the shipment id BSN02 `{shipment}` stands in."
                ));
                shipment.to_owned()
            }
            (None, None) => return Err(doc.missing("REF", "a tracking number or shipment id")),
        };
        let (lines, sources) = split_lines(mapped.events.len(), package.lines);
        mapped.lines.extend(sources);
        let body = EventBody::OrderShipped(Shipped {
            order_id,
            node: doc.ctx.node.clone(),
            wms_order_key: None,
            carrier: facts.carrier.map(str::to_owned),
            service: facts.service.map(str::to_owned),
            tracking_number: tracking,
            location: None,
            estimated_delivery_date: facts.estimated_delivery,
            lines,
        });
        doc.push(mapped, occurred_at, body);
    }
    Ok(())
}

/// Inbound reading: one `asn.created` per purchase order the shipment fills.
fn advance_ship_notices(
    doc: &Doc<'_, '_>,
    bsn: &Segment<'_>,
    facts: &Facts<'_>,
    packages: Vec<Package<'_, '_>>,
    occurred_at: Timestamp,
    mapped: &mut Mapped,
) -> Result<(), EdiError> {
    let node = doc.node()?;
    let shipment = fields::required(bsn, 2, Some(396), "shipment identification")?;
    let mut by_order: Vec<(String, Vec<(LineQty, LineSource)>)> = Vec::new();
    for package in packages {
        let po = order_id(package.order, 1, Some(324), "purchase order number")?.to_string();
        match by_order.iter_mut().find(|(o, _)| *o == po) {
            Some((_, lines)) => lines.extend(package.lines),
            None => by_order.push((po, package.lines)),
        }
    }
    let several = by_order.len() > 1;
    for (po, lines) in by_order {
        if lines.is_empty() {
            return Err(doc.missing("LIN", "the items an inbound shipment carries"));
        }
        let (lines, sources) = split_lines(mapped.events.len(), lines);
        mapped.lines.extend(sources);
        let asn_id = if several { format!("{shipment}/{po}") } else { shipment.to_owned() };
        let body = EventBody::AsnCreated(Asn {
            asn_id,
            po_number: Some(po),
            node: node.clone(),
            lines,
            expected_at: facts.estimated_delivery,
        });
        doc.push(mapped, occurred_at, body);
    }
    Ok(())
}

fn split_lines(event: usize, lines: Vec<(LineQty, LineSource)>) -> (Vec<LineQty>, Vec<LineSource>) {
    lines
        .into_iter()
        .enumerate()
        .map(|(i, (line, source))| (line, LineSource { event, line: i, ..source }))
        .unzip()
}

/// 945: the warehouse shipped an order. W0602 is the depositor's order
/// number; the tracking number is an N9*2I/CN when given, else the
/// shipment id (W0604, usually the bill of lading) the carrier knows.
pub(super) fn shipping_advice(doc: &Doc<'_, '_>) -> Result<Mapped, EdiError> {
    let mut w06 = None;
    let mut tracking: Option<(u8, &str)> = None;
    let mut facts = Facts::default();
    let mut lines: Vec<(LineQty, LineSource)> = Vec::new();
    let mut in_detail = false;
    for seg in doc.tx.body() {
        match seg.id {
            "W06" => w06 = Some(seg),
            "LX" => in_detail = true,
            "N9" if !in_detail => {
                let rank = match seg.element(1) {
                    "2I" => Some(0),
                    "CN" => Some(1),
                    _ => None,
                };
                if let (Some(rank), Some(value)) = (rank, text(seg, 2))
                    && tracking.is_none_or(|(best, _)| rank < best)
                {
                    tracking = Some((rank, value));
                }
            }
            // 11 shipped on, 17 estimated delivery.
            "G62" if seg.element(1) == "11" && facts.shipped_at.is_none() => facts.shipped_at = instant_hint(seg, 2, Some(4)),
            "G62" if seg.element(1) == "17" && facts.estimated_delivery.is_none() => facts.estimated_delivery = date(seg, 2, Some(373))?,
            "W27" if facts.carrier.is_none() => {
                facts.carrier = text(seg, 2);
                facts.service = text(seg, 3);
            }
            "W12" => {
                if let Some(line) = w12_line(doc, seg, lines.len())? {
                    lines.push(line);
                }
            }
            _ => {}
        }
    }
    let w06 = w06.ok_or_else(|| doc.missing("W06", "warehouse shipment identification"))?;
    let order_id: OrderId = order_id(w06, 2, None, "depositor order number")?;
    let tracking = match tracking {
        Some((_, t)) => t,
        None => text(w06, 4).or_else(|| text(w06, 5)).ok_or_else(|| {
            fault(
                w06,
                4,
                None,
                ElementFault::ConditionalMissing,
                "No tracking number: neither an N9*2I/CN nor a shipment id in W0604 or W0605.",
            )
        })?,
    };
    let occurred_at = instant_hint(w06, 3, None).or(facts.shipped_at).unwrap_or(doc.fallback_time);
    let mut mapped = Mapped::default();
    let (lines, sources) = split_lines(0, lines);
    mapped.lines = sources;
    let body = EventBody::OrderShipped(Shipped {
        order_id,
        node: doc.ctx.node.clone(),
        wms_order_key: None,
        carrier: facts.carrier.map(str::to_owned),
        service: facts.service.map(str::to_owned),
        tracking_number: tracking.to_owned(),
        location: None,
        estimated_delivery_date: facts.estimated_delivery,
        lines,
    });
    doc.push(&mut mapped, occurred_at, body);
    Ok(mapped)
}

/// W12: W1203 units shipped (W1202, ordered, when W1203 is absent), W1205
/// unit, W1206 U.P.C. case code, W1207/W1208 product id.
fn w12_line(doc: &Doc<'_, '_>, seg: &Segment<'_>, index: usize) -> Result<Option<(LineQty, LineSource)>, EdiError> {
    let units = match quantity(seg, 3, Some(382))? {
        Some(q) => q,
        None => quantity(seg, 2, Some(330))?.unwrap_or(Quantity::ZERO),
    };
    if units.units() == 0 {
        return Ok(None);
    }
    if units.units() < 0 {
        return Err(fault(
            seg,
            3,
            Some(382),
            ElementFault::InvalidCharacter,
            "W1203 (units shipped) is negative.",
        ));
    }
    let ids = products(seg, &W12_PRODUCT_PAIRS, Some(6))?;
    let (sku, qualifier) = choose_sku(doc.ctx, seg, &ids)?;
    let source = LineSource {
        event: 0,
        line: index,
        segment: seg.position,
        qualifier: qualifier.to_owned(),
        ids: fields::product_ids(&ids),
        unit: owned(seg, 5),
    };
    Ok(Some((LineQty { sku, quantity: units }, source)))
}
