//! The Shopify sink: crossdock's storefront messages as Shopify Admin REST
//! calls. The dispatcher adds the shop's base URL
//! (`https://{shop}.myshopify.com`) and the `X-Shopify-Access-Token`.
//!
//! - `inventory.atp_changed` → `POST /admin/api/{version}/inventory_levels/set.json`
//!   `{"location_id", "inventory_item_id", "available"}`: the node's ATP
//!   becomes the location's available quantity. Setting (not adjusting) makes
//!   a repeated call harmless and lets the newest value win. Nodes in
//!   [`SinkConfig::stock_from_shopify`] are the exception: Shopify owns their
//!   stock and crossdock reads it from `inventory_levels/update` instead.
//! - `storefront.fulfillment` → `POST /admin/api/{version}/fulfillments.json`
//!   `{"fulfillment": {"line_items_by_fulfillment_order", "tracking_info",
//!   "notify_customer"}}`, which names Shopify's fulfillment orders and their
//!   line items. crossdock does not hold those ids, so a fulfilment is two
//!   calls: [`fulfillment_orders_request`] reads the order's fulfillment
//!   orders, and [`render_fulfillment`] renders the fulfilment from that
//!   answer, matching lines by inventory item. The order-level call
//!   (`POST /orders/{id}/fulfillments.json` with `location_id` and line item
//!   ids) is not used: Shopify removed it from API version 2022-07 on.
//!
//! A SKU or node missing from the connection's mapping is an error that names
//! the configuration key to add; the message becomes a dead letter and is
//! rendered again, with the fixed mapping, when it is replayed.

use std::collections::BTreeMap;

use model::outbound::{AtpChanged, Fulfillment, Message};
use model::{NodeId, Sku};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::Error;
use crate::de;
use crate::outbound::{Method, Request};

/// The Admin API version used when the configuration names none.
pub const DEFAULT_API_VERSION: &str = "2025-07";

/// How crossdock's names map onto one shop's: the sink settings of a Shopify
/// connection.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SinkConfig {
    /// Admin API version in every path: a quarterly release `YYYY-01`, `-04`,
    /// `-07` or `-10`, or `unstable`. Default `2025-07`.
    pub api_version: String,
    /// crossdock node → Shopify location id, e.g. `DC-EAST = 655441491`.
    /// Stock levels are set per location, so every node whose ATP the shop
    /// shows needs one.
    pub locations: BTreeMap<NodeId, u64>,
    /// SKU → Shopify inventory item id (the variant's `inventory_item_id`,
    /// not its variant id), e.g. `"SKU-1" = 808950810`.
    pub inventory_items: BTreeMap<Sku, u64>,
    /// Nodes whose on-hand Shopify owns, e.g. retail stores selling through
    /// Shopify POS: their `inventory_levels/update` webhooks set crossdock's
    /// on-hand, and crossdock never sets their levels in Shopify. Each needs a
    /// location under `locations`. Default: none, crossdock owns all stock,
    /// and Shopify's levels (the echo of what crossdock set) are ignored.
    pub stock_from_shopify: Vec<NodeId>,
}

impl Default for SinkConfig {
    fn default() -> Self {
        SinkConfig {
            api_version: DEFAULT_API_VERSION.to_owned(),
            locations: BTreeMap::new(),
            inventory_items: BTreeMap::new(),
            stock_from_shopify: Vec::new(),
        }
    }
}

impl SinkConfig {
    /// Checks what the types cannot: the API version's form, that every id
    /// is a real (non-zero) Shopify id named once (webhooks are mapped back
    /// from Shopify's ids to crossdock's names), and that every node of
    /// `stock_from_shopify` has a location. The error names the key at fault.
    pub fn validate(&self) -> Result<(), String> {
        if !is_api_version(&self.api_version) {
            return Err(format!(
                "api_version: `{}` is not a Shopify API version; use a quarterly release such as `{DEFAULT_API_VERSION}` \
                 (YYYY-01, -04, -07 or -10) or `unstable`.",
                self.api_version
            ));
        }
        let zero_location = self
            .locations
            .iter()
            .find(|(_, id)| **id == 0)
            .map(|(node, _)| format!("locations.{node}"));
        let zero_item = self
            .inventory_items
            .iter()
            .find(|(_, id)| **id == 0)
            .map(|(sku, _)| format!("inventory_items.{sku}"));
        if let Some(key) = zero_location.or(zero_item) {
            return Err(format!("{key}: a Shopify id is a positive number; got 0."));
        }
        if let Some((key, first, id)) = repeated(&self.locations) {
            return Err(format!(
                "locations.{key}: location {id} is already the location of node `{first}`; a Shopify location is one node."
            ));
        }
        if let Some((key, first, id)) = repeated(&self.inventory_items) {
            return Err(format!(
                "inventory_items.{key}: inventory item {id} is already the item of SKU `{first}`; an inventory item is one SKU."
            ));
        }
        match self.stock_from_shopify.iter().find(|node| !self.locations.contains_key(*node)) {
            Some(node) => Err(format!(
                "stock_from_shopify: node `{node}` has no Shopify location, so its levels cannot be read. Hint: add \
                 `{} = <location_id>` under `locations`.",
                toml_key(node.as_str())
            )),
            None => Ok(()),
        }
    }

