//! Canonical values into X12: 850, 940, 856, 945, 846 and 997 inside
//! ISA/GS/ST envelopes, with the caller's control numbers and delimiters
//! and every count computed.
//!
//! What [`to_events`](super::to_events) reads back from a rendered document
//! is what was rendered: the writers put each value where the mapping looks
//! for it (SKUs under qualifier `VP`, tracking in REF*CN or W0604, …).

use std::borrow::Cow;

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use model::event::{InventorySnapshot, Shipped};
use model::item::UnitOfMeasure;
use model::order::{Address, OrderData};
use model::{Money, Timestamp};

use super::ack::{Ack, InterchangeAck};
use super::error::{EdiError, ElementFault, ErrorKind, Position};
use super::lexer::Delimiters;

/// The X12 release written in ISA12 and GS08.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Version {
    /// 00401 / 004010: ISA11 is `U`, there is no repetition separator.
    #[default]
    V4010,
    /// 00501 / 005010: ISA11 is the repetition separator.
    V5010,
}

impl Version {
    pub fn isa12(self) -> &'static str {
        match self {
            Version::V4010 => "00401",
            Version::V5010 => "00501",
        }
    }

    pub fn gs08(self) -> &'static str {
        match self {
            Version::V4010 => "004010",
            Version::V5010 => "005010",
        }
    }

    pub fn delimiters(self) -> Delimiters {
        match self {
            Version::V4010 => Delimiters::X12_4010,
            Version::V5010 => Delimiters::X12_5010,
        }
    }

    /// The release an ISA12 names; anything before 00501 is written as 004010.
    pub fn from_isa12(isa12: &str) -> Self {
        if isa12 >= "00501" { Version::V5010 } else { Version::V4010 }
    }
}

/// ISA15.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Usage {
    #[default]
    Production,
    Test,
}

/// An interchange party: ISA05/ISA06 (and GS02), or ISA07/ISA08 (and GS03).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyId {
    /// e.g. `ZZ` (mutually defined), `01` (DUNS), `12` (phone).
    pub qualifier: String,
    /// At most 15 characters.
    pub id: String,
}

impl PartyId {
    pub fn new(qualifier: &str, id: &str) -> Self {
        PartyId {
            qualifier: qualifier.to_owned(),
            id: id.to_owned(),
        }
    }
}

/// Everything about an outbound interchange that is not a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub sender: PartyId,
    pub receiver: PartyId,
    /// ISA13; at most 999 999 999. Unique per sender, so the caller keeps the counter.
    pub interchange_control: u32,
    /// GS06 of the first group; further groups count up from it.
    pub group_control: u32,
    /// Written in ISA09/ISA10, GS04/GS05 and as the date of documents that have no date of their own.
    pub at: DateTime,
    pub version: Version,
    pub delimiters: Delimiters,
    pub usage: Usage,
    /// ISA14: ask the receiver for a TA1.
    pub ack_requested: bool,
    /// A line break after each segment terminator, for people reading the file.
    pub line_breaks: bool,
}

impl Envelope {
    pub fn new(sender: PartyId, receiver: PartyId, interchange_control: u32, group_control: u32, at: DateTime) -> Self {
        Envelope {
            sender,
            receiver,
            interchange_control,
            group_control,
            at,
            version: Version::V4010,
            delimiters: Delimiters::X12_4010,
            usage: Usage::Production,
            ack_requested: false,
            line_breaks: false,
        }
    }

    /// Another X12 release, with that release's usual delimiters.
    pub fn with_version(mut self, version: Version) -> Self {
        self.version = version;
        self.delimiters = version.delimiters();
        self
    }
}

