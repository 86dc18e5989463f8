//! Helpers shared by the connectors' tests.

use model::Event;
use proptest::prelude::*;
use serde_json::Value;

/// A file from the shared third-party fixtures, e.g. `shopify/shopify_python_api_order.json`.
pub(crate) fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/../../../shared/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("Cannot read fixture {full}: {e}"))
}

/// What every event a connector emits must satisfy: the model accepts it,
/// and it survives the log's JSON round trip unchanged.
pub(crate) fn assert_canonical(event: &Event) {
    event.validate().unwrap_or_else(|e| panic!("{e}: {event:?}"));
    let json = serde_json::to_string(event).unwrap();
    let back: Event = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(&back, event);
}

/// Random JSON whose object keys and strings are mostly drawn from `keys`
/// and `strings`, so that generated values get past the first missing-field
/// check and into the mapping code.
pub(crate) fn json_value(keys: &'static [&'static str], strings: &'static [&'static str]) -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-3i64..5).prop_map(Value::from),
        prop::sample::select(vec![Value::from(i64::MIN), Value::from(u64::MAX), Value::from(1.5)]),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
        ".{0,12}".prop_map(Value::String),
        prop::sample::select(strings).prop_map(|s| Value::String(s.to_owned())),
    ];
    let key = prop_oneof![4 => prop::sample::select(keys).prop_map(str::to_owned), 1 => "[a-z_]{1,8}"].boxed();
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..10).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
    .boxed()
}
