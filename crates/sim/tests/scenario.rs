//! The scenario stream, checked the way crossdock's receivers would check it:
//! signatures over the exact bytes, payload shapes against real fixtures, and
//! the ordering guarantees the demo relies on.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use sim::{Delivery, SimConfig, System};

fn run(seed: u64, orders: usize) -> Vec<Delivery> {
    sim::scenario(&SimConfig::demo(seed, orders)).collect()
}

fn fixture(path: &str) -> Value {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures")
        .join(path);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
    serde_json::from_str(&text).unwrap()
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default()
}

fn hmac(secret: &str, body: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

fn json(delivery: &Delivery) -> Value {
    serde_json::from_slice(&delivery.body).unwrap_or_else(|e| panic!("{}: body is not JSON: {e}", delivery.summary))
}

fn assert_subset(emitted: &BTreeSet<String>, allowed: &BTreeSet<String>, what: &str) {
    let extra: Vec<_> = emitted.difference(allowed).collect();
    assert!(extra.is_empty(), "{what} has keys the real payload does not: {extra:?}");
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let a = run(42, 300);
    let b = run(42, 300);
    assert_eq!(a.len(), b.len());
    assert!(a == b, "two runs with seed 42 differ");
    let c = run(43, 300);
    assert!(a != c, "seeds 42 and 43 produced the same stream");
}

#[test]
fn stream_is_non_decreasing_in_time() {
    let deliveries = run(5, 2_000);
    for pair in deliveries.windows(2) {
        assert!(
            pair[0].at <= pair[1].at,
            "{} at {} comes before {} at {}",
            pair[0].summary,
            pair[0].at,
            pair[1].summary,
            pair[1].at
        );
    }
}

#[test]
fn shopify_webhooks_verify_and_look_like_shopifys() {
    let config = SimConfig::demo(7, 500);
    let real = fixture("shopify/shopify_app_js_2026-07_order.json")["order"].clone();
    let python = fixture("shopify/shopify_python_api_order.json")["order"].clone();
    let order_keys = keys(&real);
    let line_keys = keys(&real["line_items"][0]);
    let shipping_keys = keys(&real["shipping_lines"][0]);
    let address_keys = keys(&real["shipping_address"]);
    // The 2026-07 example customer lacks the counters older versions carry.
    let customer_keys: BTreeSet<_> = keys(&real["customer"]).union(&keys(&python["customer"])).cloned().collect();

    let mut webhook_ids = HashMap::new();
    let mut topics: BTreeMap<String, usize> = BTreeMap::new();
    for d in sim::scenario(&config).filter(|d| d.system == System::Storefront) {
        assert_eq!(d.path, "/webhooks/shopify/shop");
        assert_eq!(d.header("content-type"), Some("application/json"));
        let expected = base64::engine::general_purpose::STANDARD.encode(hmac(&config.shop.secret, &d.body));
        assert_eq!(d.header("X-Shopify-Hmac-Sha256"), Some(expected.as_str()), "{}", d.summary);
        assert_eq!(d.header("X-Shopify-Shop-Domain"), Some("acme-demo.myshopify.com"));
        assert_eq!(d.header("X-Shopify-API-Version"), Some("2026-07"));
        let topic = d.header("X-Shopify-Topic").unwrap();
        assert!(["orders/create", "orders/updated", "orders/cancelled"].contains(&topic), "{topic}");
        *topics.entry(topic.to_owned()).or_insert(0) += 1;
        let webhook_id = d.header("X-Shopify-Webhook-Id").unwrap();
        assert!(uuid::Uuid::parse_str(webhook_id).is_ok(), "{webhook_id}");
        assert!(d.header("X-Shopify-Event-Id").unwrap().bytes().all(|b| b.is_ascii_digit()));
        let triggered: jiff::Timestamp = d.header("X-Shopify-Triggered-At").unwrap().parse().unwrap();
        assert!(triggered <= d.at);
        // A webhook id comes back only as a byte-identical redelivery.
        if let Some((body, headers)) = webhook_ids.insert(webhook_id.to_owned(), (d.body.clone(), d.headers.clone())) {
            assert_eq!(
                (body, headers),
                (d.body.clone(), d.headers.clone()),
                "webhook id {webhook_id} reused"
            );
            assert!(d.summary.ends_with("(redelivery)"));
        }

        let order = json(&d);
        assert_subset(&keys(&order), &order_keys, "order");
        for key in [
            "id",
            "admin_graphql_api_id",
            "name",
            "order_number",
            "email",
            "created_at",
            "updated_at",
            "processed_at",
            "currency",
            "total_price",
            "subtotal_price",
            "total_tax",
            "total_weight",
            "financial_status",
            "fulfillment_status",
            "cancelled_at",
            "cancel_reason",
            "tags",
            "note",
            "note_attributes",
            "browser_ip",
            "customer",
            "billing_address",
            "shipping_address",
            "line_items",
            "shipping_lines",
        ] {
            assert!(order.get(key).is_some(), "order lacks {key}");
        }
        let id = order["id"].as_u64().unwrap();
        assert_eq!(order["admin_graphql_api_id"], format!("gid://shopify/Order/{id}"));
        assert_eq!(order["name"], format!("#{}", order["order_number"]));
        assert_eq!(topic == "orders/cancelled", !order["cancelled_at"].is_null());
        for money in ["total_price", "subtotal_price", "total_tax"] {
            let text = order[money].as_str().unwrap();
            assert!(text.split_once('.').is_some_and(|(_, cents)| cents.len() == 2), "{money} = {text}");
        }
        assert_subset(&keys(&order["customer"]), &customer_keys, "customer");
        assert_subset(&keys(&order["shipping_address"]), &address_keys, "shipping_address");
        assert_subset(&keys(&order["billing_address"]), &address_keys, "billing_address");
        let lines = order["line_items"].as_array().unwrap();
        assert!((1..=4).contains(&lines.len()));
        for line in lines {
            assert_subset(&keys(line), &line_keys, "line item");
            assert!((1..=3).contains(&line["quantity"].as_i64().unwrap()));
        }
        assert_subset(&keys(&order["shipping_lines"][0]), &shipping_keys, "shipping line");
        let shipping = order["shipping_lines"][0]["title"].as_str().unwrap();
        assert!(["Standard Shipping", "Express", "Overnight"].contains(&shipping));
    }
    let redeliveries = topics.values().sum::<usize>() - webhook_ids.len();
    assert!((1..=20).contains(&redeliveries), "{redeliveries} redeliveries");
    assert!(topics["orders/updated"] >= 25, "{topics:?}");
    assert!(topics["orders/cancelled"] >= 5, "{topics:?}");
}

#[test]
fn postal_codes_and_countries_are_realistic() {
    let mut countries = BTreeMap::new();
    let mut broken = 0;
    for d in run(9, 1_000)
        .iter()
        .filter(|d| d.header("X-Shopify-Topic") == Some("orders/create"))
    {
        let address = &json(d)["shipping_address"];
        let country = address["country_code"].as_str().unwrap().to_owned();
        *countries.entry(country.clone()).or_insert(0) += 1;
        let Some(zip) = address["zip"].as_str() else {
            broken += 1;
            continue;
        };
        if address["address1"].as_str().unwrap().starts_with("PO Box") {
            broken += 1;
        }
        let shape: String = zip
            .chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    '9'
                } else if c.is_ascii_uppercase() {
                    'A'
                } else {
                    c
                }
            })
            .collect();
        let ok = match country.as_str() {
            "US" => shape == "99999" || shape == "99999-9999",
            "CA" => shape == "A9A 9A9",
            "DE" => shape == "99999",
            "AU" => shape == "9999",
            "GB" => shape.len() >= 6 && shape.ends_with(" 9AA"),
            other => panic!("unexpected country {other}"),
        };
        assert!(ok, "{country} postal code {zip}");
    }
    assert!(countries["US"] > 800, "{countries:?}");
    assert_eq!(countries.len(), 5, "{countries:?}");
    assert!((5..=60).contains(&broken), "{broken} broken addresses");
}