/// One transaction set to write.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Document<'a> {
    /// 850 from an order.
    PurchaseOrder(&'a OrderData),
    /// 940 from an order.
    ShippingOrder(&'a OrderData),
    /// 856 from an `order.shipped`: one shipment, one order, one package.
    ShipNotice(&'a Shipped),
    /// 945 from an `order.shipped`.
    ShippingAdvice(&'a Shipped),
    /// 846 from stock counts (all at one node).
    InventoryAdvice(&'a [InventorySnapshot]),
    /// 997.
    FunctionalAck(&'a Ack),
}

impl Document<'_> {
    pub fn set_id(&self) -> &'static str {
        match self {
            Document::PurchaseOrder(_) => "850",
            Document::ShippingOrder(_) => "940",
            Document::ShipNotice(_) => "856",
            Document::ShippingAdvice(_) => "945",
            Document::InventoryAdvice(_) => "846",
            Document::FunctionalAck(_) => "997",
        }
    }

    /// GS01 of the group the set travels in.
    pub fn functional_id(&self) -> &'static str {
        match self {
            Document::PurchaseOrder(_) => "PO",
            Document::ShippingOrder(_) => "OW",
            Document::ShipNotice(_) => "SH",
            Document::ShippingAdvice(_) => "SW",
            Document::InventoryAdvice(_) => "IB",
            Document::FunctionalAck(_) => "FA",
        }
    }
}

/// Writes one interchange holding `documents`, one functional group per
/// kind of document (in the order kinds first appear) and transaction set
/// control numbers 0001, 0002, … within each group.
pub fn render(envelope: &Envelope, documents: &[Document<'_>]) -> Result<String, EdiError> {
    let mut w = Writer::open(envelope)?;
    let mut kinds: Vec<&str> = Vec::new();
    for doc in documents {
        if !kinds.contains(&doc.functional_id()) {
            kinds.push(doc.functional_id());
        }
    }
    for (g, kind) in kinds.iter().enumerate() {
        let group_control = envelope
            .group_control
            .checked_add(g as u32)
            .ok_or_else(|| w.fault("GS", 6, "The group control number overflows."))?;
        let docs = documents.iter().filter(|d| d.functional_id() == *kind);
        w.group(kind, group_control, |w| {
            for (n, doc) in docs.enumerate() {
                let control = format!("{:04}", n + 1);
                w.transaction(doc.set_id(), &control, |w| write_document(w, doc, &control))?;
            }
            Ok(())
        })?;
    }
    w.close()
}

/// A TA1 for each interchange that needs one, then one FA group of 997s.
pub(crate) fn acknowledgement(envelope: &Envelope, ta1s: &[InterchangeAck], acks: &[Ack]) -> Result<String, EdiError> {
    let mut w = Writer::open(envelope)?;
    for ta1 in ta1s {
        // The values are the partner's, and safe to echo only once cleaned.
        let [control, day, time] = [&ta1.control_number, &ta1.date, &ta1.time].map(|v| w.text(v).into_owned());
        w.segment("TA1", &[&control, &day, &time, ta1.status.code(), &ta1.note])?;
    }
    if !acks.is_empty() {
        let docs: Vec<Document<'_>> = acks.iter().map(Document::FunctionalAck).collect();
        w.group("FA", envelope.group_control, |w| {
            for (n, doc) in docs.iter().enumerate() {
                let control = format!("{:04}", n + 1);
                w.transaction("997", &control, |w| write_document(w, doc, &control))?;
            }
            Ok(())
        })?;
    }
    w.close()
}

fn write_document(w: &mut Writer<'_>, doc: &Document<'_>, control: &str) -> Result<(), EdiError> {
    match doc {
        Document::PurchaseOrder(order) => purchase_order(w, order),
        Document::ShippingOrder(order) => shipping_order(w, order),
        Document::ShipNotice(shipped) => ship_notice(w, shipped),
        Document::ShippingAdvice(shipped) => shipping_advice(w, shipped),
        Document::InventoryAdvice(counts) => inventory_advice(w, counts, control),
        Document::FunctionalAck(ack) => functional_ack(w, ack),
    }
}

/// Writes segments, checking that no value contains a delimiter.
struct Writer<'e> {
    out: String,
    envelope: &'e Envelope,
    d: Delimiters,
    /// Segments written, for error positions.
    index: u32,
    /// Segments in the open transaction set, for SE01.
    in_transaction: u32,
    /// Whether a transaction set is open, for error positions.
    open: bool,
    groups: u32,
    transactions: u32,
}

impl<'e> Writer<'e> {
    fn open(envelope: &'e Envelope) -> Result<Self, EdiError> {
        let d = envelope.delimiters;
        let mut w = Writer {
            out: String::with_capacity(1024),
            envelope,
            d,
            index: 0,
            in_transaction: 0,
            open: false,
            groups: 0,
            transactions: 0,
        };
        d.check().map_err(|m| w.fault("ISA", 0, &m))?;
        if envelope.interchange_control > 999_999_999 {
            return Err(w.fault("ISA", 13, "ISA13 has nine digits; the control number is larger."));
        }
        let isa11 = match envelope.version {
            Version::V4010 => "U".to_owned(),
            Version::V5010 => (d
                .repetition
                .ok_or_else(|| w.fault("ISA", 11, "00501 needs a repetition separator."))? as char)
                .to_string(),
        };
        let sender = w.fixed(&envelope.sender.id, 15, 6)?;
        let receiver = w.fixed(&envelope.receiver.id, 15, 8)?;
        let elements = [
            "00".to_owned(),
            " ".repeat(10),
            "00".to_owned(),
            " ".repeat(10),
            envelope.sender.qualifier.clone(),
            sender,
            envelope.receiver.qualifier.clone(),
            receiver,
            envelope.at.strftime("%y%m%d").to_string(),
            envelope.at.strftime("%H%M").to_string(),
            isa11,
            envelope.version.isa12().to_owned(),
            format!("{:09}", envelope.interchange_control),
            if envelope.ack_requested { "1" } else { "0" }.to_owned(),
            if envelope.usage == Usage::Test { "T" } else { "P" }.to_owned(),
            (d.component as char).to_string(),
        ];
        let refs: Vec<&str> = elements.iter().map(String::as_str).collect();
        // ISA11 and ISA16 are delimiters themselves; the ids were checked by `fixed`.
        w.write("ISA", &refs, false, &[11, 16])?;
        Ok(w)
    }

    /// A fixed-width ISA id: padded with spaces, never cut.
    fn fixed(&self, id: &str, width: usize, element: usize) -> Result<String, EdiError> {
        if id.len() > width {
            return Err(self.fault("ISA", element, &format!("`{id}` is longer than the {width} characters ISA allows.")));
        }
        if id.bytes().any(|b| self.is_unsafe(b)) {
            return Err(self.fault("ISA", element, &format!("`{}` contains a delimiter.", id.escape_debug())));
        }
        Ok(format!("{id:<width$}"))
    }

    fn group(&mut self, functional_id: &str, control: u32, body: impl FnOnce(&mut Self) -> Result<(), EdiError>) -> Result<(), EdiError> {
        let e = self.envelope;
        let control = control.to_string();
        let date = e.at.strftime("%Y%m%d").to_string();
        let time = e.at.strftime("%H%M").to_string();
        self.segment(
            "GS",
            &[
                functional_id,
                &e.sender.id,
                &e.receiver.id,
                &date,
                &time,
                &control,
                "X",
                e.version.gs08(),
            ],
        )?;
        self.transactions = 0;
        body(self)?;
        let count = self.transactions.to_string();
        self.groups += 1;
        self.segment("GE", &[&count, &control])
    }

    fn transaction(&mut self, set_id: &str, control: &str, body: impl FnOnce(&mut Self) -> Result<(), EdiError>) -> Result<(), EdiError> {
        self.in_transaction = 0;
        self.open = true;
        self.segment("ST", &[set_id, control])?;
        body(self)?;
        let count = (self.in_transaction + 1).to_string();
        self.segment("SE", &[&count, control])?;
        self.open = false;
        self.transactions += 1;
        Ok(())
    }

    fn close(mut self) -> Result<String, EdiError> {
        let groups = self.groups.to_string();
        let control = format!("{:09}", self.envelope.interchange_control);
        self.segment("IEA", &[&groups, &control])?;
        Ok(self.out)
    }

    /// Writes a segment; trailing empty elements are dropped, as X12 requires.
    fn segment(&mut self, id: &str, elements: &[&str]) -> Result<(), EdiError> {
        self.write(id, elements, true, &[])
    }

    /// `exempt` lists element positions whose delimiters are written on purpose.
    fn write(&mut self, id: &str, elements: &[&str], trim: bool, exempt: &[usize]) -> Result<(), EdiError> {
        self.index += 1;
        let used = if trim {
            elements.iter().rposition(|e| !e.is_empty()).map_or(0, |last| last + 1)
        } else {
            elements.len()
        };
        for (n, element) in elements[..used].iter().enumerate().filter(|(n, _)| !exempt.contains(&(n + 1))) {
            if let Some(bad) = element.bytes().find(|b| self.is_unsafe(*b)) {
                return Err(self.fault(
                    id,
                    n + 1,
                    &format!(
                        "`{}` contains {:?}, a delimiter or control character of this interchange.",
                        element.escape_debug(),
                        bad as char
                    ),
                ));
            }
        }
        self.out.push_str(id);
        for element in &elements[..used] {
            self.out.push(self.d.element as char);
            self.out.push_str(element);
        }
        self.out.push(self.d.segment as char);
        if self.envelope.line_breaks {
            self.out.push('\n');
        }
        self.in_transaction += 1;
        Ok(())
    }

    fn is_delimiter(&self, b: u8) -> bool {
        b == self.d.element || b == self.d.segment || b == self.d.component || Some(b) == self.d.repetition
    }

    /// A byte no element may hold: a delimiter, or a control character no X12 character set has.
    fn is_unsafe(&self, b: u8) -> bool {
        self.is_delimiter(b) || b < 0x20 || b == 0x7f
    }

    /// Free text (names, addresses, descriptions) cannot carry delimiters;
    /// they become spaces rather than failing a whole document over a `*` in a name.
    fn text<'s>(&self, s: &'s str) -> Cow<'s, str> {
        if !s.bytes().any(|b| self.is_unsafe(b)) {
            return Cow::Borrowed(s);
        }
        let clean = |c: char| if c.is_ascii() && self.is_unsafe(c as u8) { ' ' } else { c };
        Cow::Owned(s.chars().map(clean).collect())
    }

    fn fault(&self, id: &str, element: usize, message: &str) -> EdiError {
        let position = Position {
            offset: self.out.len(),
            segment_index: Some(self.index.max(1)),
            // `index` already counts the segment being written.
            segment_position: self.open.then_some(self.in_transaction + 1),
            segment_id: Some(id.to_owned()),
            element: (element > 0).then_some(element as u32),
            component: None,
            data_element: None,
        };
        EdiError::new(ErrorKind::Element(ElementFault::InvalidCharacter), position, message)
    }

    fn date_of(&self, at: Option<Timestamp>) -> String {
        match at {
            Some(ts) => ts.to_zoned(TimeZone::UTC).strftime("%Y%m%d").to_string(),
            None => self.envelope.at.strftime("%Y%m%d").to_string(),
        }
    }

    fn today(&self) -> (String, String) {
        (
            self.envelope.at.strftime("%Y%m%d").to_string(),
            self.envelope.at.strftime("%H%M").to_string(),
        )
    }

    /// N1 (and N3, N4) for a party with an address.
    fn party(&mut self, entity: &str, address: &Address, code: Option<&str>) -> Result<(), EdiError> {
        let name = self.text(address.name.as_deref().unwrap_or_default()).into_owned();
        let qualifier = if code.is_some() { "91" } else { "" };
        self.segment("N1", &[entity, &name, qualifier, code.unwrap_or_default()])?;
        if address.line1.is_some() || address.line2.is_some() {
            let line1 = self.text(address.line1.as_deref().unwrap_or_default()).into_owned();
            let line2 = self.text(address.line2.as_deref().unwrap_or_default()).into_owned();
            self.segment("N3", &[&line1, &line2])?;
        }
        if address.city.is_some() || address.region.is_some() || address.postal_code.is_some() || address.country.is_some() {
            let city = self.text(address.city.as_deref().unwrap_or_default()).into_owned();
            let region = self.text(address.region.as_deref().unwrap_or_default()).into_owned();
            let postal = self.text(address.postal_code.as_deref().unwrap_or_default()).into_owned();
            let country = self.text(address.country.as_deref().unwrap_or_default()).into_owned();
            self.segment("N4", &[&city, &region, &postal, &country])?;
        }
        Ok(())
    }
}