    /// The node at a Shopify location: the reverse of `locations`.
    pub(super) fn node_at(&self, location_id: u64) -> Option<&NodeId> {
        self.locations.iter().find(|(_, id)| **id == location_id).map(|(node, _)| node)
    }

    /// The SKU of a Shopify inventory item: the reverse of `inventory_items`.
    pub(super) fn sku_of(&self, inventory_item_id: u64) -> Option<&Sku> {
        self.inventory_items
            .iter()
            .find(|(_, id)| **id == inventory_item_id)
            .map(|(sku, _)| sku)
    }

    fn path(&self, rest: &str) -> String {
        format!("/admin/api/{}/{rest}", self.api_version)
    }
}

/// The first key whose id an earlier key already has: (key, earlier key, id).
fn repeated<K>(map: &BTreeMap<K, u64>) -> Option<(&K, &K, u64)> {
    let mut seen: BTreeMap<u64, &K> = BTreeMap::new();
    map.iter()
        .find_map(|(key, id)| seen.insert(*id, key).map(|first| (key, first, *id)))
}

fn is_api_version(raw: &str) -> bool {
    if raw == "unstable" {
        return true;
    }
    let Some((year, month)) = raw.split_once('-') else {
        return false;
    };
    year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) && matches!(month, "01" | "04" | "07" | "10")
}

/// Renders a message that is one Shopify call: `inventory.atp_changed`
/// (refused for a node in `stock_from_shopify`, whose levels Shopify sets).
/// A `storefront.fulfillment` needs the order's fulfillment orders first
/// (see the module docs) and is refused here with a pointer to
/// [`fulfillment_orders_request`] and [`render_fulfillment`]. Messages for
/// other systems (waves, holds, tickets…) are refused: they were routed to
/// the wrong connection.
pub fn render(config: &SinkConfig, message: &Message) -> Result<Request, Error> {
    match message {
        Message::AtpChanged(atp) => inventory_level(config, atp),
        Message::Fulfillment(_) => Err(Error::payload(
            "kind",
            "A Shopify fulfilment is two calls: the order's fulfillment orders are read first \
             (`shopify::sink::fulfillment_orders_request`), then the fulfilment is rendered from that answer \
             (`shopify::sink::render_fulfillment`); `render` alone cannot send it.",
        )),
        other => Err(Error::payload(
            "kind",
            format!(
                "Shopify does not take `{}` messages, only `inventory.atp_changed` and `storefront.fulfillment`. \
                 Hint: check which connection this message kind is routed to.",
                other.kind()
            ),
        )),
    }
}

fn inventory_level(config: &SinkConfig, atp: &AtpChanged) -> Result<Request, Error> {
    if config.stock_from_shopify.contains(&atp.node) {
        // Setting it would come back as an `inventory_levels/update` that
        // becomes crossdock's on-hand, less what crossdock holds back: every
        // round trip would lower the stock again.
        return Err(Error::payload(
            "stock_from_shopify",
            format!(
                "Node `{}` is in `stock_from_shopify`: Shopify owns its stock, so crossdock does not set its levels. \
                 Hint: do not send its `inventory.atp_changed` to this connection.",
                atp.node
            ),
        ));
    }
    let location = config.locations.get(&atp.node);
    let item = config.inventory_items.get(&atp.sku);
    let (Some(location), Some(item)) = (location, item) else {
        // Name every missing key at once, so one fix and one replay are enough.
        let mut missing = Vec::new();
        if location.is_none() {
            missing.push(location_missing(&atp.node));
        }
        if item.is_none() {
            missing.push(item_missing(&atp.sku));
        }
        let field = missing[0].0.clone();
        let message = missing.into_iter().map(|(_, m)| m).collect::<Vec<_>>().join(" ");
        return Err(Error::payload(field, message));
    };
    Ok(Request::post(
        config.path("inventory_levels/set.json"),
        json!({"location_id": location, "inventory_item_id": item, "available": atp.atp}),
    ))
}

fn location_missing(node: &NodeId) -> (String, String) {
    (
        format!("locations.{node}"),
        format!(
            "Node `{node}` has no Shopify location. Hint: add `{} = <location_id>` under `locations` in the \
             Shopify connection's sink settings, then replay the dead letter.",
            toml_key(node.as_str())
        ),
    )
}

fn item_missing(sku: &Sku) -> (String, String) {
    (
        format!("inventory_items.{sku}"),
        format!(
            "SKU `{sku}` has no Shopify inventory item. Hint: add `{} = <inventory_item_id>` under \
             `inventory_items` in the Shopify connection's sink settings, then replay the dead letter.",
            toml_key(sku.as_str())
        ),
    )
}

