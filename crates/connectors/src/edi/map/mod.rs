//! X12 transaction sets into canonical events.
//!
//! One [`TransactionOutcome`] per transaction set: its events, a parsed 997,
//! "unsupported", or the error that rejects it. One bad or unknown
//! transaction set never fails the rest of the interchange.
//!
//! | set | reads | event |
//! |---|---|---|
//! | 850 purchase order | BEG, CUR, DTM, N1/N3/N4, PO1, PID, AMT | `order.created` (`order.updated` for BEG01 04/05, `order.cancelled` for 01/03) |
//! | 940 warehouse shipping order | W05, N1/N3/N4, G62, LX, W01, G69, NTE | `order.created` (`order.updated` for W0501 R/L/G, `order.cancelled` for F/D) |
//! | 856 ship notice | BSN, HL, PRF, TD5, REF, MAN, DTM, LIN, SN1, N1 | `order.shipped` per order and package, or `asn.created` when inbound |
//! | 945 warehouse shipping advice | W06, N9, G62, W27, LX, W12 | `order.shipped` |
//! | 846 inventory inquiry/advice | BIA, LIN, QTY | `inventory.snapshot` per item (QTY 17 on hand, else 33) |
//! | 943 stock transfer shipment advice | W06, N9, G62, W04 | `asn.created` |
//! | 944 stock transfer receipt advice | W17, N9, W07 | `receipt.confirmed` |
//! | 997 functional acknowledgement | AK1–AK9 | an [`Ack`] |

mod fields;
mod orders;
mod shipments;
mod stock;

use std::borrow::Cow;

use model::quantity::Currency;
use model::{Event, EventBody, NodeId, Timestamp};

use super::Interchange;
use super::ack::{self, Ack};
use super::error::{EdiError, ErrorKind, Position};
use super::lexer::Segment;
use super::parse::{FunctionalGroup, InterchangeHeader, Transaction};

pub(crate) use fields::{instant, parse_date, parse_time};

/// The transaction sets [`to_events`] maps.
pub const SUPPORTED_SETS: [&str; 8] = ["850", "940", "856", "945", "846", "943", "944", "997"];

/// What the mapping needs to know about the connection the interchange came in on.
#[derive(Debug, Clone)]
pub struct MapContext<'a> {
    /// The connection id: the events' `source`.
    pub connection: &'a str,
    /// The node this partner's stock is at (a 3PL's warehouse). Inventory
    /// advice, stock transfers and receipts need it; shipments carry it.
    pub node: Option<NodeId>,
    /// When the interchange arrived; an event's time when neither the
    /// document nor its envelopes give a readable one.
    pub received_at: Timestamp,
    /// The currency of prices when a purchase order has no CUR segment: the
    /// one in the trading partner agreement.
    pub currency: Currency,
    pub sku: SkuPolicy,
    pub ship_notice: ShipNoticeReading,
}

impl<'a> MapContext<'a> {
    pub fn new(connection: &'a str, received_at: Timestamp) -> Self {
        MapContext {
            connection,
            node: None,
            received_at,
            currency: Currency::USD,
            sku: SkuPolicy::default(),
            ship_notice: ShipNoticeReading::Auto,
        }
    }

    pub fn with_node(mut self, node: NodeId) -> Self {
        self.node = Some(node);
        self
    }
}

/// Which product id of a line is the tenant's SKU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuPolicy {
    /// Product/service id qualifiers (X12 element 235), most preferred first.
    pub qualifiers: Vec<String>,
    /// Some partners' item numbers contain spaces (`AS 27222`), which a
    /// crossdock SKU may not; when set, each run of whitespace becomes this
    /// character. Unset, such a line is refused with its element named.
    pub replace_whitespace: Option<char>,
}

impl SkuPolicy {
    /// crossdock usually sits on the seller's side: the vendor's own part
    /// or item number is the SKU it knows, then a SKU or manufacturer part,
    /// then GTINs (UPC, GTIN-14, EAN, case code), then the buyer's numbers.
    /// Catalog and style numbers (VC, CB, VA) come last: they are shared by
    /// every size and colour of a style.
    pub const DEFAULT_QUALIFIERS: [&'static str; 13] = ["VP", "VN", "SK", "MG", "UP", "UK", "EN", "UA", "BP", "IN", "VC", "CB", "VA"];

    pub(super) fn normalise<'s>(&self, raw: &'s str) -> Cow<'s, str> {
        match self.replace_whitespace {
            Some(c) if raw.contains(char::is_whitespace) => Cow::Owned(raw.split_whitespace().collect::<Vec<_>>().join(&c.to_string())),
            _ => Cow::Borrowed(raw),
        }
    }
}

