//! WMS sink: renders the messages crossdock sends a warehouse (waves, holds,
//! expected returns) into HTTP calls.
//!
//! Without a mapping the target speaks the canonical WMS API (DESIGN.md);
//! with one, the mapping's `[outbound]` templates give the vendor's shape.
//! Pure, like every sink: the dispatcher adds base URL, credentials and the
//! idempotency key.

use model::outbound::Message;

use super::mapping::Mapping;
use crate::Error;
use crate::outbound::Request;

/// Canonical path of `wms.wave`.
pub const WAVES_PATH: &str = "/api/v1/waves";
/// Canonical path of `wms.hold`.
pub const HOLDS_PATH: &str = "/api/v1/inventory/holds";
/// Canonical path of `wms.expected_return`.
pub const EXPECTED_RETURNS_PATH: &str = "/api/v1/returns/expected";

/// Renders one outbound message for a WMS connection; `mapping` is the
/// connection's mapping file, `None` for `mapping = "canonical"`. Kinds a WMS
/// does not receive are an error naming the kind.
pub fn render(mapping: Option<&Mapping>, message: &Message) -> Result<Request, Error> {
    if let Some(mapping) = mapping {
        return mapping.outbound(message);
    }
    // The canonical bodies are the messages' own serialisations: the model
    // and the canonical WMS API share field names on purpose.
    let path = match message {
        Message::Wave(_) => WAVES_PATH,
        Message::Hold(_) => HOLDS_PATH,
        Message::ExpectedReturn(_) => EXPECTED_RETURNS_PATH,
        other => {
            return Err(Error::InvalidPayload {
                field: None,
                message: format!(
                    "A WMS connection does not send `{}` messages; it sends wms.wave, wms.hold and wms.expected_return.",
                    other.kind()
                ),
            });
        }
    };
    Ok(Request::post(path, message.payload()))
}

#[cfg(test)]
mod tests {
    use model::ops::LineQty;
    use model::outbound::{ExpectedReturn, Hold, TicketNote, Wave, WaveOrder};
    use model::{NodeId, OrderId, Quantity, Sku};
    use serde_json::json;

    use super::*;
    use crate::outbound::Method;

    fn line(sku: &str, quantity: i64) -> LineQty {
        LineQty {
            sku: Sku::parse(sku).unwrap(),
            quantity: Quantity::positive(quantity).unwrap(),
        }
    }

    #[test]
    fn canonical_wave_has_the_documented_body() {
        let wave = Message::Wave(Wave {
            wave_id: "W-20260515-01".into(),
            node: NodeId::parse("DC-EAST").unwrap(),
            release_at: Some("2026-05-15T13:00:00Z".parse().unwrap()),
            orders: vec![
                WaveOrder {
                    order_id: OrderId::parse("SO-1").unwrap(),
                    priority: Some(1),
                    carrier: Some("FEDEX".into()),
                    service: Some("GROUND".into()),
                    ship_by: Some("2026-05-15T22:00:00Z".parse().unwrap()),
                    lines: vec![line("SKU-1", 2)],
                },
                WaveOrder {
                    order_id: OrderId::parse("SO-2").unwrap(),
                    priority: None,
                    carrier: None,
                    service: None,
                    ship_by: None,
                    lines: vec![line("SKU-2", 1), line("SKU-1", 3)],
                },
            ],
        });
        let request = render(None, &wave).unwrap();
        assert_eq!((request.method, request.path.as_str()), (Method::Post, "/api/v1/waves"));
        assert!(request.headers.is_empty());
        assert_eq!(
            request.body.unwrap(),
            json!({"wave_id": "W-20260515-01", "node": "DC-EAST", "release_at": "2026-05-15T13:00:00Z", "orders": [
                {"order_id": "SO-1", "priority": 1, "carrier": "FEDEX", "service": "GROUND", "ship_by": "2026-05-15T22:00:00Z",
                 "lines": [{"sku": "SKU-1", "quantity": 2}]},
                {"order_id": "SO-2", "lines": [{"sku": "SKU-2", "quantity": 1}, {"sku": "SKU-1", "quantity": 3}]}
            ]})
        );
    }

    #[test]
    fn canonical_hold_and_expected_return() {
        let hold = Message::Hold(Hold {
            hold_id: "H-7".into(),
            sku: Sku::parse("SKU-1").unwrap(),
            node: NodeId::parse("DC-EAST").unwrap(),
            quantity: 24,
            reason: "QUALITY".into(),
        });
        let request = render(None, &hold).unwrap();
        assert_eq!((request.method, request.path.as_str()), (Method::Post, "/api/v1/inventory/holds"));
        assert_eq!(
            request.body.unwrap(),
            json!({"hold_id": "H-7", "sku": "SKU-1", "node": "DC-EAST", "quantity": 24, "reason": "QUALITY"})
        );

        let expected = ExpectedReturn {
            rma: "RMA-5521".into(),
            order_id: OrderId::parse("SO-2024-78910").unwrap(),
            node: NodeId::parse("DC-EAST").unwrap(),
            lines: vec![line("SKU-1", 1)],
            disposition: "inspect".into(),
            zone: Some("QA-1".into()),
            expected_by: Some(jiff::civil::date(2026, 5, 22)),
        };
        let request = render(None, &Message::ExpectedReturn(expected.clone())).unwrap();
        assert_eq!(request.path, "/api/v1/returns/expected");
        assert_eq!(
            request.body.unwrap(),
            json!({"rma": "RMA-5521", "order_id": "SO-2024-78910", "node": "DC-EAST", "lines": [{"sku": "SKU-1", "quantity": 1}],
                   "disposition": "inspect", "zone": "QA-1", "expected_by": "2026-05-22"})
        );
        // Optional fields are left out, not sent as null.
        let bare = ExpectedReturn {
            zone: None,
            expected_by: None,
            ..expected
        };
        let body = render(None, &Message::ExpectedReturn(bare)).unwrap().body.unwrap();
        assert_eq!(body.get("zone"), None);
        assert_eq!(body.get("expected_by"), None);
    }

    #[test]
    fn other_kinds_are_refused_by_name() {
        let note = Message::TicketNote(TicketNote {
            ticket_id: "1".into(),
            body: "x".into(),
            public: false,
        });
        let err = render(None, &note).unwrap_err();
        assert_eq!(err.code(), "invalid_payload");
        assert!(err.to_string().contains("`helpdesk.note`"), "{err}");
        let mapping = Mapping::example("manhattan.toml");
        let err = render(Some(&mapping), &note).unwrap_err();
        assert!(err.to_string().contains("`helpdesk.note`"), "{err}");
    }
}
