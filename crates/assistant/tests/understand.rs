//! The labelled question set (`questions.jsonl`, see `QUESTIONS.md`) against
//! the embedded engine: intent and slot accuracy must each reach 95 %.

use std::collections::BTreeMap;

use assistant::{Lexicon, understand};
use serde_json::Value;

#[test]
fn intent_and_slot_accuracy_on_the_labelled_set() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/questions.jsonl")).unwrap();
    let lexicon = Lexicon::seeded();
    let (mut total, mut intents, mut slots) = (0, 0, 0);
    let mut misses = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: Value = serde_json::from_str(line).unwrap();
        let question = case["q"].as_str().unwrap();
        let expected: BTreeMap<String, String> = case["slots"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::Array(items) => items.iter().map(|i| i.as_str().unwrap()).collect::<Vec<_>>().join(","),
                    other => other.as_str().unwrap().to_owned(),
                };
                (k.clone(), v)
            })
            .collect();
        let got = understand(question, &lexicon);
        let got_slots: BTreeMap<String, String> = got.slots.to_map().into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        total += 1;
        let intent_ok = got.intent.as_str() == case["intent"];
        let slots_ok = got_slots == expected;
        intents += usize::from(intent_ok);
        slots += usize::from(slots_ok);
        if !intent_ok || !slots_ok {
            misses.push(format!(
                "{} {:?}\n    expected {} {:?}\n    got      {} {:?}",
                case["id"],
                question,
                case["intent"],
                expected,
                got.intent.as_str(),
                got_slots
            ));
        }
    }
    let intent_accuracy = intents as f64 / total as f64;
    let slot_accuracy = slots as f64 / total as f64;
    println!(
        "{total} questions: intent accuracy {:.1}%, slot accuracy {:.1}%",
        intent_accuracy * 100.0,
        slot_accuracy * 100.0
    );
    for miss in &misses {
        println!("{miss}");
    }
    assert!(total >= 300, "the set has {total} questions");
    assert!(
        intent_accuracy >= 0.95 && slot_accuracy >= 0.95,
        "below 95%: {} misses",
        misses.len()
    );
}