impl Default for SkuPolicy {
    fn default() -> Self {
        SkuPolicy {
            qualifiers: Self::DEFAULT_QUALIFIERS.iter().map(|q| (*q).to_owned()).collect(),
            replace_whitespace: None,
        }
    }
}

/// An 856 says goods are moving; who is moving them to whom decides its meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShipNoticeReading {
    /// Inbound when the connection has a node and some N1*ST names it (N104
    /// or N102 equal to the node id); outbound otherwise.
    #[default]
    Auto,
    /// A warehouse or 3PL shipped customer orders: `order.shipped`.
    Outbound,
    /// A supplier ships stock to the connection's node: `asn.created`.
    Inbound,
}

/// What became of one transaction set.
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionOutcome {
    /// ISA13.
    pub interchange_control_number: String,
    /// GS01 and GS06.
    pub functional_id: String,
    pub group_control_number: String,
    /// ST01 and ST02.
    pub set_id: String,
    pub control_number: String,
    /// Where the transaction set's ST is.
    pub position: Position,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Events(Mapped),
    /// A 997 from the partner about something crossdock sent.
    Acknowledgement(Ack),
    /// A transaction set crossdock does not map; see [`SUPPORTED_SETS`].
    Unsupported,
    Rejected(EdiError),
}

impl TransactionOutcome {
    pub fn events(&self) -> &[Event] {
        match &self.outcome {
            Outcome::Events(mapped) => &mapped.events,
            _ => &[],
        }
    }

    /// Why the transaction set produced nothing, as an error.
    pub fn error(&self) -> Option<EdiError> {
        match &self.outcome {
            Outcome::Rejected(e) => Some(e.clone()),
            Outcome::Unsupported => Some(EdiError::new(
                ErrorKind::UnsupportedTransactionSet,
                self.position.clone(),
                format!(
                    "Transaction set {} ({}) is not supported; supported: {}.",
                    self.set_id,
                    self.control_number,
                    SUPPORTED_SETS.join(", ")
                ),
            )),
            _ => None,
        }
    }
}

/// The events of one transaction set, and where their lines came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapped {
    pub events: Vec<Event>,
    /// One per event line: the product ids and unit the model has no place for.
    pub lines: Vec<LineSource>,
    /// Choices the mapping made that a person may want to know about.
    pub notes: Vec<String>,
}

/// Where an event line came from: the model keeps one SKU and a unit count;
/// X12 names several product ids and a unit of measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineSource {
    /// Index of the event in [`Mapped::events`] and of the line in its `lines`.
    pub event: usize,
    pub line: usize,
    /// Position of the line's segment in the transaction set (PO1, W01, LIN, …).
    pub segment: u32,
    /// The qualifier whose id became the SKU, e.g. `VP`.
    pub qualifier: String,
    /// Every product id the line named.
    pub ids: Vec<ProductId>,
    /// Unit of measure (X12 element 355), e.g. `EA`, `CA`: quantities are
    /// taken as sent, in this unit.
    pub unit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductId {
    pub qualifier: String,
    pub id: String,
}

/// Maps every transaction set of an interchange. Envelope bookkeeping
/// problems (a count or control number off) do not stop the mapping; a
/// transaction set whose own syntax is broken is rejected.
pub fn to_events(interchange: &Interchange<'_>, ctx: &MapContext<'_>) -> Vec<TransactionOutcome> {
    let interchange_time = envelope_time(interchange.header.date, interchange.header.time);
    interchange
        .transactions()
        .map(|(group, tx)| {
            let fallback_time = envelope_time(group.date, group.time)
                .or(interchange_time)
                .unwrap_or(ctx.received_at);
            TransactionOutcome {
                interchange_control_number: interchange.header.control_number.to_owned(),
                functional_id: group.functional_id.to_owned(),
                group_control_number: group.control_number.to_owned(),
                set_id: tx.set_id.to_owned(),
                control_number: tx.control_number.to_owned(),
                position: tx.st().position_of(1),
                outcome: map_transaction(&interchange.header, group, tx, ctx, fallback_time),
            }
        })
        .collect()
}

