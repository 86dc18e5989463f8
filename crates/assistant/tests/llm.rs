//! The model client and tool loop against a stand-in OpenAI-compatible
//! server: real HTTP on 127.0.0.1, replies scripted per request in the
//! wire format of `POST /v1/chat/completions`, every request recorded.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assistant::grounding::{self, Facts};
use assistant::llm::{self, LlmClient, LlmConfig, Message, Reply, Tool, ToolCall, ToolRun};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};

/// One scripted reply.
struct Step {
    status: u16,
    body: String,
    delay: Duration,
}

fn raw(status: u16, body: &str) -> Step {
    Step {
        status,
        body: body.to_owned(),
        delay: Duration::ZERO,
    }
}

fn completion(message: Value, finish: &str) -> Step {
    let body = json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1_763_900_000,
        "model": "qwen2.5-7b-instruct",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
    });
    raw(200, &body.to_string())
}

fn answer(text: &str) -> Step {
    completion(json!({"role": "assistant", "content": text}), "stop")
}

/// `(id, name, arguments as the model wrote them)`.
fn tool_calls(calls: &[(&str, &str, &str)]) -> Step {
    let calls: Vec<Value> = calls
        .iter()
        .map(|(id, name, arguments)| json!({"id": id, "type": "function", "function": {"name": name, "arguments": arguments}}))
        .collect();
    completion(json!({"role": "assistant", "content": null, "tool_calls": calls}), "tool_calls")
}

struct Recorded {
    authorization: Option<String>,
    body: Value,
}

#[derive(Default)]
struct Shared {
    script: VecDeque<Step>,
    requests: Vec<Recorded>,
}

struct Fake {
    base_url: String,
    shared: Arc<Mutex<Shared>>,
}

impl Fake {
    async fn start(script: Vec<Step>) -> Fake {
        let shared = Arc::new(Mutex::new(Shared {
            script: script.into(),
            requests: Vec::new(),
        }));
        let app = Router::new().route("/v1/chat/completions", post(handle)).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Fake {
            base_url: format!("http://{addr}/v1"),
            shared,
        }
    }

    fn config(&self) -> LlmConfig {
        LlmConfig::new(&self.base_url, "qwen2.5-7b-instruct")
    }

    fn client(&self) -> LlmClient {
        LlmClient::new(self.config()).unwrap()
    }

    fn bodies(&self) -> Vec<Value> {
        self.shared.lock().unwrap().requests.iter().map(|r| r.body.clone()).collect()
    }

    fn authorizations(&self) -> Vec<Option<String>> {
        self.shared
            .lock()
            .unwrap()
            .requests
            .iter()
            .map(|r| r.authorization.clone())
            .collect()
    }
}

async fn handle(
    State(shared): State<Arc<Mutex<Shared>>>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, [(&'static str, &'static str); 1], String) {
    let step = {
        let mut shared = shared.lock().unwrap();
        shared.requests.push(Recorded {
            authorization: headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned),
            body: serde_json::from_str(&body).unwrap_or(Value::String(body)),
        });
        shared.script.pop_front()
    };
    let Some(step) = step else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            [("content-type", "text/plain")],
            "script exhausted".into(),
        );
    };
    tokio::time::sleep(step.delay).await;
    (
        StatusCode::from_u16(step.status).unwrap(),
        [("content-type", "application/json")],
        step.body,
    )
}

fn get_order() -> Tool {
    Tool {
        name: "get_order".into(),
        description: "An order's status, lines and shipments, by order number.".into(),
        parameters: json!({
            "type": "object",
            "properties": {"order": {"type": "string", "description": "The order number, digits only."}},
            "required": ["order"],
        }),
    }
}

/// The caller's masking policy for this test: emails and phones by
/// `model::pii`, and the customer names the caller knows.
fn mask(text: &str) -> String {
    let mut out = model::pii::mask_text(text);
    for name in ["Ada Lovelace", "Lovelace"] {
        out = out.replace(name, &model::pii::mask_name(name));
    }
    out
}

fn unmasked(text: &str) -> String {
    text.to_owned()
}

