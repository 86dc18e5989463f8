//! 850 purchase orders and 940 warehouse shipping orders into order events.

use model::event::OrderCancelled;
use model::order::{Customer, OrderData, OrderFlag, OrderLine};
use model::quantity::Currency;
use model::{EventBody, Money, OrderId};

use super::super::error::{EdiError, ElementFault};
use super::super::lexer::Segment;
use super::fields::{self, Parties, amount, choose_sku, date, fault, order_id, owned, positive_quantity, products, text};
use super::{Doc, LineSource, Mapped};

/// PO106/PO107 … PO124/PO125: up to ten product ids per line.
const PO1_PRODUCT_PAIRS: [(usize, usize); 10] = [
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
];
/// W0104/W0105 and W0106/W0107, after the U.P.C. case code in W0103.
const W01_PRODUCT_PAIRS: [(usize, usize); 2] = [(4, 5), (6, 7)];

/// What an order document asks for: create, change or cancel.
enum Purpose {
    Create,
    Update,
    Cancel,
}

/// 850: the buyer's purchase order. The PO number (BEG03) is the order id
/// and the PO number both, so later documents quoting it (an 856's PRF, a
/// 945's W06) resolve to this order.
pub(super) fn purchase_order(doc: &Doc<'_, '_>) -> Result<Mapped, EdiError> {
    let mut beg = None;
    let mut currency = doc.ctx.currency;
    let mut parties = Parties::default();
    let mut promised_by = None;
    let mut total = None;
    let mut lines = Lines::default();
    for seg in doc.tx.body() {
        let header = lines.is_empty();
        match seg.id {
            "BEG" => beg = Some(seg),
            "CUR" if header => currency = currency_code(seg)?,
            // 002 delivery requested, 106 required by.
            "DTM" if header && promised_by.is_none() && matches!(seg.element(1), "002" | "106") => promised_by = date(seg, 2, Some(373))?,
            "N1" | "N3" | "N4" if header => {
                parties.read(seg);
            }
            "PO1" => lines.po1(doc, seg, currency)?,
            "PID" => lines.describe(seg, 5),
            "AMT" if seg.element(1) == "TT" => total = amount(seg, 2, Some(782))?.map(|amount| Money { amount, currency }),
            _ => {}
        }
    }
    let beg = beg.ok_or_else(|| doc.missing("BEG", "beginning segment for purchase order"))?;
    let po = order_id(beg, 3, Some(324), "purchase order number")?;
    let purpose = match beg.element(1).trim() {
        "01" | "03" => Purpose::Cancel,
        "04" | "05" => Purpose::Update,
        _ => Purpose::Create,
    };
    let placed_at = date(beg, 5, Some(373))?.and_then(|d| fields::instant(d, None));
    let reason = || format!("Purchase order cancelled by the buyer (BEG01 `{}`).", beg.element(1).trim());
    let data = |lines: Vec<OrderLine>| OrderData {
        order_id: po.clone(),
        external_ids: Default::default(),
        channel: Some("edi".to_owned()),
        customer: customer(&parties),
        ship_to: parties.find("ST").map(|p| p.address.clone()).unwrap_or_default(),
        bill_to: parties.find("BT").map(|p| p.address.clone()),
        lines,
        service_level: Default::default(),
        payment_state: Default::default(),
        po_number: Some(po.to_string()),
        total: total.clone(),
        flags: vec![OrderFlag::B2b],
        gift_message: None,
        note: None,
        placed_at,
        promised_by,
        client_ip: None,
    };
    finish(doc, purpose, lines, po.clone(), reason, data, "PO1")
}

/// 940: the depositor asks the warehouse to ship an order. W0502 (depositor
/// order number) is the order id; W0503 the customer's PO number.
pub(super) fn shipping_order(doc: &Doc<'_, '_>) -> Result<Mapped, EdiError> {
    let mut w05 = None;
    let mut parties = Parties::default();
    let mut promised_by = None;
    let mut note = None;
    let mut line_id = None;
    let mut lines = Lines::default();
    for seg in doc.tx.body() {
        let header = lines.is_empty();
        match seg.id {
            "W05" => w05 = Some(seg),
            "N1" | "N3" | "N4" if header => {
                parties.read(seg);
            }
            // 02: deliver on this date.
            "G62" if header && promised_by.is_none() && seg.element(1) == "02" => promised_by = date(seg, 2, Some(373))?,
            "NTE" if header && note.is_none() => note = owned(seg, 2),
            "LX" => line_id = owned(seg, 1),
            "W01" => lines.w01(doc, seg, line_id.take())?,
            "G69" => lines.describe(seg, 1),
            _ => {}
        }
    }
    let w05 = w05.ok_or_else(|| doc.missing("W05", "shipping order identification"))?;
    let order = order_id(w05, 2, None, "depositor order number")?;
    let purpose = match w05.element(1).trim() {
        "F" | "D" => Purpose::Cancel,
        "R" | "L" | "G" => Purpose::Update,
        _ => Purpose::Create,
    };
    let reason = || {
        note.clone()
            .unwrap_or_else(|| format!("Shipping order cancelled (W0501 `{}`).", w05.element(1).trim()))
    };
    let data = |lines: Vec<OrderLine>| OrderData {
        order_id: order.clone(),
        external_ids: Default::default(),
        channel: Some("edi".to_owned()),
        customer: customer(&parties),
        ship_to: parties.find("ST").map(|p| p.address.clone()).unwrap_or_default(),
        bill_to: parties.find("BT").map(|p| p.address.clone()),
        lines,
        service_level: Default::default(),
        payment_state: Default::default(),
        po_number: owned(w05, 3),
        total: None,
        flags: Vec::new(),
        gift_message: None,
        note: None,
        placed_at: None,
        promised_by,
        client_ip: None,
    };
    finish(doc, purpose, lines, order.clone(), reason, data, "W01")
}

