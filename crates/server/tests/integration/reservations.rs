//! Reservations, availability, propagation, holds and units through the HTTP API.

use serde_json::{Value, json};

use crate::support::{Harness, KEY, base_config, connection};

/// The base network, and a storefront told about ATP changes less a buffer of 2.
async fn start() -> Harness {
    Harness::start(|dir| {
        let mut config = base_config(dir);
        let mut shop = connection(model::tenant::ConnectionKind::Shopify, Some("s"), &[]);
        shop.subscribe = vec!["inventory.atp_changed".into()];
        shop.atp_buffer = 2;
        config.connections.insert(model::ConnectionId::parse("shop").unwrap(), shop);
        config
    })
    .await
}

/// 64 tasks race for the last 10 units of one SKU: exactly 10 succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_racers_never_get_more_than_is_there() {
    let h = std::sync::Arc::new(start().await);
    h.stock("HOT-1", "DC-EAST", 6).await;
    h.stock("HOT-1", "DC-WEST", 4).await;
    let mut tasks = Vec::new();
    for i in 0..64 {
        let h = h.clone();
        tasks.push(tokio::spawn(async move {
            h.post(
                "/v1/reservations",
                json!({"order_id": format!("racer-{i}"), "lines": [{"sku": "HOT-1", "quantity": 1}]}),
            )
            .await
        }));
    }
    let mut won = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            201 => won += 1,
            409 => assert_eq!(body["code"], "insufficient_stock"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(won, 10, "exactly the 10 units there were");
    let inv = h.inventory("HOT-1").await;
    assert_eq!(inv["network"]["reserved"], 10);
    assert_eq!(inv["network"]["atp"], 0);
}

#[tokio::test]
async fn reservations_sum_demand_backorder_on_request_and_release() {
    let h = start().await;
    h.stock("SKU-1", "DC-EAST", 5).await;
    h.stock("SKU-1", "DC-WEST", 2).await;
    h.stock("SKU-2", "DC-EAST", 1).await;
    // Two lines of SKU-1 are one demand of 6: more than any one node, less than the network.
    let (status, all) = h
        .post(
            "/v1/reservations",
            json!({"order_id": "SO-1", "lines": [{"sku": "SKU-1", "quantity": 4}, {"sku": "SKU-1", "quantity": 2}], "ttl": "10m"}),
        )
        .await;
    assert_eq!(status, 201, "{all}");
    assert_eq!(
        all["lines"],
        json!([{"sku": "SKU-1", "node": "DC-EAST", "quantity": 5}, {"sku": "SKU-1", "node": "DC-WEST", "quantity": 1}])
    );
    // All or nothing: SKU-2 is short, so nothing at all is reserved.
    let (status, refused) = h
        .post(
            "/v1/reservations",
            json!({"lines": [{"sku": "SKU-1", "quantity": 1}, {"sku": "SKU-2", "quantity": 3}]}),
        )
        .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(
        refused["details"]["shortfalls"],
        json!([{"sku": "SKU-2", "requested": 3, "available": 1}])
    );
    assert_eq!(h.inventory("SKU-1").await["network"]["reserved"], 6);
    // Partial: what is there, the rest recorded as backordered.
    let (status, partial) = h
        .post(
            "/v1/reservations",
            json!({"mode": "partial", "lines": [{"sku": "SKU-2", "quantity": 3}]}),
        )
        .await;
    assert_eq!(status, 201, "{partial}");
    assert_eq!(partial["lines"][0]["quantity"], 1);
    assert_eq!(partial["backordered"], json!([{"sku": "SKU-2", "node": null, "quantity": 2}]));
    assert_eq!(h.inventory("SKU-2").await["network"]["backordered"], 2);
    // Cancel gives the units back; a second cancel is 404.
    let url = format!("{}/v1/reservations/{}", h.base, all["id"].as_str().unwrap());
    assert_eq!(h.client.delete(&url).bearer_auth(KEY).send().await.unwrap().status(), 204);
    assert_eq!(h.client.delete(&url).bearer_auth(KEY).send().await.unwrap().status(), 404);
    assert_eq!(h.inventory("SKU-1").await["network"]["atp"], 7);
}

