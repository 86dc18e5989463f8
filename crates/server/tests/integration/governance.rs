//! Governance over HTTP: the same order flow in shadow, assist and auto;
//! the review queue; policies; autonomy changed at runtime; the audit trail.

use std::time::Duration;

use engine::governance::{Autonomy, Mode, Workflow};
use serde_json::{Value, json};

use crate::support::{Harness, Receiver, ada_order, base_config, eventually};

/// A server whose release workflow runs in `autonomy`, releasing to a WMS stand-in.
async fn flow(autonomy: Autonomy, policies: Vec<engine::governance::Policy>) -> (Harness, Receiver) {
    crate::support::release_flow(move |config| {
        config.governance.autonomy.insert(Workflow::Release, autonomy);
        config.governance.policies = policies;
    })
    .await
}

/// Posts the scripted orders and waits until the pipeline proposed an action for each.
async fn run_orders(h: &Harness) -> Vec<Value> {
    // A small standard order near the east DC, and a next-day one too large
    // for either node alone (it must split, and next day across the country
    // is a promise the carrier may miss: the pipeline is less sure of it).
    let mut rush = ada_order("SO-2", 102, "94103");
    rush["data"]["service_level"] = json!("next_day");
    rush["data"]["ship_to"]["city"] = json!("San Francisco");
    rush["data"]["ship_to"]["region"] = json!("CA");
    let events = json!({"events": [ada_order("SO-1", 2, "07102"), rush]});
    assert_eq!(h.post("/v1/events", events).await.0, 200);
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let actions = h.get("/v1/reviews?status=all&workflow=release").await.1["items"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let count = |id: &str| actions.iter().filter(|a| a["subject"] == id).count();
        if count("SO-1") == 1 && count("SO-2") == 2 {
            return actions;
        }
        assert!(std::time::Instant::now() < deadline, "no action for every release: {actions:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn autonomy(mode: Mode, min_confidence: f64) -> Autonomy {
    Autonomy {
        mode,
        min_confidence,
        max_cost: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_shadow_nothing_is_sent_and_everything_is_recorded() {
    let (h, wms) = flow(autonomy(Mode::Shadow, 0.0), Vec::new()).await;
    let actions = run_orders(&h).await;
    assert!(
        actions.iter().all(|a| a["status"] == "shadow" && a["mode"] == "shadow"),
        "{actions:?}"
    );
    // What would have happened is recorded: auto with threshold 0 would execute.
    assert!(
        actions.iter().all(|a| a["gate"]["verdict"]["would"]["verdict"] == "execute"),
        "{actions:?}"
    );
    assert!(
        actions[0]["payload"]["orders"][0]["order_id"].is_string(),
        "the message it would have sent"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(wms.applied().is_empty(), "shadow sends nothing");
    assert!(h.get("/v1/outbox").await.1["items"].as_array().unwrap().is_empty());
    // Nothing waits for review either.
    assert!(h.get("/v1/reviews").await.1["items"].as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_assist_nothing_is_sent_until_approval_then_exactly_once() {
    let (h, wms) = flow(autonomy(Mode::Assist, 0.0), Vec::new()).await;
    let actions = run_orders(&h).await;
    assert!(actions.iter().all(|a| a["status"] == "review"), "{actions:?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(wms.applied().is_empty(), "assist sends nothing before approval");

    let (_, queue) = h.get("/v1/reviews?workflow=release").await;
    let items = queue["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let item = items.iter().find(|a| a["subject"] == "SO-1").unwrap();
    // What a reviewer sees: the decisions behind it, explained, with alternatives; its age and SLA.
    let decisions = item["decision"]["decisions"].as_array().unwrap();
    assert!(
        decisions
            .iter()
            .any(|d| d["kind"] == "sourcing" && !d["explanation"].as_array().unwrap().is_empty())
    );
    assert!(decisions.iter().all(|d| d.get("alternatives").is_some()));
    assert!(
        !item["decision"]["ids"].as_array().unwrap().is_empty(),
        "linked to the recorded decisions"
    );
    assert!(item["age_seconds"].as_i64().unwrap() >= 0);
    assert_eq!(item["sla"]["overdue"], false);
    let id = item["id"].as_u64().unwrap();

    // A reason is required.
    let (status, err) = h.post(format!("/v1/reviews/{id}/approve"), json!({"reason": " "})).await;
    assert_eq!((status, err["field"].as_str()), (422, Some("reason")), "{err}");
    let (status, approved) = h.post(format!("/v1/reviews/{id}/approve"), json!({"reason": "looks right"})).await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["status"], "executed");
    assert_eq!(approved["decided_by"], "admin");
    eventually(Duration::from_secs(10), "the approved release reaches the WMS", || async {
        wms.applied().len() == 1
    })
    .await;
    // Approving again sends nothing more.
    let (status, again) = h.post(format!("/v1/reviews/{id}/approve"), json!({"reason": "again"})).await;
    assert_eq!((status, again["code"].as_str()), (409, Some("already_decided")));
    // Rejecting another records why and sends nothing.
    let other = items.iter().find(|a| a["subject"] == "SO-2").unwrap()["id"].as_u64().unwrap();
    let (status, rejected) = h
        .post(format!("/v1/reviews/{other}/reject"), json!({"reason": "split is too costly"}))
        .await;
    assert_eq!((status, rejected["status"].as_str()), (200, Some("rejected")));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(wms.applied().len(), 1, "exactly one message went out");
    assert_eq!(wms.applied()[0].body["orders"][0]["order_id"], "SO-1");

    // The trail: queued, approved, rejected — and it verifies.
    let (_, trail) = h.get("/v1/audit?subject=SO-1").await;
    let kinds: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"decision.recorded") && kinds.contains(&"action.queued") && kinds.contains(&"review.approved"),
        "{kinds:?}"
    );
    let approval = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "review.approved")
        .unwrap();
    assert_eq!(approval["actor"], "admin");
    assert_eq!(approval["detail"]["reason"], "looks right");
    assert!(
        approval["sources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().starts_with("outbox:"))
    );
    let decided = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "decision.recorded")
        .unwrap();
    assert!(
        decided["sources"].as_array().unwrap().iter().any(|s| s == "oms:ev-SO-1"),
        "{decided}"
    );
    let (status, verified) = h.get("/v1/audit/verify").await;
    assert_eq!((status, verified["ok"].as_bool()), (200, Some(true)), "{verified}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_auto_only_confident_actions_go_out_the_rest_wait() {
    // First learn the flow's confidences in shadow, then put the threshold between them.
    let (shadow, _) = flow(autonomy(Mode::Shadow, 0.0), Vec::new()).await;
    let learned = run_orders(&shadow).await;
    let mut confidences: Vec<f64> = learned.iter().map(|a| a["confidence"].as_f64().unwrap()).collect();
    confidences.sort_by(f64::total_cmp);
    let (low, high) = (confidences[0], confidences[confidences.len() - 1]);
    assert!(low < high, "the scripted orders differ in confidence: {confidences:?}");
    let threshold = (low + high) / 2.0;
    drop(shadow);

    let (h, wms) = flow(autonomy(Mode::Auto, threshold), Vec::new()).await;
    let actions = run_orders(&h).await;
    let sent: Vec<&Value> = actions.iter().filter(|a| a["status"] == "executed").collect();
    let waiting: Vec<&Value> = actions.iter().filter(|a| a["status"] == "review").collect();
    assert!(!sent.is_empty() && !waiting.is_empty(), "{actions:?}");
    assert!(sent.iter().all(|a| a["confidence"].as_f64().unwrap() >= threshold));
    assert!(waiting.iter().all(|a| a["confidence"].as_f64().unwrap() < threshold));
    assert!(
        waiting[0]["gate"]["explanation"].to_string().contains("threshold"),
        "the reason it waits is given: {}",
        waiting[0]["gate"]
    );
    eventually(Duration::from_secs(10), "the confident releases reach the WMS", || async {
        wms.applied().len() == sent.len()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(wms.applied().len(), sent.len(), "the others wait");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autonomy_changes_at_runtime_are_audited_and_survive_a_restart() {
    let (h, _wms) = flow(autonomy(Mode::Shadow, 0.9), Vec::new()).await;
    let (_, before) = h.get("/v1/autonomy").await;
    let release = before["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["workflow"] == "release")
        .unwrap()
        .clone();
    assert_eq!(
        (release["mode"].as_str(), release["source"].as_str()),
        (Some("shadow"), Some("config"))
    );
    let put = |body: Value| {
        let h = &h;
        async move {
            let r = h
                .client
                .put(format!("{}/v1/autonomy/release", h.base))
                .bearer_auth(crate::support::KEY)
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, err) = put(json!({"mode": "sometimes"})).await;
    assert_eq!((status, err["field"].as_str()), (422, Some("mode")));
    let (status, err) = put(json!({"mode": "auto", "min_confidence": 1.5})).await;
    assert_eq!((status, err["field"].as_str()), (422, Some("min_confidence")), "{err}");
    let (status, set) = put(json!({"mode": "auto", "min_confidence": 0.75, "max_cost": 40.0})).await;
    assert_eq!(status, 200, "{set}");
    let (_, trail) = h.get("/v1/audit?action=autonomy.changed").await;
    let entry = &trail["items"][0];
    assert_eq!(entry["detail"]["after"]["mode"], "auto");
    assert_eq!(entry["actor"], "admin");
    let h = h
        .restart(|dir| {
            let mut config = base_config(dir);
            config.governance.autonomy.insert(Workflow::Release, autonomy(Mode::Shadow, 0.9));
            config
        })
        .await;
    // Each start records the configuration in force; the file changed between them.
    let (_, loaded) = h.get("/v1/audit?action=config.loaded").await;
    let loaded = loaded["items"].as_array().unwrap().clone();
    assert_eq!(loaded.len(), 2, "{loaded:?}");
    assert_ne!(loaded[0]["detail"]["digest"], loaded[1]["detail"]["digest"]);
    assert_eq!(loaded[1]["detail"]["config"]["autonomy"]["release"]["mode"], "shadow");
    let (_, after) = h.get("/v1/autonomy").await;
    let release = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["workflow"] == "release")
        .unwrap()
        .clone();
    assert_eq!(
        (
            release["mode"].as_str(),
            release["source"].as_str(),
            release["min_confidence"].as_f64()
        ),
        (Some("auto"), Some("runtime"), Some(0.75))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_block_policy_stops_an_action_in_every_mode_and_names_itself() {
    let policy: engine::governance::Policy = toml::from_str(
        r#"
        name = "no-release-of-large-orders"
        actions = ["wms.release"]
        rule = "max_cost"
        amount = 0.5
        effect = "block"
        "#,
    )
    .unwrap();
    let (h, wms) = flow(autonomy(Mode::Auto, 0.0), vec![policy]).await;
    let actions = run_orders(&h).await;
    assert!(actions.iter().all(|a| a["status"] == "blocked"), "{actions:?}");
    assert_eq!(actions[0]["gate"]["verdict"]["policy"], "no-release-of-large-orders");
    let (_, trail) = h.get("/v1/audit?action=policy.blocked").await;
    assert_eq!(trail["items"].as_array().unwrap().len(), 3);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(wms.applied().is_empty());
}