fn amount(money: &Money) -> String {
    money.amount.normalize().to_string()
}

fn date(d: jiff::civil::Date) -> String {
    d.strftime("%Y%m%d").to_string()
}

/// The buyer party of an order: its name and account.
fn buyer(w: &mut Writer<'_>, order: &OrderData) -> Result<(), EdiError> {
    let c = &order.customer;
    if c.name.is_none() && c.account.is_none() {
        return Ok(());
    }
    let address = Address {
        name: c.name.clone(),
        ..Address::default()
    };
    w.party("BY", &address, c.account.as_deref())
}

fn addresses(w: &mut Writer<'_>, order: &OrderData) -> Result<(), EdiError> {
    if order.ship_to != Address::default() {
        w.party("ST", &order.ship_to, None)?;
    }
    if let Some(bill_to) = &order.bill_to {
        w.party("BT", bill_to, None)?;
    }
    Ok(())
}

fn purchase_order(w: &mut Writer<'_>, order: &OrderData) -> Result<(), EdiError> {
    let placed = w.date_of(order.placed_at);
    w.segment("BEG", &["00", "SA", order.order_id.as_str(), "", &placed])?;
    let currency = order
        .lines
        .iter()
        .filter_map(|l| l.unit_price.as_ref())
        .chain(&order.total)
        .map(|m| m.currency)
        .next();
    if let Some(currency) = currency {
        w.segment("CUR", &["BY", currency.as_str()])?;
    }
    if let Some(by) = order.promised_by {
        w.segment("DTM", &["002", &date(by)])?;
    }
    buyer(w, order)?;
    addresses(w, order)?;
    for line in &order.lines {
        let price = line.unit_price.as_ref().map(amount).unwrap_or_default();
        let quantity = line.quantity.to_string();
        let line_id = line.line_id.as_deref().unwrap_or_default();
        w.segment("PO1", &[line_id, &quantity, "EA", &price, "", "VP", line.sku.as_str()])?;
        if let Some(name) = &line.name {
            let name = w.text(name).into_owned();
            w.segment("PID", &["F", "", "", "", &name])?;
        }
    }
    let hash: i64 = order.lines.iter().map(|l| l.quantity.units()).sum();
    w.segment("CTT", &[&order.lines.len().to_string(), &hash.to_string()])?;
    if let Some(total) = &order.total {
        w.segment("AMT", &["TT", &amount(total)])?;
    }
    Ok(())
}