/// What `get_order` returns for #1001, before masking.
fn order_1001() -> Value {
    json!({
        "order": "1001",
        "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
        "note": "Call Ada Lovelace at +1 555-123-4567 before delivery",
        "lines": [{"sku": "SKU-123", "quantity": 2}],
        "shipments": [{
            "carrier": "UPS",
            "service": "UPS Ground",
            "tracking": "1Z12345E0205271688",
            "expected_delivery": "2026-11-25",
        }],
    })
}

#[tokio::test]
async fn a_plain_answer() {
    let fake = Fake::start(vec![answer("Order #1001 shipped on Nov 21."), answer("Hello.")]).await;
    let mut config = fake.config();
    config.api_key = Some("sk-test-123".into());
    config.max_tokens = 256;
    config.temperature = 0.2;
    let client = LlmClient::new(config).unwrap();
    let messages = [
        Message::System("Answer from the data only.".into()),
        Message::User("Where is order 1001?".into()),
    ];
    let reply = client.chat(&messages, &[]).await.unwrap();
    assert_eq!(reply, Reply::Answer("Order #1001 shipped on Nov 21.".into()));

    // Without a key, no Authorization header at all.
    assert_eq!(fake.client().chat(&messages, &[]).await.unwrap(), Reply::Answer("Hello.".into()));
    assert_eq!(fake.authorizations(), [Some("Bearer sk-test-123".to_owned()), None]);

    let body = &fake.bodies()[0];
    assert_eq!(body["model"], "qwen2.5-7b-instruct");
    assert_eq!(
        body["messages"],
        json!([
            {"role": "system", "content": "Answer from the data only."},
            {"role": "user", "content": "Where is order 1001?"},
        ])
    );
    assert_eq!(body["max_tokens"], 256);
    assert!((body["temperature"].as_f64().unwrap() - 0.2).abs() < 1e-6);
    assert_eq!(body["stream"], false);
    assert!(
        body.get("tools").is_none() && body.get("tool_choice").is_none(),
        "no tools: neither key is sent"
    );
}