#[tokio::test]
async fn a_reservation_converts_to_an_allocation_on_release_and_is_consumed_on_shipment() {
    let h = start().await;
    h.stock("SKU-1", "DC-EAST", 5).await;
    let (status, _) = h
        .post(
            "/v1/reservations",
            json!({"order_id": "SO-9", "lines": [{"sku": "SKU-1", "quantity": 2}]}),
        )
        .await;
    assert_eq!(status, 201);
    let step = |n: &str, kind: &str, extra: Value| {
        let mut data = json!({"order_id": "SO-9", "node": "DC-EAST"});
        data.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        json!({"events": [{"event_id": n, "source": "wms", "occurred_at": "2026-05-15T10:00:00Z", "type": kind, "data": data}]})
    };
    let created = json!({"events": [{"event_id": "o9", "source": "shop", "occurred_at": "2026-05-15T10:00:00Z", "type": "order.created",
        "data": {"order_id": "SO-9", "payment_state": "paid", "lines": [{"sku": "SKU-1", "quantity": 2}]}}]});
    assert_eq!(h.post("/v1/events", created).await.0, 200);
    assert_eq!(h.post("/v1/events", step("r9", "order.released", json!({}))).await.0, 200);
    let east = &h.inventory("SKU-1").await["nodes"][0];
    assert_eq!(
        (east["reserved"].as_i64(), east["allocated"].as_i64(), east["atp"].as_i64()),
        (Some(0), Some(2), Some(3))
    );
    // A full count while the order is unshipped sets on-hand and keeps the allocation.
    h.stock("SKU-1", "DC-EAST", 4).await;
    let east = &h.inventory("SKU-1").await["nodes"][0];
    assert_eq!(
        (east["on_hand"].as_i64(), east["allocated"].as_i64(), east["atp"].as_i64()),
        (Some(4), Some(2), Some(2))
    );
    assert_eq!(
        h.post("/v1/events", step("s9", "order.shipped", json!({"tracking_number": "1Z9"})))
            .await
            .0,
        200
    );
    let east = &h.inventory("SKU-1").await["nodes"][0];
    assert_eq!(
        (east["on_hand"].as_i64(), east["allocated"].as_i64(), east["atp"].as_i64()),
        (Some(2), Some(0), Some(2))
    );
}

#[tokio::test]
async fn reservations_expire_after_their_ttl() {
    let h = start().await;
    h.stock("SKU-1", "DC-EAST", 3).await;
    let (status, _) = h
        .post("/v1/reservations", json!({"lines": [{"sku": "SKU-1", "quantity": 3}], "ttl": "1s"}))
        .await;
    assert_eq!(status, 201);
    assert_eq!(h.inventory("SKU-1").await["network"]["atp"], 0);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if h.inventory("SKU-1").await["network"]["atp"] == 3 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the reservation never expired");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn bad_reservations_are_refused_with_the_field() {
    let h = start().await;
    h.stock("SKU-1", "DC-EAST", 3).await;
    let cases = [
        (json!({"lines": []}), 422, "invalid_request", "lines"),
        (
            json!({"lines": [{"sku": "NOPE", "quantity": 1}]}),
            422,
            "unknown_sku",
            "lines[0].sku",
        ),
        (
            json!({"lines": [{"sku": "SKU-1", "quantity": 0}]}),
            422,
            "invalid_quantity",
            "lines[0].quantity",
        ),
        (
            json!({"lines": [{"sku": "SKU-1", "quantity": 1.5}]}),
            422,
            "invalid_field",
            "lines[0].quantity",
        ),
        (
            json!({"lines": [{"sku": "SKU-1", "quantity": 1, "node": "DC-MOON"}]}),
            422,
            "unknown_node",
            "lines[0].node",
        ),
        (
            json!({"lines": [{"sku": "SKU-1", "quantity": 1}], "ttl": "forever"}),
            422,
            "invalid_ttl",
            "ttl",
        ),
        (
            json!({"lines": [{"sku": "SKU-1", "quantity": 1}], "mode": "greedy"}),
            422,
            "invalid_field",
            "mode",
        ),
    ];
    for (body, status, code, field) in cases {
        let (got, err) = h.post("/v1/reservations", body.clone()).await;
        assert_eq!(
            (got, err["code"].as_str(), err["field"].as_str()),
            (status, Some(code), Some(field)),
            "{body}: {err}"
        );
    }
    let forged = json!({"events": [{"event_id": "x", "occurred_at": "2026-05-15T10:00:00Z", "type": "reservation.created",
        "data": {"reservation_id": "R-1", "lines": [{"sku": "SKU-1", "node": "DC-EAST", "quantity": 99}], "expires_at": "2030-01-01T00:00:00Z"}}]});
    let (status, err) = h.post("/v1/events", forged).await;
    assert_eq!((status, err["code"].as_str()), (422, Some("reserved_event_type")));
    assert_eq!(h.inventory("SKU-1").await["network"]["atp"], 3);
}