fn shipping_order(w: &mut Writer<'_>, order: &OrderData) -> Result<(), EdiError> {
    let po = order.po_number.as_deref().unwrap_or_default();
    w.segment("W05", &["N", order.order_id.as_str(), po])?;
    addresses(w, order)?;
    buyer(w, order)?;
    if let Some(by) = order.promised_by {
        w.segment("G62", &["02", &date(by)])?;
    }
    for (i, line) in order.lines.iter().enumerate() {
        let number = line.line_id.clone().unwrap_or_else(|| (i + 1).to_string());
        w.segment("LX", &[&number])?;
        w.segment("W01", &[&line.quantity.to_string(), "EA", "", "VP", line.sku.as_str()])?;
        if let Some(name) = &line.name {
            let name = w.text(name).into_owned();
            w.segment("G69", &[&name])?;
        }
    }
    let total: i64 = order.lines.iter().map(|l| l.quantity.units()).sum();
    w.segment("W76", &[&total.to_string()])
}

fn ship_notice(w: &mut Writer<'_>, s: &Shipped) -> Result<(), EdiError> {
    let (day, time) = w.today();
    w.segment("BSN", &["00", &s.tracking_number, &day, &time, "0001"])?;
    w.segment("HL", &["1", "", "S"])?;
    if s.carrier.is_some() || s.service.is_some() {
        let service = w.text(s.service.as_deref().unwrap_or_default()).into_owned();
        let carrier = s.carrier.as_deref().unwrap_or_default();
        w.segment("TD5", &["", if carrier.is_empty() { "" } else { "2" }, carrier, "", &service])?;
    }
    w.segment("REF", &["CN", &s.tracking_number])?;
    w.segment("DTM", &["011", &day, &time])?;
    if let Some(eta) = s.estimated_delivery_date {
        w.segment("DTM", &["017", &date(eta)])?;
    }
    w.segment("HL", &["2", "1", "O"])?;
    w.segment("PRF", &[s.order_id.as_str()])?;
    for (i, line) in s.lines.iter().enumerate() {
        w.segment("HL", &[&(i + 3).to_string(), "2", "I"])?;
        w.segment("LIN", &["", "VP", line.sku.as_str()])?;
        w.segment("SN1", &["", &line.quantity.to_string(), "EA"])?;
    }
    w.segment("CTT", &[&(s.lines.len() + 2).to_string()])
}

