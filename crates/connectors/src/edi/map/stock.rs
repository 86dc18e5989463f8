//! 846 inventory advice, 943 stock transfer shipments and 944 receipts:
//! stock at the connection's node.

use model::EventBody;
use model::event::InventorySnapshot;
use model::ops::{Asn, LineQty, Receipt};

use super::super::error::{EdiError, ElementFault};
use super::super::lexer::Segment;
use super::fields::{self, choose_sku, date, fault, instant_hint, owned, positive_quantity, products, quantity, text};
use super::{Doc, LineSource, Mapped};

/// LIN02/LIN03 … LIN10/LIN11: inventory advice names few ids per item.
const LIN_PRODUCT_PAIRS: [(usize, usize); 5] = [(2, 3), (4, 5), (6, 7), (8, 9), (10, 11)];
/// W0404/W0405 (943) and W0704/W0705, W0706/W0707 (944).
const W04_PRODUCT_PAIRS: [(usize, usize); 1] = [(4, 5)];
const W07_PRODUCT_PAIRS: [(usize, usize); 2] = [(4, 5), (6, 7)];

/// 846: one `inventory.snapshot` per LIN, from its QTY*17 (quantity on
/// hand), else its QTY*33 (quantity available for sale, what many partners
/// send as their stock figure), in the unit QTY03 names. Other QTY
/// qualifiers (on order, in transit, …) are not stock on hand and are left alone.
pub(super) fn inventory_advice(doc: &Doc<'_, '_>) -> Result<Mapped, EdiError> {
    let node = doc.node()?;
    let mut bia = None;
    let mut items: Vec<(&Segment<'_>, Option<&Segment<'_>>)> = Vec::new();
    for seg in doc.tx.body() {
        match seg.id {
            "BIA" => bia = Some(seg),
            "LIN" => items.push((seg, None)),
            "QTY" => {
                let Some((_, best)) = items.last_mut() else {
                    return Err(fields::missing_before(seg, "LIN", "each QTY counts the item of the LIN before it."));
                };
                match (seg.element(1), best.map(|b| b.element(1))) {
                    ("17", Some("33") | None) | ("33", None) => *best = Some(seg),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    let bia = bia.ok_or_else(|| doc.missing("BIA", "beginning segment for inventory inquiry/advice"))?;
    let date = fields::mandatory_date(bia, 4, "date")?;
    let time = text(bia, 5).and_then(fields::parse_time);
    let occurred_at = fields::instant(date, time).unwrap_or(doc.fallback_time);
    let mut mapped = Mapped::default();
    for (lin, qty) in items {
        let Some(qty) = qty else { continue };
        let on_hand = quantity(qty, 2, Some(380))?
            .ok_or_else(|| fault(qty, 2, Some(380), ElementFault::MandatoryMissing, "QTY02 (quantity) is required."))?;
        if on_hand.units() < 0 {
            let mut e = fault(
                qty,
                2,
                Some(380),
                ElementFault::InvalidCharacter,
                "Stock on hand cannot be negative.",
            );
            e.model_code = Some("invalid_quantity");
            return Err(e);
        }
        let ids = products(lin, &LIN_PRODUCT_PAIRS, None)?;
        let (sku, qualifier) = choose_sku(doc.ctx, lin, &ids)?;
        mapped.lines.push(LineSource {
            event: mapped.events.len(),
            line: 0,
            segment: lin.position,
            qualifier: qualifier.to_owned(),
            ids: fields::product_ids(&ids),
            unit: owned(qty, 3),
        });
        let body = EventBody::InventorySnapshot(InventorySnapshot {
            node: node.clone(),
            sku,
            on_hand,
            // QTY03 is a composite in 004010 (C001); its first component is the unit.
            unit: fields::unit_of_measure(qty, 3, 1)?,
        });
        doc.push(&mut mapped, occurred_at, body);
    }
    if mapped.events.is_empty() {
        mapped
            .notes
            .push("No LIN carried a QTY*17 or QTY*33; no stock figure to record.".to_owned());
    }
    Ok(mapped)
}

/// 943: the depositor ships stock to the warehouse (the connection's node).
/// W0602 (depositor order number) is the ASN id: the 944 that confirms the
/// receipt quotes it in W1704.
pub(super) fn transfer_shipment(doc: &Doc<'_, '_>) -> Result<Mapped, EdiError> {
    let node = doc.node()?;
    let mut w06 = None;
    let mut po = None;
    let mut expected_at = None;
    let mut lines = Vec::new();
    for seg in doc.tx.body() {
        match seg.id {
            "W06" => w06 = Some(seg),
            "N9" if seg.element(1) == "PO" && po.is_none() => po = owned(seg, 2),
            // 17 estimated delivery, 02 deliver on.
            "G62" if matches!(seg.element(1), "17" | "02") && expected_at.is_none() => expected_at = date(seg, 2, Some(373))?,
            "W04" => lines.push(stock_line(doc, seg, 1, &W04_PRODUCT_PAIRS, 2, lines.len())?),
            _ => {}
        }
    }
    let w06 = w06.ok_or_else(|| doc.missing("W06", "warehouse shipment identification"))?;
    let asn_id = fields::required(w06, 2, None, "depositor order number")?.to_owned();
    if lines.is_empty() {
        return Err(doc.missing("W04", "at least one item shipped"));
    }
    let occurred_at = instant_hint(w06, 3, None).unwrap_or(doc.fallback_time);
    let (lines, sources): (Vec<_>, Vec<_>) = lines.into_iter().unzip();
    let mut mapped = Mapped {
        lines: sources,
        ..Mapped::default()
    };
    let body = EventBody::AsnCreated(Asn {
        asn_id,
        po_number: owned(w06, 6).or(po),
        node,
        lines,
        expected_at,
    });
    doc.push(&mut mapped, occurred_at, body);
    Ok(mapped)
}

/// 944: the warehouse received stock. W1704 (depositor order number) names
/// the 943 it answers, kept as the ASN id; an N9*PO names the purchase order.
pub(super) fn transfer_receipt(doc: &Doc<'_, '_>) -> Result<Mapped, EdiError> {
    let node = doc.node()?;
    let mut w17 = None;
    let mut po = None;
    let mut lines = Vec::new();
    for seg in doc.tx.body() {
        match seg.id {
            "W17" => w17 = Some(seg),
            "N9" if seg.element(1) == "PO" && po.is_none() => po = owned(seg, 2),
            "W07" => lines.push(stock_line(doc, seg, 1, &W07_PRODUCT_PAIRS, 2, lines.len())?),
            _ => {}
        }
    }
    let w17 = w17.ok_or_else(|| doc.missing("W17", "warehouse receipt identification"))?;
    if lines.is_empty() {
        return Err(doc.missing("W07", "at least one item received"));
    }
    let received_on = fields::mandatory_date(w17, 2, "date")?;
    let occurred_at = fields::instant(received_on, None).unwrap_or(doc.fallback_time);
    let (lines, sources): (Vec<_>, Vec<_>) = lines.into_iter().unzip();
    let mut mapped = Mapped {
        lines: sources,
        ..Mapped::default()
    };
    let body = EventBody::ReceiptConfirmed(Receipt {
        node,
        po_number: po,
        asn_id: text(w17, 4).map(str::to_owned),
        lines,
    });
    doc.push(&mut mapped, occurred_at, body);
    Ok(mapped)
}

/// A W04/W07 line: quantity, unit, U.P.C. case code in element 3, then product id pairs.
fn stock_line(
    doc: &Doc<'_, '_>,
    seg: &Segment<'_>,
    quantity_at: usize,
    pairs: &[(usize, usize)],
    unit_at: usize,
    index: usize,
) -> Result<(LineQty, LineSource), EdiError> {
    // W0401 is Number of Units Shipped (382); W0701's reference number is left out.
    let de = (seg.id == "W04").then_some(382);
    let quantity = positive_quantity(seg, quantity_at, de, "units")?;
    let ids = products(seg, pairs, Some(3))?;
    let (sku, qualifier) = choose_sku(doc.ctx, seg, &ids)?;
    let source = LineSource {
        event: 0,
        line: index,
        segment: seg.position,
        qualifier: qualifier.to_owned(),
        ids: fields::product_ids(&ids),
        unit: owned(seg, unit_at),
    };
    Ok((LineQty { sku, quantity }, source))
}