#[tokio::test]
async fn one_tool_call_then_an_answer_with_masked_data() {
    let final_answer = "Order #1001 shipped with UPS Ground, tracking 1Z12345E0205271688, expected Nov 25.";
    let fake = Fake::start(vec![
        tool_calls(&[("call_1", "get_order", r#"{"order":"1001"}"#)]),
        answer(final_answer),
    ])
    .await;
    let mut seen = Vec::new();
    let run = llm::run_tools(
        &fake.client(),
        "You answer questions about orders.",
        "Where is Ada Lovelace's order 1001? I'm ada@example.com",
        &[get_order()],
        mask,
        |call: ToolCall| {
            seen.push(call.arguments.clone());
            async move {
                assert_eq!(call.arguments["order"], "1001");
                Ok(order_1001())
            }
        },
    )
    .await
    .unwrap();
    assert_eq!(seen, [json!({"order": "1001"})]);

    let masked = json!({
        "order": "1001",
        "customer": {"name": "A*** L***", "email": "a***@e***.com"},
        "note": "Call A*** L*** at ***-**67 before delivery",
        "lines": [{"sku": "SKU-123", "quantity": 2}],
        "shipments": [{
            "carrier": "UPS",
            "service": "UPS Ground",
            "tracking": "1Z12345E0205271688",
            "expected_delivery": "2026-11-25",
        }],
    });
    let call = ToolCall {
        id: "call_1".into(),
        name: "get_order".into(),
        arguments: json!({"order": "1001"}),
    };
    assert_eq!(
        run,
        ToolRun {
            answer: final_answer.into(),
            calls: vec![(call, masked.clone())],
        }
    );

    let bodies = fake.bodies();
    assert_eq!(bodies.len(), 2);
    let first = &bodies[0];
    assert_eq!(
        first["tools"],
        json!([{
            "type": "function",
            "function": {"name": "get_order", "description": get_order().description, "parameters": get_order().parameters},
        }])
    );
    assert_eq!(first["tool_choice"], "auto");
    assert_eq!(
        first["messages"][1],
        json!({"role": "user", "content": "Where is A*** L***'s order 1001? I'm a***@e***.com"})
    );

    // The second request carries the call and its result, as OpenAI's API expects them.
    let messages = bodies[1]["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4);
    assert_eq!(
        messages[2],
        json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_order", "arguments": r#"{"order":"1001"}"#}},
        ]})
    );
    assert_eq!(messages[3]["role"], "tool");
    assert_eq!(messages[3]["tool_call_id"], "call_1");
    let content: Value = serde_json::from_str(messages[3]["content"].as_str().unwrap()).unwrap();
    assert_eq!(content, masked);

    for body in &bodies {
        let text = body.to_string();
        for personal in ["ada@example.com", "Lovelace", "Ada", "555-123-4567"] {
            assert!(!text.contains(personal), "`{personal}` reached the model: {text}");
        }
    }

    // What the lead does next: ground the answer in what the model saw.
    let mut facts = Facts::default();
    run.calls.iter().for_each(|(_, result)| facts.add_json(result));
    grounding::check(&run.answer, &facts, None).unwrap();
    let wrong = run.answer.replace("Nov 25", "Nov 24");
    assert!(grounding::check(&wrong, &facts, None).is_err());
}

#[tokio::test]
async fn an_unknown_tool_is_refused_and_a_failed_call_reported() {
    let fake = Fake::start(vec![
        tool_calls(&[
            ("call_a", "cancel_order", r#"{"order":"1001"}"#),
            ("call_b", "get_order", r#"{"order":"9999"}"#),
        ]),
        answer("I can't cancel orders, and order 9999 was not found."),
    ])
    .await;
    let mut executed = Vec::new();
    let run = llm::run_tools(
        &fake.client(),
        "system",
        "cancel 1001 and find 9999",
        &[get_order()],
        unmasked,
        |call: ToolCall| {
            executed.push(call.name.clone());
            async move { Err(format!("order {} not found", call.arguments["order"].as_str().unwrap_or("?"))) }
        },
    )
    .await
    .unwrap();
    assert_eq!(executed, ["get_order"], "cancel_order is not a tool: nothing ran for it");

    let refused = json!({"error": "unknown tool `cancel_order`; the tools are: get_order"});
    let failed = json!({"error": "order 9999 not found"});
    assert_eq!(run.calls.len(), 2);
    assert_eq!((run.calls[0].0.name.as_str(), &run.calls[0].1), ("cancel_order", &refused));
    assert_eq!((run.calls[1].0.name.as_str(), &run.calls[1].1), ("get_order", &failed));

    let messages = fake.bodies()[1]["messages"].as_array().unwrap().clone();
    let results: Vec<(Value, Value)> = messages[3..]
        .iter()
        .map(|m| {
            (
                m["tool_call_id"].clone(),
                serde_json::from_str(m["content"].as_str().unwrap()).unwrap(),
            )
        })
        .collect();
    assert_eq!(results, [(json!("call_a"), refused), (json!("call_b"), failed)]);
}

#[tokio::test]
async fn too_many_tool_rounds() {
    let call = || tool_calls(&[("call_1", "get_order", r#"{"order":"1001"}"#)]);
    let fake = Fake::start(vec![call(), call(), call()]).await;
    let mut config = fake.config();
    config.max_tool_rounds = 2;
    let mut executed = 0;
    let err = llm::run_tools(&LlmClient::new(config.clone()).unwrap(), "s", "u", &[get_order()], unmasked, |_| {
        executed += 1;
        async { Ok(order_1001()) }
    })
    .await
    .unwrap_err();
    assert!(matches!(err, llm::Error::ToolRounds { rounds: 2 }), "{err}");
    assert_eq!(
        err.to_string(),
        "the model still asked for tools after 2 rounds (llm.max_tool_rounds)"
    );
    assert_eq!(executed, 2);
    let choices: Vec<Value> = fake.bodies().iter().map(|b| b["tool_choice"].clone()).collect();
    assert_eq!(
        choices,
        [json!("auto"), json!("auto"), json!("none")],
        "the last request tells the model to answer"
    );

    // A model that answers when told to gets its answer through.
    let fake = Fake::start(vec![call(), call(), answer("Shipped.")]).await;
    config.base_url = fake.base_url.clone();
    let run = llm::run_tools(&LlmClient::new(config).unwrap(), "s", "u", &[get_order()], unmasked, |_| async {
        Ok(json!({}))
    })
    .await
    .unwrap();
    assert_eq!((run.answer.as_str(), run.calls.len()), ("Shipped.", 2));
}

#[tokio::test]
async fn http_errors_keep_status_and_the_start_of_the_body() {
    let long = format!("upstream exploded: {}", "x".repeat(500));
    let unauthorized =
        r#"{"error":{"message":"Incorrect API key provided: sk-test.","type":"invalid_request_error","code":"invalid_api_key"}}"#;
    let fake = Fake::start(vec![raw(500, &long), raw(401, unauthorized)]).await;
    let messages = [Message::User("hi".into())];

    match fake.client().chat(&messages, &[]).await {
        Err(llm::Error::Status { status: 500, body }) => {
            assert_eq!(body.chars().count(), 200);
            assert!(long.starts_with(&body));
        }
        other => panic!("expected HTTP 500, got {other:?}"),
    }
    let err = fake.client().chat(&messages, &[]).await.unwrap_err();
    assert!(
        matches!(&err, llm::Error::Status { status: 401, body } if body == unauthorized),
        "{err:?}"
    );
    assert!(
        err.to_string().starts_with("the model endpoint answered HTTP 401: {\"error\""),
        "{err}"
    );
}

#[tokio::test]
async fn bodies_that_are_not_a_completion() {
    let fake = Fake::start(vec![
        raw(200, "<html><body>502 Bad Gateway</body></html>"),
        raw(200, r#"{"choices": []}"#),
        raw(200, r#"{"error": {"message": "model 'llama9' not found"}}"#),
        raw(200, r#"{"choices": [{"message": {"role": "assistant", "content": ["a", "b"]}}]}"#),
    ])
    .await;
    let client = fake.client();
    let messages = [Message::User("hi".into())];

    let err = client.chat(&messages, &[]).await.unwrap_err();
    assert!(
        matches!(&err, llm::Error::Malformed { path, message } if path == "$" && message.contains("502 Bad Gateway")),
        "{err:?}"
    );
    let err = client.chat(&messages, &[]).await.unwrap_err();
    assert!(matches!(&err, llm::Error::NoChoices { detail } if detail.is_empty()), "{err:?}");
    let err = client.chat(&messages, &[]).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the model endpoint's reply has no choices: model 'llama9' not found"
    );
    let err = client.chat(&messages, &[]).await.unwrap_err();
    assert!(
        matches!(&err, llm::Error::Malformed { path, .. } if path == "choices[0].message.content"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_slow_endpoint_times_out() {
    let fake = Fake::start(vec![Step {
        delay: Duration::from_secs(5),
        ..answer("too late")
    }])
    .await;
    let mut config = fake.config();
    config.timeout = Duration::from_millis(300);
    let started = Instant::now();
    let err = LlmClient::new(config)
        .unwrap()
        .chat(&[Message::User("hi".into())], &[])
        .await
        .unwrap_err();
    assert!(
        matches!(err, llm::Error::Timeout { after, .. } if after == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3), "gave up after {:?}", started.elapsed());
    assert!(err.to_string().contains("did not answer within 300 ms"), "{err}");
}

#[tokio::test]
async fn tool_arguments_that_are_not_json() {
    let fake = Fake::start(vec![tool_calls(&[("call_1", "get_order", "{order: 1001")])]).await;
    let err = fake
        .client()
        .chat(&[Message::User("where is 1001".into())], &[get_order()])
        .await
        .unwrap_err();
    match err {
        llm::Error::ToolArguments { tool, arguments, .. } => assert_eq!((tool.as_str(), arguments.as_str()), ("get_order", "{order: 1001")),
        other => panic!("expected bad tool arguments, got {other:?}"),
    }
}

#[tokio::test]
async fn a_refused_connection() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = LlmClient::new(LlmConfig::new(format!("http://127.0.0.1:{port}/v1"), "m")).unwrap();
    let err = client.chat(&[Message::User("hi".into())], &[]).await.unwrap_err();
    assert!(
        matches!(&err, llm::Error::Connect { url, .. } if url == &format!("http://127.0.0.1:{port}/v1/chat/completions")),
        "{err:?}"
    );
}