#[test]
fn erp_deliveries_are_valid_canonical_events() {
    let config = SimConfig::demo(11, 200);
    let mut keys_seen = BTreeSet::new();
    let mut event_ids = BTreeSet::new();
    let mut kinds = BTreeMap::new();
    for d in sim::scenario(&config).filter(|d| d.system == System::Erp) {
        assert_eq!(d.path, "/v1/events");
        assert!(
            keys_seen.insert(d.header("Idempotency-Key").unwrap().to_owned()),
            "Idempotency-Key reused"
        );
        #[derive(serde::Deserialize)]
        struct Batch {
            events: Vec<model::Event>,
        }
        let batch: Batch = serde_json::from_slice(&d.body).unwrap_or_else(|e| panic!("{}: {e}", d.summary));
        assert!(!batch.events.is_empty() && batch.events.len() <= 50);
        for event in batch.events {
            event.validate().unwrap_or_else(|e| panic!("{}: {e}", event.event_id));
            assert_eq!(event.source, "erp");
            assert!(event.tenant.is_none());
            assert!(event_ids.insert(event.event_id.clone()));
            *kinds.entry(event.body.kind().as_str()).or_insert(0) += 1;
        }
    }
    assert_eq!(kinds["item.upserted"], 40);
    assert!(kinds["po.created"] >= 1 && kinds["po.created"] <= 4, "{kinds:?}");
}