/// A TOML key as the operator types it: bare when TOML allows, else quoted.
fn toml_key(raw: &str) -> String {
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        raw.to_owned()
    } else {
        // JSON's string escapes are valid in a TOML basic string.
        Value::String(raw.to_owned()).to_string()
    }
}

/// The first of a fulfilment's two calls:
/// `GET /admin/api/{version}/orders/{order_id}/fulfillment_orders.json`.
/// The Shopify order id is the message's `storefront_order_id`, else its
/// `order_id` when that is numeric (orders that came in through the Shopify
/// webhook are keyed by Shopify's id).
pub fn fulfillment_orders_request(config: &SinkConfig, message: &Fulfillment) -> Result<Request, Error> {
    let order = shopify_order_id(message)?;
    Ok(Request {
        method: Method::Get,
        path: config.path(&format!("orders/{order}/fulfillment_orders.json")),
        headers: Vec::new(),
        body: None,
    })
}

fn shopify_order_id(message: &Fulfillment) -> Result<u64, Error> {
    let numeric = |raw: &str| raw.trim().parse::<u64>().ok().filter(|id| *id > 0);
    match &message.storefront_order_id {
        Some(raw) => numeric(raw).ok_or_else(|| {
            Error::payload(
                "storefront_order_id",
                format!("`{raw}` is not a Shopify order id (a positive number)."),
            )
        }),
        None => numeric(message.order_id.as_str()).ok_or_else(|| {
            Error::payload(
                "storefront_order_id",
                format!(
                    "Order `{}` has no Shopify order id: it did not come in through Shopify, or its `storefront_order_id` \
                     was not recorded.",
                    message.order_id
                ),
            )
        }),
    }
}

/// The second of a fulfilment's two calls, rendered from the answer to
/// [`fulfillment_orders_request`] (`{"fulfillment_orders": [...]}`).
///
/// Each line's SKU is looked up in `inventory_items` and its quantity taken
/// from the open (`open`, `in_progress`) fulfillment order line items of that
/// inventory item. Shopify fulfils from one location per call, so the first
/// location whose fulfillment orders hold every line is used. A message
/// without lines ships everything left, which must then sit at one location.
pub fn render_fulfillment(config: &SinkConfig, message: &Fulfillment, fulfillment_orders: &[u8]) -> Result<Request, Error> {
    let order = shopify_order_id(message)?;
    let answer: wire::FulfillmentOrders = de::from_slice(fulfillment_orders)?;
    let open: Vec<&wire::FulfillmentOrder> = answer
        .fulfillment_orders
        .iter()
        .filter(|fo| fo.id.is_some() && matches!(fo.status.as_deref(), Some("open" | "in_progress")))
        .collect();
    let by_fulfillment_order = if message.lines.is_empty() {
        whole_order(order, &open)?
    } else {
        some_lines(config, order, message, &open)?
    };
    let mut fulfillment = Map::new();
    fulfillment.insert("line_items_by_fulfillment_order".into(), Value::Array(by_fulfillment_order));
    if let Some(tracking) = tracking_info(message) {
        fulfillment.insert("tracking_info".into(), tracking);
    }
    fulfillment.insert("notify_customer".into(), Value::Bool(message.notify_customer));
    Ok(Request::post(config.path("fulfillments.json"), json!({"fulfillment": fulfillment})))
}