#[tokio::test]
async fn availability_says_where_and_how_much() {
    let h = start().await;
    h.stock("SKU-1", "DC-EAST", 2).await;
    h.stock("SKU-1", "DC-WEST", 5).await;
    let (status, body) = h
        .post("/v1/availability", json!({"lines": [{"sku": "SKU-1", "quantity": 6}]}))
        .await;
    assert_eq!(status, 200, "{body}");
    let line = &body["lines"][0];
    assert_eq!(line["available"], 6);
    assert_eq!(
        line["nodes"],
        json!([{"node": "DC-WEST", "quantity": 5}, {"node": "DC-EAST", "quantity": 1}])
    );
    let (_, short) = h
        .post("/v1/availability", json!({"lines": [{"sku": "SKU-1", "quantity": 9}]}))
        .await;
    assert_eq!(
        (short["lines"][0]["available"].as_i64(), short["lines"][0]["short"].as_i64()),
        (Some(7), Some(2))
    );
}

#[tokio::test]
async fn atp_changes_reach_the_outbox_coalesced_per_sku_and_node() {
    let h = start().await;
    let outbox = || async {
        let page: Value = h
            .client
            .get(format!("{}/v1/outbox?status=pending&connection=shop", h.base))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        page["items"].as_array().unwrap().clone()
    };
    h.stock("SKU-1", "DC-EAST", 10).await;
    let first = outbox().await;
    assert_eq!(first.len(), 1);
    assert_eq!(
        (first[0]["kind"].as_str(), first[0]["subject"].as_str()),
        (Some("inventory.atp_changed"), Some("SKU-1@DC-EAST"))
    );
    assert_eq!(first[0]["payload"]["atp"], 8, "10 on hand less the channel's buffer of 2");
    // A burst: twenty adjustments and a reservation update the one pending message.
    for i in 0..20 {
        let body = json!({"events": [{"event_id": format!("adj-{i}"), "source": "wms", "occurred_at": "2026-05-15T10:00:00Z",
            "type": "inventory.adjusted", "data": {"sku": "SKU-1", "node": "DC-EAST", "delta": 1}}]});
        assert_eq!(h.post("/v1/events", body).await.0, 200);
    }
    assert_eq!(
        h.post("/v1/reservations", json!({"lines": [{"sku": "SKU-1", "quantity": 5}]}))
            .await
            .0,
        201
    );
    let burst = outbox().await;
    assert_eq!(burst.len(), 1, "coalesced: {burst:?}");
    assert_eq!(burst[0]["id"], first[0]["id"], "the same message, updated in place");
    assert_eq!(burst[0]["payload"]["atp"], 23, "carrying the latest value (25 less the buffer)");
    // Another position is another message; a count that does not change ATP sends nothing.
    h.stock("SKU-2", "DC-WEST", 4).await;
    h.stock("SKU-1", "DC-EAST", 30).await;
    let after = outbox().await;
    assert_eq!(after.len(), 2);
    assert_eq!(after[0]["payload"]["atp"], 23);
}