fn map_transaction(
    header: &InterchangeHeader<'_>,
    group: &FunctionalGroup<'_>,
    tx: &Transaction<'_>,
    ctx: &MapContext<'_>,
    fallback_time: Timestamp,
) -> Outcome {
    if let Some(problem) = tx.syntax_error() {
        return Outcome::Rejected(problem.clone());
    }
    let doc = Doc {
        ctx,
        tx,
        fallback_time,
        id_prefix: format!(
            "x12/{}:{}/{}/{}/{}",
            header.sender_qualifier, header.sender_id, header.control_number, group.control_number, tx.control_number
        ),
    };
    let mapped = match tx.set_id {
        "850" => orders::purchase_order(&doc),
        "940" => orders::shipping_order(&doc),
        "856" => shipments::ship_notice(&doc),
        "945" => shipments::shipping_advice(&doc),
        "846" => stock::inventory_advice(&doc),
        "943" => stock::transfer_shipment(&doc),
        "944" => stock::transfer_receipt(&doc),
        "997" => return ack::read(tx).map_or_else(Outcome::Rejected, Outcome::Acknowledgement),
        _ => return Outcome::Unsupported,
    };
    match mapped.and_then(|m| doc.checked(m)) {
        Ok(mapped) => Outcome::Events(mapped),
        Err(e) => Outcome::Rejected(e),
    }
}

/// GS04/GS05 or ISA09/ISA10 as an instant, when they read.
fn envelope_time(date: &str, time: &str) -> Option<Timestamp> {
    instant(parse_date(date)?, parse_time(time))
}

/// One transaction set being mapped.
pub(super) struct Doc<'x, 'a> {
    pub ctx: &'x MapContext<'x>,
    pub tx: &'x Transaction<'a>,
    /// When the group (else the interchange) was created, else when it arrived.
    pub fallback_time: Timestamp,
    id_prefix: String,
}

impl<'a> Doc<'_, 'a> {
    /// Appends an event. Its id is the envelope's coordinates and its number
    /// in the transaction set, so a resent interchange is a no-op in the log.
    pub fn push(&self, mapped: &mut Mapped, occurred_at: Timestamp, body: EventBody) {
        let n = mapped.events.len() + 1;
        mapped.events.push(Event {
            event_id: format!("{}/{n}", self.id_prefix),
            source: self.ctx.connection.to_owned(),
            tenant: None,
            occurred_at,
            body,
        });
    }

    /// The connection's node, which stock-level transaction sets need.
    pub fn node(&self) -> Result<NodeId, EdiError> {
        self.ctx.node.clone().ok_or_else(|| {
            EdiError::new(
                ErrorKind::NodeRequired,
                self.tx.st().position_of(1),
                format!(
                    "Transaction set {} reports stock at a node, and connection `{}` has no node configured. Hint: set the connection's `nodes`.",
                    self.tx.set_id, self.ctx.connection
                ),
            )
        })
    }

    /// "Mandatory segment missing", placed where the segment was expected.
    pub fn missing(&self, id: &str, what: &str) -> EdiError {
        let at: &Segment<'a> = self.tx.segments.last().unwrap_or(self.tx.st());
        let mut position = at.position_of(0);
        position.segment_id = Some(id.to_owned());
        EdiError::new(
            ErrorKind::MandatorySegmentMissing,
            position,
            format!("Transaction set {} has no {id} segment ({what}).", self.tx.set_id),
        )
    }

    /// Every event must be one the log accepts; the mapping is written so
    /// that it is, and this keeps a slip from reaching the log.
    fn checked(&self, mapped: Mapped) -> Result<Mapped, EdiError> {
        for event in &mapped.events {
            let refused = event.validate().err().or_else(|| {
                (event.event_id.len() > Event::MAX_EVENT_ID_LEN)
                    .then(|| model::Error::new("invalid_event_id", "The envelope's ids make an event id longer than 200 bytes."))
            });
            if let Some(e) = refused {
                let mut err = EdiError::new(
                    ErrorKind::Element(super::error::ElementFault::InvalidCode),
                    self.tx.st().position_of(0),
                    e.to_string(),
                );
                err.model_code = Some(e.code);
                return Err(err);
            }
        }
        Ok(mapped)
    }
}