/// Every open fulfillment order, with no line list: Shopify then fulfils all
/// that is left on each.
fn whole_order(order: u64, open: &[&wire::FulfillmentOrder]) -> Result<Vec<Value>, Error> {
    let locations = locations_of(open);
    match locations.as_slice() {
        [] => Err(nothing_left(order)),
        [_] => Ok(open.iter().map(|fo| json!({"fulfillment_order_id": fo.id})).collect()),
        several => Err(Error::payload(
            "lines",
            format!(
                "Shopify order {order} has items left to fulfil at several locations ({}), and one fulfilment comes \
                 from one location. Hint: send the shipment's lines, so the location that holds them can be chosen.",
                several
                    .iter()
                    .map(|l| l.map_or("unassigned".to_owned(), |l| l.to_string()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

fn nothing_left(order: u64) -> Error {
    Error::payload(
        "storefront_order_id",
        format!("Shopify order {order} has no open fulfillment order: it is fulfilled, cancelled or on hold in Shopify already."),
    )
}

/// Distinct assigned locations, in the order Shopify listed them.
fn locations_of(open: &[&wire::FulfillmentOrder]) -> Vec<Option<u64>> {
    let mut locations = Vec::new();
    for fo in open {
        if !locations.contains(&fo.assigned_location_id) {
            locations.push(fo.assigned_location_id);
        }
    }
    locations
}

/// What one inventory item needs: the first message line that asked for it
/// (for error paths), its SKU, and the units of all lines asking for it.
struct Need<'a> {
    line: usize,
    sku: &'a Sku,
    units: i64,
}

fn some_lines(config: &SinkConfig, order: u64, message: &Fulfillment, open: &[&wire::FulfillmentOrder]) -> Result<Vec<Value>, Error> {
    let mut needs: BTreeMap<u64, Need<'_>> = BTreeMap::new();
    let mut missing: Vec<&Sku> = Vec::new();
    for (i, line) in message.lines.iter().enumerate() {
        let units = line.quantity.units();
        if units <= 0 {
            return Err(Error::payload(
                format!("lines[{i}].quantity"),
                format!("A fulfilment line needs a positive quantity; got {units}."),
            ));
        }
        match config.inventory_items.get(&line.sku) {
            Some(item) => {
                needs
                    .entry(*item)
                    .or_insert(Need {
                        line: i,
                        sku: &line.sku,
                        units: 0,
                    })
                    .units += units
            }
            None if !missing.contains(&&line.sku) => missing.push(&line.sku),
            None => {}
        }
    }
    if let Some(first) = missing.first() {
        // Name every unmapped SKU at once, so one fix and one replay are enough.
        let message = missing.iter().map(|sku| item_missing(sku).1).collect::<Vec<_>>().join(" ");
        return Err(Error::payload(item_missing(first).0, message));
    }
    for location in locations_of(open) {
        let here: Vec<_> = open.iter().copied().filter(|fo| fo.assigned_location_id == location).collect();
        if let Some(allocation) = allocate(&needs, &here) {
            return Ok(allocation);
        }
    }
    Err(unfillable(order, &needs, open))
}

/// Takes every need from these fulfillment orders, first come first served,
/// or `None` if they do not hold enough of some item.
fn allocate(needs: &BTreeMap<u64, Need>, fulfillment_orders: &[&wire::FulfillmentOrder]) -> Option<Vec<Value>> {
    let mut taken: Vec<(u64, Vec<Value>)> = Vec::new();
    for (item, need) in needs {
        let mut left = need.units;
        for fo in fulfillment_orders {
            let fo_id = fo.id?;
            for line in fo.line_items.iter().filter(|l| l.inventory_item_id == Some(*item)) {
                let (Some(line_id), Some(free)) = (line.id, line.fulfillable_quantity) else {
                    continue;
                };
                let take = left.min(free);
                if take <= 0 {
                    continue;
                }
                left -= take;
                let entry = match taken.iter_mut().find(|(id, _)| *id == fo_id) {
                    Some(entry) => entry,
                    None => {
                        taken.push((fo_id, Vec::new()));
                        taken.last_mut()?
                    }
                };
                entry.1.push(json!({"id": line_id, "quantity": take}));
            }
        }
        if left > 0 {
            return None;
        }
    }
    Some(
        taken
            .into_iter()
            .map(|(id, lines)| json!({"fulfillment_order_id": id, "fulfillment_order_line_items": lines}))
            .collect(),
    )
}

/// Why no location could take the lines: a SKU Shopify has too few units of
/// left to fulfil anywhere, else the lines being split across locations.
fn unfillable(order: u64, needs: &BTreeMap<u64, Need>, open: &[&wire::FulfillmentOrder]) -> Error {
    for (item, need) in needs {
        let left: i64 = open
            .iter()
            .flat_map(|fo| &fo.line_items)
            .filter(|l| l.inventory_item_id == Some(*item) && l.id.is_some())
            .filter_map(|l| l.fulfillable_quantity)
            .filter(|q| *q > 0)
            .fold(0i64, |sum, q| sum.saturating_add(q));
        if left < need.units {
            return Error::payload(
                format!("lines[{}].quantity", need.line),
                format!(
                    "Shopify order {order} has {left} unit(s) of SKU `{}` (inventory item {item}) left to fulfil; \
                     the shipment has {}. Hint: check whether it was already fulfilled in Shopify, and that \
                     `inventory_items.{}` names the right item.",
                    need.sku, need.units, need.sku
                ),
            );
        }
    }
    Error::payload(
        "lines",
        format!(
            "Shopify order {order} holds these lines at different locations, and one fulfilment comes from one \
             location. Hint: send one fulfilment per location."
        ),
    )
}

fn tracking_info(message: &Fulfillment) -> Option<Value> {
    let number = message.tracking_number.trim();
    if number.is_empty() {
        return None;
    }
    let mut info = Map::new();
    info.insert("number".into(), Value::from(number));
    if let Some(carrier) = message.carrier.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        info.insert("company".into(), Value::from(tracking_company(carrier)));
    }
    if let Some(url) = message.tracking_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        info.insert("url".into(), Value::from(url));
    }
    Some(Value::Object(info))
}

/// Shopify builds the tracking link itself for the carriers it knows, by
/// their exact names; crossdock's carrier codes (`FEDEX`, `DHL`) are
/// translated to those, anything else is passed as sent.
fn tracking_company(carrier: &str) -> String {
    let code: String = carrier
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase();
    let known = match code.as_str() {
        "UPS" => "UPS",
        "USPS" => "USPS",
        "FEDEX" => "FedEx",
        "DHL" | "DHLEXPRESS" => "DHL Express",
        "DHLECOMMERCE" => "DHL eCommerce",
        "CANADAPOST" => "Canada Post",
        "ROYALMAIL" => "Royal Mail",
        "AUSTRALIAPOST" => "Australia Post",
        "PUROLATOR" => "Purolator",
        "ONTRAC" => "OnTrac",
        _ => return carrier.to_owned(),
    };
    known.to_owned()
}

/// Shopify's answer to `GET /orders/{id}/fulfillment_orders.json`; only what
/// the fulfilment needs.
mod wire {
    use serde::Deserialize;

    use crate::de;

    #[derive(Debug, Default, Deserialize)]
    #[serde(default, expecting = "Shopify's fulfillment orders answer {\"fulfillment_orders\": [...]}")]
    pub(super) struct FulfillmentOrders {
        #[serde(deserialize_with = "de::nullable")]
        pub fulfillment_orders: Vec<FulfillmentOrder>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default, expecting = "a fulfillment order object")]
    pub(super) struct FulfillmentOrder {
        pub id: Option<u64>,
        /// open | in_progress | scheduled | on_hold | incomplete | closed | cancelled
        pub status: Option<String>,
        pub assigned_location_id: Option<u64>,
        #[serde(deserialize_with = "de::nullable")]
        pub line_items: Vec<LineItem>,
    }

    #[derive(Debug, Default, Deserialize)]
    #[serde(default, expecting = "a fulfillment order line item object")]
    pub(super) struct LineItem {
        pub id: Option<u64>,
        pub inventory_item_id: Option<u64>,
        /// Units of this line not yet fulfilled.
        pub fulfillable_quantity: Option<i64>,
    }
}

#[cfg(test)]
mod tests {
    use model::ops::LineQty;
    use model::{OrderId, Quantity};
    use proptest::prelude::*;

    use super::*;
    use crate::testutil::{fixture, json_value};

    fn fixture_json(name: &str) -> Value {
        serde_json::from_slice(&fixture(&format!("shopify/{name}"))).unwrap()
    }

    fn config() -> SinkConfig {
        serde_json::from_value(json!({
            "locations": {"DC-EAST": 905684977u64},
            "inventory_items": {"IPOD2008RED": 49148385u64, "IPOD2008GREEN": 808950810u64}
        }))
        .unwrap()
    }

    fn atp(sku: &str, node: &str, value: i64) -> Message {
        Message::AtpChanged(AtpChanged {
            sku: Sku::parse(sku).unwrap(),
            node: NodeId::parse(node).unwrap(),
            atp: value,
            buffer: 0,
            on_hand: value,
            allocated: 0,
            reserved: 0,
            held: 0,
            safety_stock: 0,
            version: 7,
        })
    }

    fn line(sku: &str, units: i64) -> LineQty {
        LineQty {
            sku: Sku::parse(sku).unwrap(),
            quantity: Quantity(units),
        }
    }

    /// Tracking values from Shopify's own fulfillment example.
    fn shipment(lines: Vec<LineQty>) -> Fulfillment {
        let example = &fixture_json("shopify_app_js_2026-07_fulfillment.json")["fulfillment"];
        Fulfillment {
            order_id: OrderId::parse("SO-1001").unwrap(),
            storefront_order_id: Some(example["order_id"].to_string()),
            tracking_number: example["tracking_number"].as_str().unwrap().to_owned(),
            carrier: Some(example["tracking_company"].as_str().unwrap().to_owned()),
            service: None,
            tracking_url: Some(example["tracking_url"].as_str().unwrap().to_owned()),
            lines,
            notify_customer: true,
        }
    }

    /// The answer to `GET /orders/450789469/fulfillment_orders.json`, built
    /// from Shopify's fulfillment order example: one closed order and its
    /// open replacement, which holds one unit of inventory item 49148385.
    fn fulfillment_orders() -> Value {
        let example = fixture_json("shopify_app_js_2026-07_fulfillment_order.json");
        json!({"fulfillment_orders": [example["fulfillment_order"], example["replacement_fulfillment_order"]]})
    }

    fn body_of(request: &Request) -> &Value {
        request.body.as_ref().unwrap()
    }

    #[test]
    fn config_defaults_and_refuses_unknown_keys() {
        let config: SinkConfig = serde_json::from_value(json!({})).unwrap();
        assert_eq!(config, SinkConfig::default());
        assert_eq!(config.api_version, "2025-07");
        assert!(config.validate().is_ok());
        let err = serde_json::from_value::<SinkConfig>(json!({"location": {}})).unwrap_err();
        assert!(err.to_string().contains("unknown field `location`"), "{err}");
        let err = serde_json::from_value::<SinkConfig>(json!({"inventory_items": {"HAS SPACE": 1}})).unwrap_err();
        assert!(err.to_string().contains("SKU"), "{err}");
    }

    #[test]
    fn validate_names_the_key_at_fault() {
        for version in ["2025-07", "2026-01", "unstable"] {
            let config = SinkConfig {
                api_version: version.into(),
                ..config()
            };
            assert_eq!(config.validate(), Ok(()), "{version}");
        }
        for version in ["2025-06", "25-07", "2025-7", "latest", ""] {
            let config = SinkConfig {
                api_version: version.into(),
                ..config()
            };
            let err = config.validate().unwrap_err();
            assert!(err.starts_with("api_version: "), "{err}");
        }
        let mut config = config();
        config.inventory_items.insert(Sku::parse("SKU-9").unwrap(), 0);
        assert_eq!(
            config.validate().unwrap_err(),
            "inventory_items.SKU-9: a Shopify id is a positive number; got 0."
        );
        config.locations.insert(NodeId::parse("DC-WEST").unwrap(), 0);
        assert!(config.validate().unwrap_err().starts_with("locations.DC-WEST: "));
    }

    #[test]
    fn stock_from_shopify_nodes_need_a_location_and_are_never_set() {
        let mut config: SinkConfig = serde_json::from_value(json!({
            "locations": {"DC-EAST": 905684977u64, "STORE-5TH": 487838322u64},
            "inventory_items": {"IPOD2008GREEN": 808950810u64},
            "stock_from_shopify": ["STORE-5TH"],
        }))
        .unwrap();
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(config.node_at(487838322).map(NodeId::as_str), Some("STORE-5TH"));
        assert_eq!(config.node_at(1), None);
        assert_eq!(config.sku_of(808950810).map(Sku::as_str), Some("IPOD2008GREEN"));
        assert_eq!(config.sku_of(1), None);

        // Shopify's levels there are crossdock's input; setting them would echo back.
        let err = render(&config, &atp("IPOD2008GREEN", "STORE-5TH", 3)).unwrap_err();
        assert_eq!(err.field().as_deref(), Some("stock_from_shopify"));
        assert!(err.to_string().contains("Shopify owns its stock"), "{err}");
        assert!(render(&config, &atp("IPOD2008GREEN", "DC-EAST", 3)).is_ok());

        config.stock_from_shopify.push(NodeId::parse("STORE-BERLIN").unwrap());
        let err = config.validate().unwrap_err();
        assert!(
            err.starts_with("stock_from_shopify: node `STORE-BERLIN` has no Shopify location")
                && err.contains("add `STORE-BERLIN = <location_id>` under `locations`"),
            "{err}"
        );
        let err = serde_json::from_value::<SinkConfig>(json!({"stock_from_shopify": ["HAS SPACE"]})).unwrap_err();
        assert!(err.to_string().contains("node"), "{err}");
    }

    /// Webhooks name Shopify's ids, which are read back to one node or SKU.
    #[test]
    fn an_id_belongs_to_one_node_or_sku() {
        let mut config = config();
        config.locations.insert(NodeId::parse("DC-WEST").unwrap(), 905684977);
        assert_eq!(
            config.validate().unwrap_err(),
            "locations.DC-WEST: location 905684977 is already the location of node `DC-EAST`; a Shopify location is one node."
        );
        let mut config = self::config();
        config.inventory_items.insert(Sku::parse("IPOD2008BLUE").unwrap(), 49148385);
        let err = config.validate().unwrap_err();
        assert!(
            err.starts_with("inventory_items.IPOD2008RED: inventory item 49148385 is already the item of SKU `IPOD2008BLUE`"),
            "{err}"
        );
    }

    #[test]
    fn atp_sets_the_level_with_the_fields_of_shopifys_inventory_level() {
        let level = &fixture_json("shopify_python_api_inventory_level.json")["inventory_level"];
        let request = render(&config(), &atp("IPOD2008GREEN", "DC-EAST", 6)).unwrap();
        assert_eq!(request.method, Method::Post);
        assert_eq!(request.path, "/admin/api/2025-07/inventory_levels/set.json");
        let expected = json!({
            "location_id": level["location_id"],
            "inventory_item_id": level["inventory_item_id"],
            "available": level["available"],
        });
        assert_eq!(body_of(&request), &expected);

        let config = SinkConfig {
            api_version: "2026-07".into(),
            ..config()
        };
        let request = render(&config, &atp("IPOD2008GREEN", "DC-EAST", 0)).unwrap();
        assert_eq!(request.path, "/admin/api/2026-07/inventory_levels/set.json");
        assert_eq!(body_of(&request)["available"], json!(0));
    }

    #[test]
    fn an_unmapped_sku_or_node_names_the_key_to_add() {
        let err = render(&config(), &atp("SKU-9", "DC-EAST", 3)).unwrap_err();
        assert_eq!(
            (err.code(), err.field().as_deref()),
            ("invalid_payload", Some("inventory_items.SKU-9"))
        );
        assert!(
            err.to_string()
                .contains("add `SKU-9 = <inventory_item_id>` under `inventory_items`"),
            "{err}"
        );

        let err = render(&config(), &atp("IPOD2008RED", "DC-WEST", 3)).unwrap_err();
        assert_eq!(err.field().as_deref(), Some("locations.DC-WEST"));
        assert!(err.to_string().contains("add `DC-WEST = <location_id>` under `locations`"), "{err}");

        let err = render(&config(), &atp("SKU.9/x", "DC-WEST", 3)).unwrap_err();
        assert_eq!(err.field().as_deref(), Some("locations.DC-WEST"), "the first of both");
        let text = err.to_string();
        assert!(
            text.contains("`inventory_items`") && text.contains(r#"add `"SKU.9/x" = <inventory_item_id>`"#),
            "{text}"
        );
    }

    #[test]
    fn other_kinds_are_refused_and_fulfilments_need_two_calls() {
        let ticket = Message::TicketNote(model::outbound::TicketNote {
            ticket_id: "1".into(),
            body: "hi".into(),
            public: false,
        });
        let err = render(&config(), &ticket).unwrap_err();
        assert_eq!(err.field().as_deref(), Some("kind"));
        assert!(err.to_string().contains("`helpdesk.note`"), "{err}");
        let err = render(&config(), &Message::Fulfillment(shipment(vec![]))).unwrap_err();
        assert!(err.to_string().contains("render_fulfillment"), "{err}");
    }

    #[test]
    fn the_first_call_reads_the_orders_fulfillment_orders() {
        let request = fulfillment_orders_request(&config(), &shipment(vec![])).unwrap();
        assert_eq!(request.method, Method::Get);
        assert_eq!(request.path, "/admin/api/2025-07/orders/450789469/fulfillment_orders.json");
        assert_eq!(request.body, None);

        let mut numeric_order = shipment(vec![]);
        numeric_order.storefront_order_id = None;
        numeric_order.order_id = OrderId::parse("450789470").unwrap();
        assert!(
            fulfillment_orders_request(&config(), &numeric_order)
                .unwrap()
                .path
                .contains("/orders/450789470/")
        );
        for (storefront, order) in [(None, "SO-1001"), (Some("#1001"), "450789469")] {
            let mut message = shipment(vec![]);
            message.storefront_order_id = storefront.map(str::to_owned);
            message.order_id = OrderId::parse(order).unwrap();
            let err = fulfillment_orders_request(&config(), &message).unwrap_err();
            assert_eq!(err.field().as_deref(), Some("storefront_order_id"), "{storefront:?}");
        }
    }

    #[test]
    fn a_shipment_fulfils_the_open_fulfillment_order_that_holds_its_items() {
        let answer = serde_json::to_vec(&fulfillment_orders()).unwrap();
        let request = render_fulfillment(&config(), &shipment(vec![line("IPOD2008RED", 1)]), &answer).unwrap();
        assert_eq!(request.method, Method::Post);
        assert_eq!(request.path, "/admin/api/2025-07/fulfillments.json");
        let example = &fixture_json("shopify_app_js_2026-07_fulfillment.json")["fulfillment"];
        assert_eq!(
            body_of(&request),
            &json!({"fulfillment": {
                "line_items_by_fulfillment_order": [
                    {"fulfillment_order_id": 1046000789u64, "fulfillment_order_line_items": [{"id": 1072503285u64, "quantity": 1}]}
                ],
                "tracking_info": {
                    "number": example["tracking_number"],
                    "company": example["tracking_company"],
                    "url": example["tracking_url"],
                },
                "notify_customer": true,
            }})
        );
    }

    #[test]
    fn a_shipment_without_lines_fulfils_everything_left() {
        let answer = serde_json::to_vec(&fulfillment_orders()).unwrap();
        let mut message = shipment(vec![]);
        message.tracking_number = " ".into();
        message.notify_customer = false;
        let request = render_fulfillment(&config(), &message, &answer).unwrap();
        assert_eq!(
            body_of(&request),
            &json!({"fulfillment": {
                "line_items_by_fulfillment_order": [{"fulfillment_order_id": 1046000789u64}],
                "notify_customer": false,
            }}),
            "the closed fulfillment order is left alone; no tracking number, no tracking_info"
        );
    }

    #[test]
    fn what_shopify_cannot_fulfil_is_named() {
        let answer = serde_json::to_vec(&fulfillment_orders()).unwrap();
        let err = render_fulfillment(&config(), &shipment(vec![line("IPOD2008RED", 2)]), &answer).unwrap_err();
        assert_eq!(err.field().as_deref(), Some("lines[0].quantity"));
        assert!(err.to_string().contains("has 1 unit(s) of SKU `IPOD2008RED`"), "{err}");

        let err = render_fulfillment(&config(), &shipment(vec![line("IPOD2008GREEN", 1)]), &answer).unwrap_err();
        assert!(err.to_string().contains("has 0 unit(s) of SKU `IPOD2008GREEN`"), "{err}");

        let err = render_fulfillment(
            &config(),
            &shipment(vec![line("IPOD2008RED", 1), line("SKU-9", 1), line("SKU-9", 1)]),
            &answer,
        )
        .unwrap_err();
        assert_eq!(err.field().as_deref(), Some("inventory_items.SKU-9"));
        assert_eq!(err.to_string().matches("SKU-9 = ").count(), 1, "{err}");

        let closed = json!({"fulfillment_orders": [fixture_json("shopify_app_js_2026-07_fulfillment_order.json")["fulfillment_order"]]});
        let err = render_fulfillment(&config(), &shipment(vec![]), &serde_json::to_vec(&closed).unwrap()).unwrap_err();
        assert!(err.to_string().contains("no open fulfillment order"), "{err}");

        let err = render_fulfillment(&config(), &shipment(vec![]), b"{\"fulfillment_orders\": [{\"id\": \"x\"}]}").unwrap_err();
        assert_eq!(err.field().as_deref(), Some("fulfillment_orders[0].id"));
    }

    /// Two open fulfillment orders at two locations: one call takes the
    /// location that holds every line, and lines summed per item.
    #[test]
    fn one_location_per_fulfilment() {
        let answer = json!({"fulfillment_orders": [
            {"id": 1, "status": "open", "assigned_location_id": 10,
             "line_items": [{"id": 11, "inventory_item_id": 49148385u64, "fulfillable_quantity": 1}]},
            {"id": 2, "status": "in_progress", "assigned_location_id": 20,
             "line_items": [{"id": 21, "inventory_item_id": 49148385u64, "fulfillable_quantity": 3},
                            {"id": 22, "inventory_item_id": 808950810u64, "fulfillable_quantity": 1}]},
        ]});
        let answer = serde_json::to_vec(&answer).unwrap();
        let lines = vec![line("IPOD2008RED", 1), line("IPOD2008GREEN", 1), line("IPOD2008RED", 1)];
        let request = render_fulfillment(&config(), &shipment(lines), &answer).unwrap();
        assert_eq!(
            body_of(&request)["fulfillment"]["line_items_by_fulfillment_order"],
            json!([{"fulfillment_order_id": 2, "fulfillment_order_line_items": [{"id": 21, "quantity": 2}, {"id": 22, "quantity": 1}]}])
        );

        let err = render_fulfillment(&config(), &shipment(vec![]), &answer).unwrap_err();
        assert_eq!(err.field().as_deref(), Some("lines"));
        assert!(err.to_string().contains("several locations (10, 20)"), "{err}");

        let split = vec![line("IPOD2008RED", 4)];
        let err = render_fulfillment(&config(), &shipment(split), &answer).unwrap_err();
        assert!(err.to_string().contains("different locations"), "{err}");
    }

    #[test]
    fn carrier_codes_become_shopifys_names() {
        for (code, name) in [
            ("FEDEX", "FedEx"),
            ("fedex", "FedEx"),
            ("DHL", "DHL Express"),
            ("Canada Post", "Canada Post"),
            ("Acme Freight", "Acme Freight"),
        ] {
            assert_eq!(tracking_company(code), name);
        }
    }

    proptest! {
        #[test]
        fn any_answer_never_panics(value in json_value(
            &["fulfillment_orders", "id", "status", "assigned_location_id", "line_items", "inventory_item_id", "fulfillable_quantity"],
            &["open", "in_progress", "closed"],
        ), with_lines in any::<bool>()) {
            let lines = if with_lines { vec![line("IPOD2008RED", 1), line("IPOD2008GREEN", 2)] } else { vec![] };
            let _ = render_fulfillment(&config(), &shipment(lines), &serde_json::to_vec(&value).unwrap());
        }

        #[test]
        fn any_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = render_fulfillment(&config(), &shipment(vec![line("IPOD2008RED", 1)]), &body);
        }

        #[test]
        fn any_atp_renders_or_names_the_key(sku in "[A-Z0-9.-]{1,12}", node in "[A-Z-]{1,8}", value in any::<i64>()) {
            match render(&config(), &atp(&sku, &node, value)) {
                Ok(request) => prop_assert_eq!(&body_of(&request)["available"], &json!(value)),
                Err(err) => {
                    let field = err.field().unwrap();
                    prop_assert!(field.starts_with("locations.") || field.starts_with("inventory_items."), "{}", field);
                }
            }
        }
    }
}