#[tokio::test]
async fn the_ledger_explains_the_number_and_future_supply_is_promised_by_date() {
    let h = start().await;
    h.stock("SKU-1", "DC-EAST", 4).await;
    let events = |list: Vec<Value>| json!({ "events": list });
    let po = |n: &str, qty: i64, date: &str| {
        json!({"event_id": n, "source": "erp", "occurred_at": "2026-05-15T10:00:00Z", "type": if n == "po-1" { "po.created" } else { "po.updated" },
               "data": {"po_number": "PO-77", "node": "DC-EAST", "expected_at": date, "lines": [{"sku": "SKU-1", "quantity": qty}]}})
    };
    assert_eq!(h.post("/v1/events", events(vec![po("po-1", 10, "2099-03-01")])).await.0, 200);
    // The supplier changes the PO: 6 units, a week later. It replaces the open quantity.
    assert_eq!(h.post("/v1/events", events(vec![po("po-2", 6, "2099-03-08")])).await.0, 200);
    let (status, _) = h
        .post(
            "/v1/reservations",
            json!({"order_id": "SO-1", "lines": [{"sku": "SKU-1", "quantity": 3}]}),
        )
        .await;
    assert_eq!(status, 201);
    let inv = h.inventory("SKU-1").await;
    assert_eq!(
        (inv["network"]["on_order"].as_i64(), inv["network"]["atp"].as_i64()),
        (Some(6), Some(1))
    );
    let by_date = inv["network"]["atp_by_date"].as_array().unwrap();
    assert_eq!(by_date.len(), 2, "{by_date:?}");
    assert_eq!(by_date[1], json!({"date": "2099-03-08", "atp": 7}));
    // Availability promises what is short on the day the PO is due.
    let (_, avail) = h
        .post("/v1/availability", json!({"lines": [{"sku": "SKU-1", "quantity": 5}]}))
        .await;
    assert_eq!(avail["lines"][0]["available"], 1);
    assert_eq!(avail["lines"][0]["promise_date"], "2099-03-08");
    // The ledger: each movement with its reason and the event behind it; the sums are the buckets.
    let ledger: Value = h
        .client
        .get(format!("{}/v1/inventory/SKU-1/movements?node=DC-EAST", h.base))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let lines = ledger["items"].as_array().unwrap();
    let summary: Vec<(String, i64, String)> = lines
        .iter()
        .map(|m| {
            (
                m["bucket"].as_str().unwrap().to_owned(),
                m["delta"].as_i64().unwrap(),
                m["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("on_hand".into(), 4, "counted".into()),
            ("on_order".into(), 10, "ordered".into()),
            ("on_order".into(), -10, "po_changed".into()),
            ("on_order".into(), 6, "ordered".into()),
            ("reserved".into(), 3, "reserved".into()),
        ]
    );
    assert_eq!(lines[4]["event_type"], "reservation.created");
    assert_eq!(lines[1]["subject"], "po:PO-77");
}

#[tokio::test]
async fn cases_are_converted_with_the_pack_size_and_unknown_sizes_refused() {
    let h = start().await;
    let item = json!({"events": [{"event_id": "item-1", "source": "erp", "occurred_at": "2026-05-15T10:00:00Z", "type": "item.upserted",
        "data": {"sku": "CASED", "unit": "each", "pack_size": 12}}]});
    assert_eq!(h.post("/v1/events", item).await.0, 200);
    let count = json!({"events": [{"event_id": "c1", "source": "wms", "occurred_at": "2026-05-15T10:00:00Z", "type": "inventory.snapshot",
        "data": {"sku": "CASED", "node": "DC-EAST", "on_hand": 3, "unit": "case"}}]});
    assert_eq!(h.post("/v1/events", count).await.0, 200);
    assert_eq!(h.inventory("CASED").await["network"]["on_hand"], 36, "3 cases of 12");
    let (status, r) = h
        .post(
            "/v1/reservations",
            json!({"lines": [{"sku": "CASED", "quantity": 2, "unit": "case"}]}),
        )
        .await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["lines"][0]["quantity"], 24);
    // No pack size known: an error naming the field, nothing written.
    h.stock("LOOSE", "DC-EAST", 10).await;
    let (status, err) = h
        .post(
            "/v1/reservations",
            json!({"lines": [{"sku": "LOOSE", "quantity": 1, "unit": "case"}]}),
        )
        .await;
    assert_eq!(
        (status, err["code"].as_str(), err["field"].as_str()),
        (422, Some("unknown_pack_size"), Some("lines[0].quantity"))
    );
    let adjust = json!({"events": [{"event_id": "a1", "source": "wms", "occurred_at": "2026-05-15T10:00:00Z", "type": "inventory.adjusted",
        "data": {"sku": "LOOSE", "node": "DC-EAST", "delta": -1, "unit": "case"}}]});
    let (status, err) = h.post("/v1/events", adjust).await;
    assert_eq!(
        (status, err["code"].as_str(), err["field"].as_str()),
        (422, Some("unknown_pack_size"), Some("events[0].data.delta"))
    );
    assert_eq!(h.inventory("LOOSE").await["network"]["on_hand"], 10);
}

#[tokio::test]
async fn a_retried_reservation_with_the_same_key_reserves_once() {
    let h = start().await;
    h.stock("SKU-1", "DC-EAST", 10).await;
    let send = |body: Value| {
        h.client
            .post(format!("{}/v1/reservations", h.base))
            .bearer_auth(KEY)
            .header("idempotency-key", "cart-42")
            .json(&body)
            .send()
    };
    let body = json!({"order_id": "SO-1", "lines": [{"sku": "SKU-1", "quantity": 3}]});
    let first: Value = send(body.clone()).await.unwrap().json().await.unwrap();
    let retry = send(body).await.unwrap();
    assert_eq!(retry.status(), 201);
    let retry: Value = retry.json().await.unwrap();
    assert_eq!(retry["id"], first["id"]);
    assert_eq!(h.inventory("SKU-1").await["network"]["reserved"], 3, "reserved once");
    let other = send(json!({"lines": [{"sku": "SKU-1", "quantity": 5}]})).await.unwrap();
    assert_eq!(other.status(), 409);
    let err: Value = other.json().await.unwrap();
    assert_eq!(err["code"], "idempotency_key_reused");
}

#[tokio::test]
async fn a_cart_reservation_follows_its_order_and_is_freed_when_the_order_is_cancelled() {
    let h = start().await;
    h.stock("SKU-1", "DC-EAST", 10).await;
    // Reserved at checkout under the storefront's order name, before the order arrives.
    let (status, _) = h
        .post(
            "/v1/reservations",
            json!({"order_id": "#1001", "lines": [{"sku": "SKU-1", "quantity": 4}]}),
        )
        .await;
    assert_eq!(status, 201);
    let created = json!({"events": [{"event_id": "o1", "source": "shop", "occurred_at": "2026-05-15T10:00:00Z", "type": "order.created",
        "data": {"order_id": "5500001", "external_ids": {"storefront_name": "#1001"}, "payment_state": "paid", "lines": [{"sku": "SKU-1", "quantity": 4}]}}]});
    assert_eq!(h.post("/v1/events", created).await.0, 200);
    let cancelled = json!({"events": [{"event_id": "c1", "source": "shop", "occurred_at": "2026-05-15T11:00:00Z", "type": "order.cancelled", "data": {"order_id": "5500001"}}]});
    assert_eq!(h.post("/v1/events", cancelled).await.0, 200);
    let inv = h.inventory("SKU-1").await;
    assert_eq!(
        (inv["network"]["reserved"].as_i64(), inv["network"]["atp"].as_i64()),
        (Some(0), Some(10))
    );
}

#[tokio::test]
async fn availability_counts_each_unit_once_across_lines() {
    let h = start().await;
    h.stock("SKU-1", "DC-EAST", 5).await;
    let (_, body) = h
        .post(
            "/v1/availability",
            json!({"lines": [{"sku": "SKU-1", "quantity": 4}, {"sku": "SKU-1", "quantity": 4}]}),
        )
        .await;
    assert_eq!(body["lines"][0]["available"], 4);
    assert_eq!(
        (body["lines"][1]["available"].as_i64(), body["lines"][1]["short"].as_i64()),
        (Some(1), Some(3))
    );
}

#[tokio::test]
async fn holds_and_safety_stock_come_off_atp_and_a_hold_bumps_reservations() {
    let h = start().await;
    h.stock("SKU-1", "DC-EAST", 10).await;
    let event = |id: &str, kind: &str, quantity: i64| {
        json!({"events": [{"event_id": id, "source": "wms", "occurred_at": "2026-05-15T10:00:00Z", "type": kind,
                           "data": {"sku": "SKU-1", "node": "DC-EAST", "quantity": quantity}}]})
    };
    assert_eq!(h.post("/v1/events", event("ss", "inventory.safety_stock", 2)).await.0, 200);
    assert_eq!(h.inventory("SKU-1").await["network"]["atp"], 8);
    let (status, _) = h
        .post("/v1/reservations", json!({"lines": [{"sku": "SKU-1", "quantity": 7}]}))
        .await;
    assert_eq!(status, 201);
    // A quality hold on 6 units: only 4 remain for the 7 reserved; 3 become backordered.
    assert_eq!(h.post("/v1/events", event("hold", "inventory.held", 6)).await.0, 200);
    let net = h.inventory("SKU-1").await["network"].clone();
    assert_eq!(
        (net["held"].as_i64(), net["reserved"].as_i64(), net["backordered"].as_i64()),
        (Some(6), Some(4), Some(3)),
        "{net}"
    );
    // Releasing more than is held releases what is held.
    assert_eq!(h.post("/v1/events", event("release", "inventory.held", -9)).await.0, 200);
    assert_eq!(h.inventory("SKU-1").await["network"]["held"], 0);
    let (status, err) = h.post("/v1/events", event("bad-ss", "inventory.safety_stock", -1)).await;
    assert_eq!(
        (status, err["code"].as_str(), err["field"].as_str()),
        (422, Some("invalid_quantity"), Some("events[0].data.quantity"))
    );
}
