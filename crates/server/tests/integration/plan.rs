//! `POST /v1/plan/sourcing` over HTTP: a given network and the live one.

use serde_json::json;

use crate::support::{Harness, base_config};

#[tokio::test]
async fn a_given_network_is_planned_with_costs_and_alternatives() {
    let h = Harness::start(base_config).await;
    let instance = json!({
        "lines": [{"sku": "A", "quantity": 3}],
        "nodes": [
            {"id": "N1", "stock": {"A": 2}, "handling_cost": 1.0, "package_cost": 7.5, "unit_cost": 0.4, "transit_days": 2, "capacity_units": 100},
            {"id": "N2", "stock": {"A": 5}, "handling_cost": 2.0, "package_cost": 8.0, "unit_cost": 0.5, "transit_days": 4}
        ],
        "split_penalty": 3.0, "promised_days": 3, "late_penalty_per_day": 5.0
    });
    let (status, plan) = h.post("/v1/plan/sourcing", instance).await;
    assert_eq!(status, 200, "{plan}");
    assert_eq!(plan["network"], "given");
    assert_eq!(plan["feasible"], true);
    // N2 alone: 2 + 8 + 1 late day × 5 + 3 × 0.5 = 16.5; a split N1+N2 costs more.
    assert_eq!(plan["assignments"], json!([{"node": "N2", "sku": "A", "quantity": 3}]));
    assert!((plan["cost"]["total"].as_f64().unwrap() - 16.5).abs() < 1e-9, "{plan}");
    assert!(!plan["alternatives"].as_array().unwrap().is_empty());
    assert!(!plan["explanation"].as_array().unwrap().is_empty());
    let confidence = plan["confidence"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&confidence));

    let (status, error) = h
        .post(
            "/v1/plan/sourcing",
            json!({"lines": [{"sku": "A", "quantity": 0}], "nodes": [], "split_penalty": 3.0, "promised_days": 3, "late_penalty_per_day": 5.0}),
        )
        .await;
    assert_eq!(status, 422, "{error}");
    assert_eq!(error["field"], "lines[0].quantity", "{error}");
}

#[tokio::test]
async fn the_live_network_uses_configured_nodes_and_current_stock() {
    let h = Harness::start(base_config).await;
    h.stock("SKU-1", "DC-EAST", 1).await;
    h.stock("SKU-1", "DC-WEST", 5).await;
    let (status, plan) = h
        .post("/v1/plan/sourcing", json!({"lines": [{"sku": "SKU-1", "quantity": 2}]}))
        .await;
    assert_eq!(status, 200, "{plan}");
    assert_eq!(plan["network"], "live");
    assert_eq!(
        plan["assignments"],
        json!([{"node": "DC-WEST", "sku": "SKU-1", "quantity": 2}]),
        "{plan}"
    );
    let nodes = plan["instance"]["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2);
    // Never split: one node must ship it all, and only DC-WEST can.
    let (_, one) = h
        .post(
            "/v1/plan/sourcing",
            json!({"lines": [{"sku": "SKU-1", "quantity": 6}], "max_nodes": 1}),
        )
        .await;
    assert_eq!(one["feasible"], false, "{one}");
    let (status, error) = h
        .post(
            "/v1/plan/sourcing",
            json!({"lines": [{"sku": "SKU-1", "quantity": 1}], "colour": "red"}),
        )
        .await;
    assert_eq!((status, error["field"].as_str()), (422, Some("colour")), "{error}");
}