#[test]
fn catalogue_matches_what_the_erp_sends() {
    let config = SimConfig {
        skus: 120,
        ..SimConfig::demo(3, 10)
    };
    let items: Vec<model::item::Item> = sim::scenario(&config)
        .take_while(|d| d.system == System::Erp)
        .flat_map(|d| {
            serde_json::from_slice::<Value>(&d.body).unwrap()["events"]
                .as_array()
                .unwrap()
                .clone()
        })
        .filter(|e| e["type"] == "item.upserted")
        .map(|e| serde_json::from_value(e["data"].clone()).unwrap())
        .collect();
    assert_eq!(
        items,
        sim::catalog(&config),
        "the ERP sends the catalogue, in batches of 50, before anything else"
    );
    assert!(items.iter().any(|i| i.hazmat) && items.iter().any(|i| i.oversize) && items.iter().any(|i| i.final_sale));
    for item in &items {
        assert!(
            item.ids
                .wms_item_code
                .as_deref()
                .is_some_and(|c| c.len() == 9 && c.starts_with("WI-"))
        );
        assert!(item.ids.erp_material.as_deref().is_some_and(|c| c.starts_with("MAT-1")));
        assert!(item.ids.storefront_variant_id.is_some() && item.ids.storefront_product_id.is_some());
        assert!(item.weight_grams.is_some() && item.price.is_some());
    }
}

/// The warehouse events of each order, in stream order, keyed by order name.
struct Lifecycles {
    created: HashMap<String, usize>,
    cancelled: BTreeSet<String>,
    wms: BTreeMap<String, Vec<(usize, String)>>,
}

fn lifecycles(deliveries: &[Delivery]) -> Lifecycles {
    let mut by_id = HashMap::new();
    let mut created = HashMap::new();
    let mut cancelled = BTreeSet::new();
    let mut wms: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
    for (i, d) in deliveries.iter().enumerate() {
        match d.system {
            System::Storefront => {
                let body = json(d);
                let name = body["name"].as_str().unwrap().to_owned();
                by_id.insert(body["id"].as_u64().unwrap().to_string(), name.clone());
                created.entry(name.clone()).or_insert(i);
                if d.header("X-Shopify-Topic") == Some("orders/cancelled") {
                    cancelled.insert(name);
                }
            }
            System::Wms => {
                let body = json(d);
                let kind = body["event_type"].as_str().unwrap().to_owned();
                let Some(order_id) = body["order_id"].as_str().filter(|_| kind != "RECEIPT_CONFIRMED") else {
                    continue;
                };
                let name = if order_id.starts_with('#') {
                    order_id.to_owned()
                } else {
                    by_id[order_id].clone()
                };
                wms.entry(name).or_default().push((i, kind));
            }
            _ => {}
        }
    }
    Lifecycles { created, cancelled, wms }
}

#[test]
fn warehouse_events_follow_the_order_lifecycle() {
    let deliveries = run(13, 3_000);
    let l = lifecycles(&deliveries);
    let rank = |kind: &str| match kind {
        "ORDER_RELEASED" => Some(1),
        "PICKING_COMPLETE" => Some(2),
        "PACKED" => Some(3),
        "STAGED" => Some(4),
        "SHIPPED" => Some(5),
        "RETURN_RECEIVED" => Some(6),
        _ => None,
    };
    let mut shipped = 0;
    for (name, events) in &l.wms {
        assert!(!l.cancelled.contains(name), "cancelled order {name} has warehouse events");
        let created = l.created[name];
        assert!(
            events.iter().all(|(i, _)| *i > created),
            "{name} has warehouse events before orders/create"
        );
        assert_eq!(events[0].1, "ORDER_RELEASED", "{name} starts with {}", events[0].1);
        let ranks: Vec<i32> = events.iter().filter_map(|(_, k)| rank(k)).collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{name}: {events:?}");
        let open = events.iter().fold(0, |open, (_, k)| match k.as_str() {
            "EXCEPTION_CREATED" => open + 1,
            "EXCEPTION_CLEARED" => open - 1,
            _ => open,
        });
        assert!((0..=1).contains(&open), "{name}: {events:?}");
        shipped += usize::from(ranks.contains(&5));
    }
    assert!(shipped > 2_500, "{shipped} of 3000 shipped");
    assert!(l.cancelled.len() > 40, "{} cancelled", l.cancelled.len());
}

