//! `shopify-orders`: an Admin API order export, each order mapped exactly
//! as an `orders/create` webhook would be.

use connectors::shopify::{self, Webhook};
use serde_json::Value;

use super::report::Rejection;
use super::{Item, Parsed};

/// Reads `{"orders": [...]}`, `{"order": {...}}` or a bare array of orders.
/// A file of another shape is an error; an order the mapper refuses is a
/// rejection and the others still go.
pub fn parse(file_name: &str, bytes: &[u8], source: &str) -> Result<Parsed, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let orders = match value {
        Value::Array(orders) => orders,
        Value::Object(mut o) if o.get("orders").is_some_and(Value::is_array) => match o.remove("orders") {
            Some(Value::Array(orders)) => orders,
            _ => unreachable!("checked to be an array"),
        },
        Value::Object(mut o) if o.get("order").is_some_and(Value::is_object) => o.remove("order").into_iter().collect(),
        _ => {
            return Err("not a Shopify order export: expected {\"orders\": [...]}, {\"order\": {...}} or an array of orders".to_owned());
        }
    };
    let mut parsed = Parsed::default();
    for (i, order) in orders.iter().enumerate() {
        let at = label(i, order);
        match events(order, source) {
            Ok(events) => parsed.items.extend(events.into_iter().map(|event| Item { at: at.clone(), event })),
            Err(e) => parsed.rejected.push(Rejection {
                file: file_name.to_owned(),
                at,
                code: e.code().to_owned(),
                message: message(&e),
                field: e.field(),
            }),
        }
    }
    Ok(parsed)
}

/// How a person finds the order again: its name and Shopify id, else its place in the file.
fn label(index: usize, order: &Value) -> String {
    let name = order["name"].as_str().filter(|n| !n.trim().is_empty());
    match (name, id(order)) {
        (Some(name), Some(id)) => format!("order {name} ({id})"),
        (Some(name), None) => format!("order {name}"),
        (None, Some(id)) => format!("order {id}"),
        (None, None) => format!("order [{index}]"),
    }
}

fn id(order: &Value) -> Option<String> {
    match &order["id"] {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

fn events(order: &Value, source: &str) -> Result<Vec<model::Event>, connectors::Error> {
    // The event id is the order's: importing it again is a duplicate, not a second order.
    let event_id = format!("shopify-order-{}", id(order).unwrap_or_default());
    let webhook = Webhook {
        topic: "orders/create",
        webhook_id: &event_id,
        triggered_at: None,
        shop_domain: None,
        event_id: None,
        api_version: None,
    };
    let body = serde_json::to_vec(order).expect("a JSON value serialises");
    let events = shopify::to_events(&webhook, &body, source)?;
    for event in &events {
        event.validate()?;
    }
    Ok(events)
}

/// The message without the field the summary prints beside it.
fn message(e: &connectors::Error) -> String {
    match e {
        connectors::Error::InvalidPayload { message, .. } => message.clone(),
        connectors::Error::InvalidValue(e) => e.message.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn order(id: u64, sku: Option<&str>) -> Value {
        json!({"id": id, "name": format!("#{id}"), "currency": "USD", "created_at": "2026-05-15T10:00:00-04:00",
               "line_items": [{"id": 1, "sku": sku, "quantity": 2, "price": "5.00", "title": "Mug"}]})
    }

    #[test]
    fn every_export_shape_is_read_and_a_refused_order_does_not_stop_the_rest() {
        let list = json!({"orders": [order(1, Some("MUG-1")), order(2, None), order(3, Some("MUG-3"))]});
        let parsed = parse("orders.json", &serde_json::to_vec(&list).unwrap(), "shop").unwrap();
        let ids: Vec<&str> = parsed.items.iter().map(|i| i.event.event_id.as_str()).collect();
        assert_eq!(ids, ["shopify-order-1", "shopify-order-3"]);
        assert!(parsed.items.iter().all(|i| i.event.source == "shop"));
        let r = &parsed.rejected[0];
        assert_eq!(
            (r.at.as_str(), r.field.as_deref(), r.code.as_str()),
            ("order #2 (2)", Some("line_items[0].sku"), "invalid_payload")
        );
        assert!(r.message.contains("has no SKU"), "{}", r.message);

        let one = json!({"order": order(7, Some("MUG-7"))});
        assert_eq!(parse("o.json", &serde_json::to_vec(&one).unwrap(), "shop").unwrap().items.len(), 1);
        let bare = json!([order(8, Some("A")), order(9, Some("B"))]);
        assert_eq!(parse("o.json", &serde_json::to_vec(&bare).unwrap(), "shop").unwrap().items.len(), 2);
    }

    #[test]
    fn other_files_are_refused_with_the_reason() {
        assert!(
            parse("o.json", b"{\"products\": []}", "shop")
                .unwrap_err()
                .contains("not a Shopify order export")
        );
        assert!(parse("o.json", b"{", "shop").unwrap_err().starts_with("not JSON"));
    }
}