fn shipping_advice(w: &mut Writer<'_>, s: &Shipped) -> Result<(), EdiError> {
    let (day, _) = w.today();
    w.segment("W06", &["F", s.order_id.as_str(), &day, &s.tracking_number])?;
    if s.carrier.is_some() || s.service.is_some() {
        let service = w.text(s.service.as_deref().unwrap_or_default()).into_owned();
        w.segment("W27", &["M", s.carrier.as_deref().unwrap_or_default(), &service])?;
    }
    if let Some(eta) = s.estimated_delivery_date {
        w.segment("G62", &["17", &date(eta)])?;
    }
    for (i, line) in s.lines.iter().enumerate() {
        let quantity = line.quantity.to_string();
        w.segment("LX", &[&(i + 1).to_string()])?;
        w.segment("W12", &["CC", &quantity, &quantity, "0", "EA", "", "VP", line.sku.as_str()])?;
    }
    let total: i64 = s.lines.iter().map(|l| l.quantity.units()).sum();
    w.segment("W03", &[&total.to_string()])
}

fn inventory_advice(w: &mut Writer<'_>, counts: &[InventorySnapshot], control: &str) -> Result<(), EdiError> {
    let (day, time) = w.today();
    w.segment("BIA", &["00", "DD", control, &day, &time])?;
    for count in counts {
        w.segment("LIN", &["", "VP", count.sku.as_str()])?;
        let unit = match count.unit.unwrap_or_default() {
            UnitOfMeasure::Each => "EA",
            UnitOfMeasure::Case => "CA",
            UnitOfMeasure::Pallet => "PL",
        };
        w.segment("QTY", &["17", &count.on_hand.to_string(), unit])?;
    }
    w.segment("CTT", &[&counts.len().to_string()])
}