#[test]
fn wms_events_are_signed_canonical_events() {
    let config = SimConfig::demo(17, 1_000);
    let secrets: HashMap<_, _> = config.wms.iter().map(|s| (format!("/webhooks/wms/{}", s.connection), s)).collect();
    let mut ids = BTreeSet::new();
    let mut types = BTreeMap::new();
    let allowed: BTreeSet<String> = [
        "event_id",
        "event_type",
        "occurred_at",
        "order_id",
        "wms_order_key",
        "node",
        "carrier",
        "service",
        "tracking_number",
        "location",
        "estimated_delivery_date",
        "lines",
        "exception_code",
        "sku",
        "quantity",
        "on_hand",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    for d in sim::scenario(&config).filter(|d| d.system == System::Wms) {
        let site = secrets[d.path.as_str()];
        let signature = format!("sha256={}", hex::encode(hmac(&site.secret, &d.body)));
        assert_eq!(d.header("X-Crossdock-Signature"), Some(signature.as_str()));
        let event = json(&d);
        assert_subset(&keys(&event), &allowed, "WMS event");
        assert_eq!(event["node"], site.node.as_str());
        let id = event["event_id"].as_str().unwrap();
        let (connection, seq) = id.rsplit_once('-').unwrap();
        assert_eq!(connection, site.connection);
        assert!(seq.len() == 8 && seq.bytes().all(|b| b.is_ascii_digit()), "{id}");
        assert!(ids.insert(id.to_owned()), "event id {id} reused");
        let occurred: jiff::Timestamp = event["occurred_at"].as_str().unwrap().parse().unwrap();
        assert!(occurred <= d.at);
        let kind = event["event_type"].as_str().unwrap().to_owned();
        match kind.as_str() {
            "SHIPPED" => {
                let tracking = event["tracking_number"].as_str().unwrap();
                let ok = match event["carrier"].as_str().unwrap() {
                    "UPS" => tracking.len() == 18 && tracking.starts_with("1Z"),
                    "FEDEX" => tracking.len() == 12 && tracking.bytes().all(|b| b.is_ascii_digit()),
                    "USPS" => tracking.len() == 22 && tracking.bytes().all(|b| b.is_ascii_digit()),
                    other => panic!("carrier {other}"),
                };
                assert!(ok, "{tracking}");
                assert!(["GROUND", "2DAY", "NEXT_DAY"].contains(&event["service"].as_str().unwrap()));
                let edd: jiff::civil::Date = event["estimated_delivery_date"].as_str().unwrap().parse().unwrap();
                assert!(edd > occurred.to_zoned(jiff::tz::TimeZone::UTC).date());
            }
            "INVENTORY_SNAPSHOT" => {
                assert!(event["on_hand"].as_i64().unwrap() >= 0 && event["sku"].is_string())
            }
            "INVENTORY_ADJUSTED" => {
                assert!(event["quantity"].as_i64().unwrap() != 0 && event["sku"].is_string())
            }
            "EXCEPTION_CREATED" | "EXCEPTION_CLEARED" => assert!(
                ["SCAN_FAILURE", "WEIGHT_DISCREPANCY", "MISSED_PICKUP", "SHORT_PICK", "DAMAGED"]
                    .contains(&event["exception_code"].as_str().unwrap())
            ),
            "RECEIPT_CONFIRMED" => assert!(event["order_id"].as_str().unwrap().starts_with("PO-")),
            _ => {}
        }
        *types.entry(kind).or_insert(0) += 1;
    }
    assert_eq!(types["INVENTORY_SNAPSHOT"], 80);
    for kind in [
        "ORDER_RELEASED",
        "SHIPPED",
        "EXCEPTION_CREATED",
        "EXCEPTION_CLEARED",
        "INVENTORY_ADJUSTED",
        "RECEIPT_CONFIRMED",
        "RETURN_RECEIVED",
    ] {
        assert!(types.contains_key(kind), "no {kind} in {types:?}");
    }
}

#[test]
fn helpdesk_tickets_name_the_order_and_its_customer() {
    let config = SimConfig::demo(19, 1_000);
    let ticket_keys = keys(&fixture("zendesk/zendesk_ticket_create_201.json")["ticket"]);
    let mut emails = HashMap::new();
    let mut tickets = 0;
    for d in sim::scenario(&config) {
        match d.system {
            System::Storefront => {
                let order = json(&d);
                emails.insert(
                    order["name"].as_str().unwrap().to_owned(),
                    order["email"].as_str().unwrap().to_owned(),
                );
            }
            System::Helpdesk => {
                tickets += 1;
                assert_eq!(d.path, "/webhooks/helpdesk/helpdesk");
                let signature = format!("sha256={}", hex::encode(hmac(&config.helpdesk.secret, &d.body)));
                assert_eq!(d.header("X-Crossdock-Signature"), Some(signature.as_str()));
                let body = json(&d);
                assert_eq!(keys(&body), BTreeSet::from(["ticket".to_owned()]));
                let ticket = &body["ticket"];
                assert_subset(&keys(ticket), &ticket_keys, "ticket");
                let order = ticket["custom_fields"][0]["value"].as_str().unwrap();
                assert!(ticket["subject"].as_str().unwrap().contains(order));
                assert!(ticket["description"].as_str().unwrap().contains(order));
                assert_eq!(ticket["via"]["channel"], "email");
                assert_eq!(
                    ticket["via"]["source"]["from"]["address"].as_str(),
                    emails.get(order).map(String::as_str)
                );
                assert!(["new", "open"].contains(&ticket["status"].as_str().unwrap()));
            }
            _ => {}
        }
    }
    assert!((20..=120).contains(&tickets), "{tickets} tickets for 1000 orders");
}

#[test]
fn setup_traffic_comes_first() {
    let config = SimConfig::demo(23, 50);
    let deliveries = run(23, 50);
    let first_order = deliveries.iter().position(|d| d.system == System::Storefront).unwrap();
    let setup = &deliveries[..first_order];
    assert!(setup.iter().all(|d| d.at == config.start));
    let snapshots = setup.iter().filter(|d| d.summary.contains("INVENTORY_SNAPSHOT")).count();
    assert_eq!(snapshots, config.wms.len() * config.skus);
    assert!(setup.last().unwrap().summary.contains("po.created"));
}

#[test]
fn no_wms_sites_means_no_wms_traffic() {
    let config = SimConfig {
        wms: Vec::new(),
        ..SimConfig::demo(29, 200)
    };
    let deliveries: Vec<_> = sim::scenario(&config).collect();
    assert!(deliveries.iter().all(|d| d.system != System::Wms));
    assert_eq!(
        deliveries
            .iter()
            .filter(|d| d.header("X-Shopify-Topic") == Some("orders/create"))
            .count(),
        200
    );
}

#[test]
fn scenario_can_move_to_another_thread() {
    fn assert_send<T: Send + 'static>(_: &T) {}
    assert_send(&sim::scenario(&SimConfig::demo(1, 1)));
}

/// 200,000 orders stream through a queue whose size depends on how long
/// orders stay in flight, not on how many there are.
#[test]
fn two_hundred_thousand_orders_stream_in_bounded_memory() {
    let orders = 200_000;
    let started = Instant::now();
    let mut scenario = sim::scenario(&SimConfig::demo(31, orders));
    let (mut count, mut creates, mut bytes) = (0usize, 0usize, 0usize);
    let mut last = jiff::Timestamp::MIN;
    for d in scenario.by_ref() {
        assert!(d.at >= last);
        last = d.at;
        count += 1;
        bytes += d.body.len();
        creates += usize::from(d.header("X-Shopify-Topic") == Some("orders/create") && !d.summary.ends_with("(redelivery)"));
    }
    let elapsed = started.elapsed();
    assert_eq!(creates, orders);
    let peak = scenario.peak_in_flight();
    eprintln!("{count} deliveries, {} MB, peak {peak} in flight, {elapsed:?}", bytes / 1_000_000);
    // Orders arrive every 30 s on average and stay in flight for hours
    // (days for the few with a return or a ticket): a few thousand at once.
    assert!(peak < 10_000, "peak of {peak} jobs in flight");
    assert_eq!(scenario.in_flight(), 0);
    assert!(elapsed < Duration::from_secs(300), "took {elapsed:?}");
}
