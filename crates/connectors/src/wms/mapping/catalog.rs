//! The canonical names a mapping may use: the fields of the canonical WMS
//! event (DESIGN.md, "Canonical WMS event"), and the fields of each outbound
//! message an outbound template may refer to.

/// What a canonical field holds, which decides how a vendor value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    /// An instant, written out as RFC 3339 in UTC.
    Timestamp,
    /// A calendar date, written out as `YYYY-MM-DD`.
    Date,
    /// A whole number of crossdock units, after unit conversion.
    Quantity,
}

/// Every event field a mapping may fill, in the order they are filled:
/// `sku` comes before the quantities, whose per-SKU unit factors need it.
pub(super) const EVENT_FIELDS: &[(&str, Kind)] = &[
    ("event_id", Kind::Text),
    ("event_type", Kind::Text),
    ("occurred_at", Kind::Timestamp),
    ("order_id", Kind::Text),
    ("wms_order_key", Kind::Text),
    ("node", Kind::Text),
    ("sku", Kind::Text),
    ("carrier", Kind::Text),
    ("service", Kind::Text),
    ("tracking_number", Kind::Text),
    ("location", Kind::Text),
    ("estimated_delivery_date", Kind::Date),
    ("exception_code", Kind::Text),
    ("task_id", Kind::Text),
    ("message", Kind::Text),
    ("quantity", Kind::Quantity),
    ("on_hand", Kind::Quantity),
    ("reason", Kind::Text),
    ("po_number", Kind::Text),
    ("asn_id", Kind::Text),
    ("rma", Kind::Text),
    ("condition", Kind::Text),
];

/// The fields of one line, `sku` first for the same reason.
pub(super) const LINE_FIELDS: &[(&str, Kind)] = &[("sku", Kind::Text), ("quantity", Kind::Quantity)];

pub(super) fn kind_of(fields: &[(&str, Kind)], name: &str) -> Option<Kind> {
    fields.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

pub(super) fn names(fields: &[(&str, Kind)]) -> String {
    fields.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// The leaves of each outbound message an outbound template may refer to,
/// as `model::outbound` serialises them.
pub(super) fn outbound_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "wave" => &[
            "wave_id",
            "node",
            "release_at",
            "orders[].order_id",
            "orders[].priority",
            "orders[].carrier",
            "orders[].service",
            "orders[].ship_by",
            "orders[].lines[].sku",
            "orders[].lines[].quantity",
        ],
        "hold" => &["hold_id", "sku", "node", "quantity", "reason"],
        "expected_return" => &[
            "rma",
            "order_id",
            "node",
            "lines[].sku",
            "lines[].quantity",
            "disposition",
            "zone",
            "expected_by",
        ],
        _ => &[],
    }
}

/// The `[outbound]` key for an outbox kind, for the kinds a WMS receives.
pub(super) fn outbound_key(message_kind: &str) -> Option<&'static str> {
    match message_kind {
        "wms.wave" => Some("wave"),
        "wms.hold" => Some("hold"),
        "wms.expected_return" => Some("expected_return"),
        _ => None,
    }
}
