//! The copilot against the labelled question set (`crates/assistant/tests/
//! questions.jsonl`) over the seeded dataset, end to end through
//! `POST /v1/ask`: the vocabulary is learned from the store, not given.
//! Intent and slot accuracy must reach 95 %, and no answer may state an
//! id, number or date that is not in the data returned with it.

use std::collections::BTreeMap;

use assistant::grounding::{self, Facts};
use serde_json::{Value, json};

use crate::support::{Harness, acme, base_config};

fn questions() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../assistant/tests/questions.jsonl");
    std::fs::read_to_string(path)
        .expect("the labelled question set")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a labelled question"))
        .collect()
}

/// The labelled slots as the API reports them (lists joined by commas).
fn labelled_slots(q: &Value) -> BTreeMap<String, String> {
    q["slots"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let text = match v {
                Value::Array(items) => items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect()
}

async fn key(h: &Harness, body: Value) -> String {
    let (status, created) = h.post("/v1/keys", body).await;
    assert_eq!(status, 201, "{created}");
    created["key"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_labelled_questions_are_understood_and_every_answer_is_grounded() {
    let h = Harness::start(|dir| {
        let mut config = base_config(dir);
        config.nodes.clear();
        server::seed::configure(&mut config, &acme());
        config.service_desk.policies = Some(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/policies").into());
        config
    })
    .await;
    let now = jiff::Timestamp::now();
    server::seed::load(&h.store, &acme(), now).await.unwrap();
    let rep = key(&h, json!({"role": "service_rep", "tenants": ["acme"]})).await;
    let client = key(&h, json!({"role": "b2b_client", "tenants": ["acme"], "clients": ["Acme Corp"]})).await;

    let (mut intents, mut slots, mut total) = (0usize, 0usize, 0usize);
    let mut misses = Vec::new();
    let mut ungrounded = Vec::new();
    let zone = now.to_zoned(assistant::seed::time_zone());
    for q in questions() {
        let token = if q["role"] == "b2b_client" { &client } else { &rep };
        let response = h
            .client
            .post(format!("{}/v1/ask", h.base))
            .bearer_auth(token)
            .json(&json!({"question": q["q"]}))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let a: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{}: {a}", q["id"]);
        total += 1;
        let got: BTreeMap<String, String> = a["slots"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect();
        let intent_ok = a["intent"] == q["intent"];
        let slots_ok = got == labelled_slots(&q);
        intents += usize::from(intent_ok);
        slots += usize::from(slots_ok);
        if !(intent_ok && slots_ok) {
            misses.push(format!(
                "{} {:?}: got {} {:?}, want {} {}",
                q["id"], q["q"], a["intent"], got, q["intent"], q["slots"]
            ));
        }
        let mut facts = Facts::from_json(&a["data"]);
        facts.add_text(q["q"].as_str().unwrap_or_default());
        if let Err(e) = grounding::check(a["answer"].as_str().unwrap_or_default(), &facts, Some(&zone)) {
            ungrounded.push(format!("{} {:?}: {e} in {:?}", q["id"], q["q"], a["answer"]));
        }
    }
    let (intent_rate, slot_rate) = (intents as f64 / total as f64, slots as f64 / total as f64);
    println!(
        "copilot over {total} labelled questions: intent {:.1}%, slots {:.1}%, ungrounded answers {}",
        intent_rate * 100.0,
        slot_rate * 100.0,
        ungrounded.len()
    );
    for m in &misses {
        println!("  miss: {m}");
    }
    assert!(total >= 300, "{total} questions");
    assert!(
        ungrounded.is_empty(),
        "answers with facts not in their data:\n{}",
        ungrounded.join("\n")
    );
    assert!(
        intent_rate >= 0.95 && slot_rate >= 0.95,
        "intent {intent_rate:.3}, slots {slot_rate:.3}:\n{}",
        misses.join("\n")
    );
}

#[tokio::test]
async fn a_b2b_client_sees_only_its_own_account_in_answers() {
    let h = Harness::start(|dir| {
        let mut config = base_config(dir);
        config.nodes.clear();
        server::seed::configure(&mut config, &acme());
        config
    })
    .await;
    server::seed::load(&h.store, &acme(), jiff::Timestamp::now()).await.unwrap();
    let client = key(&h, json!({"role": "b2b_client", "tenants": ["acme"], "clients": ["Acme Corp"]})).await;
    let ask = |question: &'static str| {
        let (h, client) = (&h, client.clone());
        async move {
            let response = h
                .client
                .post(format!("{}/v1/ask", h.base))
                .bearer_auth(&client)
                .json(&json!({ "question": question }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()
        }
    };
    // Its own PO: answered.
    let own = ask("what's the status of PO 12345?").await;
    assert_eq!(own["intent"], "po_status", "{own}");
    assert!(own["answer"].as_str().unwrap().contains("PO 12345"), "{own}");
    assert!(own["data"].to_string().contains("Acme Corp"), "{own}");
    // Globex's PO and Globex's open orders: not found, and nothing of Globex's in the data.
    for question in [
        "what's the status of PO 4500012345?",
        "find all open orders for Globex Inc",
        "where is order 1056?",
    ] {
        let other = ask(question).await;
        let text = other.to_string();
        assert!(!text.contains("DOCK-04") && !text.contains("Los Angeles"), "{question}: {text}");
        assert!(
            other["answer"].as_str().unwrap().contains("could not find") || other["data"]["count"] == 0,
            "{question}: {other}"
        );
    }
}