/// Builds the one event of an order document.
fn finish(
    doc: &Doc<'_, '_>,
    purpose: Purpose,
    lines: Lines,
    order_id: OrderId,
    reason: impl FnOnce() -> String,
    data: impl FnOnce(Vec<OrderLine>) -> OrderData,
    line_segment: &str,
) -> Result<Mapped, EdiError> {
    let mut mapped = Mapped::default();
    let body = match purpose {
        Purpose::Cancel => EventBody::OrderCancelled(OrderCancelled {
            order_id,
            reason: Some(reason()),
        }),
        _ if lines.is_empty() => return Err(doc.missing(line_segment, "at least one line item")),
        Purpose::Update => EventBody::OrderUpdated(data(lines.lines)),
        Purpose::Create => EventBody::OrderCreated(data(lines.lines)),
    };
    if matches!(body, EventBody::OrderCreated(_) | EventBody::OrderUpdated(_)) {
        mapped.lines = lines.sources;
    }
    doc.push(&mut mapped, doc.fallback_time, body);
    Ok(mapped)
}

/// The buyer (N1*BY), else the bill-to party: a B2B order's customer is an account.
fn customer(parties: &Parties<'_>) -> Customer {
    let Some(party) = parties.find("BY").or_else(|| parties.find("BT")) else {
        return Customer::default();
    };
    Customer {
        name: party.name.map(str::to_owned),
        account: party.code.map(str::to_owned),
        ..Customer::default()
    }
}

fn currency_code(seg: &Segment<'_>) -> Result<Currency, EdiError> {
    let raw = fields::required(seg, 2, Some(100), "currency code")?;
    Currency::parse(raw).map_err(|e| {
        let mut err = fault(seg, 2, Some(100), ElementFault::InvalidCode, e.message);
        err.model_code = Some(e.code);
        err
    })
}

/// One order line as read, before its SKU is chosen.
struct Draft<'a> {
    line_id: Option<String>,
    quantity: model::Quantity,
    unit_price: Option<Money>,
    ids: Vec<fields::Product<'a>>,
    unit: Option<&'a str>,
}

/// Order lines with where each came from.
#[derive(Default)]
struct Lines {
    lines: Vec<OrderLine>,
    sources: Vec<LineSource>,
}

impl Lines {
    fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// PO1: PO101 line id, PO102 quantity, PO103 unit, PO104 unit price, product ids from PO106.
    fn po1(&mut self, doc: &Doc<'_, '_>, seg: &Segment<'_>, currency: Currency) -> Result<(), EdiError> {
        let line = Draft {
            line_id: owned(seg, 1),
            quantity: positive_quantity(seg, 2, Some(330), "quantity ordered")?,
            unit_price: amount(seg, 4, Some(212))?.map(|amount| Money { amount, currency }),
            ids: products(seg, &PO1_PRODUCT_PAIRS, None)?,
            unit: text(seg, 3),
        };
        self.push(doc, seg, line)
    }

    /// W01: W0101 quantity, W0102 unit, W0103 U.P.C. case code, product ids from W0104.
    fn w01(&mut self, doc: &Doc<'_, '_>, seg: &Segment<'_>, line_id: Option<String>) -> Result<(), EdiError> {
        let line = Draft {
            line_id,
            quantity: positive_quantity(seg, 1, Some(330), "quantity ordered")?,
            unit_price: None,
            ids: products(seg, &W01_PRODUCT_PAIRS, Some(3))?,
            unit: text(seg, 2),
        };
        self.push(doc, seg, line)
    }

    fn push(&mut self, doc: &Doc<'_, '_>, seg: &Segment<'_>, line: Draft<'_>) -> Result<(), EdiError> {
        let (sku, qualifier) = choose_sku(doc.ctx, seg, &line.ids)?;
        self.sources.push(LineSource {
            event: 0,
            line: self.lines.len(),
            segment: seg.position,
            qualifier: qualifier.to_owned(),
            ids: fields::product_ids(&line.ids),
            unit: line.unit.map(str::to_owned),
        });
        self.lines.push(OrderLine {
            line_id: line.line_id,
            sku,
            quantity: line.quantity,
            unit_price: line.unit_price,
            name: None,
        });
        Ok(())
    }

    /// PID05 (free-form description) or G6901 names the line it follows.
    fn describe(&mut self, seg: &Segment<'_>, n: usize) {
        if let Some(line) = self.lines.last_mut()
            && line.name.is_none()
        {
            line.name = owned(seg, n);
        }
    }
}