/// A 997. Values that echo the acknowledged interchange (ids, control
/// numbers, bad data) are cleaned of this interchange's delimiters, so an
/// acknowledgement can always be written.
fn functional_ack(w: &mut Writer<'_>, ack: &Ack) -> Result<(), EdiError> {
    let [functional_id, group_control, version] = [
        &ack.functional_id,
        &ack.group_control_number,
        &ack.version.clone().unwrap_or_default(),
    ]
    .map(|v| w.text(v).into_owned());
    w.segment("AK1", &[&functional_id, &group_control, &version])?;
    for tx in &ack.transactions {
        let [set_id, control] = [&tx.set_id, &tx.control_number].map(|v| w.text(v).into_owned());
        w.segment("AK2", &[&set_id, &control])?;
        for note in &tx.segments {
            let [segment_id, loop_id] = [&note.segment_id, &note.loop_id.clone().unwrap_or_default()].map(|v| w.text(v).into_owned());
            if segment_id.trim().is_empty() {
                continue;
            }
            let error = note.error.as_deref().unwrap_or_default();
            w.segment("AK3", &[&segment_id, &note.position.to_string(), &loop_id, error])?;
            for element in &note.elements {
                let component = w.d.component as char;
                let mut position = element.position.to_string();
                match (element.component, element.repetition) {
                    (Some(c), Some(r)) => position.push_str(&format!("{component}{c}{component}{r}")),
                    (Some(c), None) => position.push_str(&format!("{component}{c}")),
                    (None, Some(r)) => position.push_str(&format!("{component}{component}{r}")),
                    (None, None) => {}
                }
                let reference = element.data_element.map(|d| d.to_string()).unwrap_or_default();
                let bad = w.text(element.bad_data.as_deref().unwrap_or_default()).into_owned();
                // AK401 is a composite: its component separators are ours.
                w.write("AK4", &[&position, &reference, &element.error, &bad], true, &[1])?;
            }
        }
        let mut ak5: Vec<&str> = vec![tx.status.code()];
        ak5.extend(tx.errors.iter().map(String::as_str));
        w.segment("AK5", &ak5)?;
    }
    let (included, received, accepted) = (ack.included.to_string(), ack.received.to_string(), ack.accepted.to_string());
    let mut ak9: Vec<&str> = vec![ack.status.code(), &included, &received, &accepted];
    ak9.extend(ack.errors.iter().map(String::as_str));
    w.segment("AK9", &ak9)
}
