//! The copilot's optional language-model backend: a client for any
//! OpenAI-compatible chat endpoint (llama.cpp's server, Ollama, vLLM or a
//! hosted one) and the tool loop that lets the model call read queries.
//!
//! The model is never trusted with data it was not given: the caller grounds
//! its answer against the tool results ([`crate::grounding`]) and falls back
//! to the embedded engine when that fails. Personal data is masked before it
//! reaches the model: [`run_tools`] takes the mask as a required argument, so
//! a caller cannot forget it (one allowed to see personal data passes an
//! identity function, and says so).
//!
//! The client never panics on what the endpoint sends: every way a reply can
//! be wrong (timeout, refused connection, an HTTP error, a body that is not
//! JSON or not the expected shape, no choices, tool arguments that are not
//! JSON) is its own [`Error`] variant.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::{Map, Value, json};

/// How much of a reply body an error quotes.
const QUOTE_CHARS: usize = 200;

pub use crate::Error;

/// The `[llm]` section of the configuration: which endpoint and model, and
/// how much the copilot lets it do.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    /// The API root, up to and including `/v1`: `http://127.0.0.1:8081/v1`
    /// (llama.cpp), `http://127.0.0.1:11434/v1` (Ollama). Requests go to
    /// `{base_url}/chat/completions`. An `https://` endpoint needs an HTTP
    /// client built with TLS (reqwest's `rustls` feature).
    pub base_url: String,
    /// The model name the endpoint expects (`qwen2.5-7b-instruct`).
    pub model: String,
    /// Sent as `Authorization: Bearer …` when set. Written as `env:NAME` or
    /// `file:PATH`, never inline, like every secret in the configuration.
    #[serde(default, deserialize_with = "secret")]
    pub api_key: Option<String>,
    /// How long one request may take in all: `"20s"`, `"500ms"`, or
    /// milliseconds as an integer. Default 20 s.
    #[serde(default = "default_timeout", deserialize_with = "duration")]
    pub timeout: Duration,
    /// The longest answer, in tokens. Default 400.
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    /// Sampling temperature, 0 to 2. Default 0: the same question gets the same answer.
    #[serde(default)]
    pub temperature: f32,
    /// How many rounds of tool calls the model may make before it must
    /// answer; 0 lets it only phrase. Default 4.
    #[serde(default = "default_max_tool_rounds")]
    pub max_tool_rounds: u8,
}

fn default_timeout() -> Duration {
    Duration::from_secs(20)
}

fn default_max_tokens() -> u32 {
    400
}

fn default_max_tool_rounds() -> u8 {
    4
}

impl LlmConfig {
    /// A configuration with the defaults for everything but the endpoint and model.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        LlmConfig {
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            timeout: default_timeout(),
            max_tokens: default_max_tokens(),
            temperature: 0.0,
            max_tool_rounds: default_max_tool_rounds(),
        }
    }

    /// Checks every value, naming the field at fault.
    pub fn validate(&self) -> Result<(), Error> {
        let fail = |field, message: String| Err(Error::Config { field, message });
        let url = match reqwest::Url::parse(&self.base_url) {
            Ok(url) => url,
            Err(e) => return fail("base_url", format!("`{}` is not a URL ({e})", self.base_url)),
        };
        if !matches!(url.scheme(), "http" | "https") {
            return fail("base_url", format!("`{}` must start with http:// or https://", self.base_url));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return fail("base_url", format!("`{}` has no host", self.base_url));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return fail(
                "base_url",
                format!(
                    "`{}` must not have a query or fragment: `/chat/completions` is appended to it",
                    self.base_url
                ),
            );
        }
        if self.model.trim().is_empty() {
            return fail("model", "must name the model the endpoint serves".into());
        }
        if let Some(key) = &self.api_key
            && (key.is_empty() || key.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return fail("api_key", "must be non-empty, without spaces or control characters".into());
        }
        if self.timeout.is_zero() {
            return fail("timeout", "must be more than zero".into());
        }
        if self.max_tokens == 0 {
            return fail("max_tokens", "must be at least 1".into());
        }
        if !(0.0..=2.0).contains(&self.temperature) {
            return fail("temperature", format!("{} is outside 0 to 2", self.temperature));
        }
        Ok(())
    }

    fn endpoint(&self) -> String {
        format!("{}/chat/completions", self.base_url.trim_end_matches('/'))
    }
}

impl fmt::Debug for LlmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("timeout", &self.timeout)
            .field("max_tokens", &self.max_tokens)
            .field("temperature", &self.temperature)
            .field("max_tool_rounds", &self.max_tool_rounds)
            .finish()
    }
}

/// `"20s"`, `"500ms"`, `"5m"`, `"1h"` (as the server's other durations), or
/// milliseconds as an integer.
fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    struct Visitor;
    impl de::Visitor<'_> for Visitor {
        type Value = Duration;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a duration like \"20s\" or \"500ms\", or milliseconds as an integer")
        }
        fn visit_u64<E: de::Error>(self, ms: u64) -> Result<Duration, E> {
            Ok(Duration::from_millis(ms))
        }
        fn visit_i64<E: de::Error>(self, ms: i64) -> Result<Duration, E> {
            u64::try_from(ms)
                .map(Duration::from_millis)
                .map_err(|_| E::custom(format!("{ms} ms is negative")))
        }
        fn visit_str<E: de::Error>(self, raw: &str) -> Result<Duration, E> {
            parse_duration(raw).map_err(E::custom)
        }
    }
    d.deserialize_any(Visitor)
}

fn parse_duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
    let (n, unit) = raw.split_at(split);
    let n: u64 = n.parse().map_err(|_| format!("`{raw}` is not a duration like `20s`"))?;
    let seconds = |factor: u64| n.checked_mul(factor).map(Duration::from_secs);
    match unit {
        "ms" => Some(Duration::from_millis(n)),
        "s" => seconds(1),
        "m" => seconds(60),
        "h" => seconds(3600),
        _ => return Err(format!("`{raw}`: unit must be ms, s, m or h")),
    }
    .ok_or_else(|| format!("`{raw}` is too long"))
}

/// `env:NAME` or `file:PATH`; an inline key is refused so it never sits in a
/// configuration file that gets committed or shared.
fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let raw = String::deserialize(d)?;
    if let Some(name) = raw.strip_prefix("env:") {
        return match std::env::var(name) {
            Ok(v) if !v.is_empty() => Ok(Some(v)),
            _ => Err(de::Error::custom(format!("environment variable `{name}` is not set"))),
        };
    }
    if let Some(path) = raw.strip_prefix("file:") {
        return std::fs::read_to_string(path)
            .map(|v| Some(v.trim_end_matches(['\n', '\r']).to_owned()))
            .map_err(|e| de::Error::custom(format!("cannot read secret file `{path}`: {e}")));
    }
    Err(de::Error::custom(
        "a secret must be given as `env:NAME` or `file:PATH`, never inline",
    ))
}

/// A tool the model may call: a read query or a governed action.
#[derive(Debug, Clone, PartialEq)]
pub struct Tool {
    /// What the model calls it by (`get_order`).
    pub name: String,
    /// What it does and when to use it, for the model.
    pub description: String,
    /// Its arguments, as a JSON Schema object.
    pub parameters: Value,
}

impl Tool {
    fn to_wire(&self) -> Value {
        json!({
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        })
    }
}

/// One call of a tool the model asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    /// The endpoint's id for the call; the result is sent back under it.
    pub id: String,
    /// The tool's name, as the model wrote it (it may name no tool at all).
    pub name: String,
    /// The arguments, parsed from the JSON string the model wrote.
    pub arguments: Value,
}

impl ToolCall {
    fn to_wire(&self) -> Value {
        json!({
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments.to_string()},
        })
    }
}

/// One message of a conversation with the model.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// Instructions from the copilot.
    System(String),
    /// The user's question (masked).
    User(String),
    /// What the model said before: an answer or tool calls.
    Assistant {
        content: Option<String>,
        tool_calls: Vec<ToolCall>,
    },
    /// The result of a tool call, as JSON text (masked).
    Tool { call_id: String, content: String },
}

impl Message {
    fn to_wire(&self) -> Value {
        match self {
            Message::System(content) => json!({"role": "system", "content": content}),
            Message::User(content) => json!({"role": "user", "content": content}),
            Message::Assistant { content, tool_calls } => {
                let mut message = json!({"role": "assistant", "content": content});
                if !tool_calls.is_empty() {
                    message["tool_calls"] = tool_calls.iter().map(ToolCall::to_wire).collect();
                }
                message
            }
            Message::Tool { call_id, content } => json!({"role": "tool", "tool_call_id": call_id, "content": content}),
        }
    }
}

/// What the model replied.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// A final answer in text.
    Answer(String),
    /// Tools to call before it answers (any text it wrote alongside is dropped).
    ToolCalls(Vec<ToolCall>),
}

/// Whether the model may call tools in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ToolChoice {
    Auto,
    /// The last round: the tools stay described (the conversation refers to
    /// them) but the model is told to answer.
    None,
}

/// A client for one OpenAI-compatible chat endpoint.
#[derive(Debug, Clone)]
pub struct LlmClient {
    config: LlmConfig,
    endpoint: String,
    http: reqwest::Client,
}

impl LlmClient {
    /// Validates the configuration and prepares the HTTP client.
    pub fn new(config: LlmConfig) -> Result<Self, Error> {
        config.validate()?;
        let endpoint = config.endpoint();
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| Error::Transport {
                url: endpoint.clone(),
                message: describe(&e),
            })?;
        Ok(LlmClient { config, endpoint, http })
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    /// One chat completion: `POST {base_url}/chat/completions` with the
    /// messages and, when there are any, the tools (`tool_choice: "auto"`).
    pub async fn chat(&self, messages: &[Message], tools: &[Tool]) -> Result<Reply, Error> {
        self.complete(messages, tools, ToolChoice::Auto).await
    }

    async fn complete(&self, messages: &[Message], tools: &[Tool], choice: ToolChoice) -> Result<Reply, Error> {
        let mut body = json!({
            "model": self.config.model,
            "messages": messages.iter().map(Message::to_wire).collect::<Vec<_>>(),
            "max_tokens": self.config.max_tokens,
            "temperature": self.config.temperature,
            "stream": false,
        });
        // Some servers refuse `tool_choice` without tools.
        if !tools.is_empty() {
            body["tools"] = tools.iter().map(Tool::to_wire).collect();
            body["tool_choice"] = json!(match choice {
                ToolChoice::Auto => "auto",
                ToolChoice::None => "none",
            });
        }
        let mut request = self.http.post(&self.endpoint).json(&body);
        if let Some(key) = &self.config.api_key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.map_err(|e| self.transport(e))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| self.transport(e))?;
        let text = String::from_utf8_lossy(&bytes);
        if !status.is_success() {
            return Err(Error::Status {
                status: status.as_u16(),
                body: quote(&text),
            });
        }
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| Error::Malformed {
            path: "$".into(),
            message: format!("not JSON ({e}): {}", quote(&text)),
        })?;
        parse_reply(&value)
    }

    fn transport(&self, e: reqwest::Error) -> Error {
        let url = self.endpoint.clone();
        if e.is_timeout() {
            Error::Timeout {
                url,
                after: self.config.timeout,
            }
        } else if e.is_connect() {
            Error::Connect {
                url,
                message: describe(&e),
            }
        } else {
            Error::Transport {
                url,
                message: describe(&e),
            }
        }
    }
}

/// The error and its causes on one line (reqwest's own message alone says
/// only "error sending request").
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// The first 200 characters, for error messages.
fn quote(text: &str) -> String {
    text.chars().take(QUOTE_CHARS).collect()
}

fn malformed(path: impl Into<String>, message: impl Into<String>) -> Error {
    Error::Malformed {
        path: path.into(),
        message: message.into(),
    }
}

/// Reads `choices[0].message` of a chat completion.
fn parse_reply(body: &Value) -> Result<Reply, Error> {
    let Some(object) = body.as_object() else {
        return Err(malformed("$", "expected an object"));
    };
    let choices = match object.get("choices") {
        None | Some(Value::Null) => {
            let detail = body
                .pointer("/error/message")
                .or_else(|| body.get("error"))
                .map(|e| e.as_str().map_or_else(|| quote(&e.to_string()), quote))
                .unwrap_or_default();
            return Err(Error::NoChoices { detail });
        }
        Some(Value::Array(choices)) => choices,
        Some(_) => return Err(malformed("choices", "expected an array")),
    };
    let Some(first) = choices.first() else {
        return Err(Error::NoChoices { detail: String::new() });
    };
    let message = match first.get("message") {
        Some(Value::Object(message)) => message,
        Some(_) => return Err(malformed("choices[0].message", "expected an object")),
        None if first.is_object() => return Err(malformed("choices[0].message", "missing")),
        None => return Err(malformed("choices[0]", "expected an object")),
    };
    let calls = match message.get("tool_calls") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(calls)) => calls
            .iter()
            .enumerate()
            .map(|(i, c)| parse_tool_call(i, c))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(malformed("choices[0].message.tool_calls", "expected an array")),
    };
    if !calls.is_empty() {
        return Ok(Reply::ToolCalls(calls));
    }
    match message.get("content") {
        Some(Value::String(content)) => Ok(Reply::Answer(strip_thinking(content).to_owned())),
        None | Some(Value::Null) => Err(malformed("choices[0].message.content", "neither content nor tool_calls")),
        Some(_) => Err(malformed("choices[0].message.content", "expected a string")),
    }
}

fn parse_tool_call(i: usize, call: &Value) -> Result<ToolCall, Error> {
    let path = format!("choices[0].message.tool_calls[{i}]");
    let Some(call) = call.as_object() else {
        return Err(malformed(path, "expected an object"));
    };
    let id = match call.get("id") {
        Some(Value::String(id)) if !id.is_empty() => id.clone(),
        // Some local servers leave it out; the id only pairs a result with its call.
        None | Some(Value::Null) => format!("call_{i}"),
        Some(_) => return Err(malformed(format!("{path}.id"), "expected a non-empty string")),
    };
    let Some(function) = call.get("function").and_then(Value::as_object) else {
        return Err(malformed(format!("{path}.function"), "expected an object"));
    };
    let name = match function.get("name") {
        Some(Value::String(name)) if !name.is_empty() => name.clone(),
        _ => return Err(malformed(format!("{path}.function.name"), "expected a non-empty string")),
    };
    let arguments = match function.get("arguments") {
        // vLLM sends "" for a tool without arguments.
        Some(Value::String(raw)) if raw.trim().is_empty() => Value::Object(Map::new()),
        Some(Value::String(raw)) => serde_json::from_str(raw).map_err(|e| Error::ToolArguments {
            tool: name.clone(),
            message: e.to_string(),
            arguments: quote(raw),
        })?,
        // Ollama has sent the object itself rather than its JSON text.
        Some(object @ Value::Object(_)) => object.clone(),
        _ => return Err(malformed(format!("{path}.function.arguments"), "expected a JSON string")),
    };
    Ok(ToolCall { id, name, arguments })
}

/// Drops a leading `<think>…</think>` block that reasoning models served by
/// llama.cpp or Ollama put before their answer.
fn strip_thinking(content: &str) -> &str {
    let trimmed = content.trim_start();
    match trimmed.strip_prefix("<think>").and_then(|rest| rest.split_once("</think>")) {
        Some((_, answer)) => answer.trim(),
        None => content.trim(),
    }
}

/// What a tool loop produced.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolRun {
    /// The model's final answer, to be grounded before anyone sees it.
    pub answer: String,
    /// Every call the model asked for, in order, with the result it was sent
    /// (masked, as the model saw it: ground the answer against these).
    /// A failed or refused call's result is `{"error": "…"}`.
    pub calls: Vec<(ToolCall, Value)>,
}

/// Asks the model `user` under the `system` instructions, running the tools
/// it calls until it answers: chat, run the calls, send their results back,
/// chat again. The model gets at most `max_tool_rounds` rounds of calls; the
/// request after the last round tells it to answer (`tool_choice: "none"`),
/// and if it still calls tools the run fails with [`Error::ToolRounds`].
///
/// `mask` is applied to the user's text and to every string (and object key)
/// of every tool result before it is sent, so personal data never reaches
/// the model unless the caller passes an identity function on purpose. The
/// system text is the copilot's own and is sent as it is.
///
/// A call naming a tool not in `tools` is not run: the model gets
/// `{"error": "unknown tool …"}` as its result. A call that fails (`Err`)
/// sends `{"error": …}`; either way the model may try again.
pub async fn run_tools<F, Fut>(
    client: &LlmClient,
    system: &str,
    user: &str,
    tools: &[Tool],
    mask: fn(&str) -> String,
    mut call: F,
) -> Result<ToolRun, Error>
where
    F: FnMut(ToolCall) -> Fut,
    Fut: Future<Output = Result<Value, String>>,
{
    let mut messages = vec![Message::System(system.to_owned()), Message::User(mask(user))];
    let mut calls = Vec::new();
    let rounds = client.config.max_tool_rounds;
    let mut round = 0;
    loop {
        let choice = if round < rounds { ToolChoice::Auto } else { ToolChoice::None };
        let requested = match client.complete(&messages, tools, choice).await? {
            Reply::Answer(answer) => return Ok(ToolRun { answer, calls }),
            Reply::ToolCalls(_) if round >= rounds => return Err(Error::ToolRounds { rounds }),
            Reply::ToolCalls(requested) => requested,
        };
        round += 1;
        messages.push(Message::Assistant {
            content: None,
            tool_calls: requested.clone(),
        });
        for tool_call in requested {
            let result = if tools.iter().any(|t| t.name == tool_call.name) {
                call(tool_call.clone()).await.unwrap_or_else(|e| json!({ "error": e }))
            } else {
                let known: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
                json!({ "error": format!("unknown tool `{}`; the tools are: {}", tool_call.name, known.join(", ")) })
            };
            let result = mask_json(&result, mask);
            messages.push(Message::Tool {
                call_id: tool_call.id.clone(),
                content: result.to_string(),
            });
            calls.push((tool_call, result));
        }
    }
}

/// Masks every string and object key; numbers, booleans and the shape stay.
fn mask_json(value: &Value, mask: fn(&str) -> String) -> Value {
    match value {
        Value::String(s) => Value::String(mask(s)),
        Value::Array(items) => items.iter().map(|v| mask_json(v, mask)).collect(),
        Value::Object(fields) => fields.iter().map(|(k, v)| (mask(k), mask_json(v, mask))).collect(),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(toml: &str) -> Result<LlmConfig, String> {
        toml::from_str(toml).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_and_durations() {
        let c = config("base_url = 'http://127.0.0.1:8081/v1'\nmodel = 'qwen'").unwrap();
        assert_eq!(c.timeout, Duration::from_secs(20));
        assert_eq!((c.max_tokens, c.temperature, c.max_tool_rounds), (400, 0.0, 4));
        assert_eq!(c.api_key, None);
        c.validate().unwrap();
        assert_eq!(c.endpoint(), "http://127.0.0.1:8081/v1/chat/completions");

        let c = config("base_url = 'http://h/v1/'\nmodel = 'm'\ntimeout = '500ms'").unwrap();
        assert_eq!(c.timeout, Duration::from_millis(500));
        assert_eq!(c.endpoint(), "http://h/v1/chat/completions", "a trailing slash is not doubled");
        let c = config("base_url = 'http://h/v1'\nmodel = 'm'\ntimeout = 1500").unwrap();
        assert_eq!(c.timeout, Duration::from_millis(1500));
        let c = config("base_url = 'http://h/v1'\nmodel = 'm'\ntimeout = '2m'").unwrap();
        assert_eq!(c.timeout, Duration::from_secs(120));
    }

    #[test]
    fn bad_values_name_their_field() {
        let err = config("base_url = 'http://h/v1'\nmodel = 'm'\ntimeout = '20 seconds'").unwrap_err();
        assert!(err.contains("timeout") && err.contains("unit must be"), "{err}");
        let err = config("base_url = 'http://h/v1'\nmodel = 'm'\ntimeout = -5").unwrap_err();
        assert!(err.contains("negative"), "{err}");
        let err = config("base_url = 'http://h/v1'\nmodel = 'm'\nmax_token = 10").unwrap_err();
        assert!(err.contains("unknown field `max_token`"), "{err}");
        let err = config("base_url = 'http://h/v1'\nmodel = 'm'\napi_key = 'sk-live-123'").unwrap_err();
        assert!(err.contains("never inline"), "{err}");
        let err = config("model = 'm'").unwrap_err();
        assert!(err.contains("base_url"), "{err}");

        let field = |c: LlmConfig| match c.validate() {
            Err(Error::Config { field, .. }) => field,
            other => panic!("expected a config error, got {other:?}"),
        };
        assert_eq!(field(LlmConfig::new("ftp://h/v1", "m")), "base_url");
        assert_eq!(field(LlmConfig::new("127.0.0.1:8081/v1", "m")), "base_url");
        assert_eq!(field(LlmConfig::new("http://h/v1?x=1", "m")), "base_url");
        assert_eq!(field(LlmConfig::new("http://h/v1", " ")), "model");
        let mut c = LlmConfig::new("https://h/v1", "m");
        c.temperature = 2.5;
        assert_eq!(field(c.clone()), "temperature");
        c.temperature = f32::NAN;
        assert_eq!(field(c.clone()), "temperature");
        c.temperature = 0.2;
        c.timeout = Duration::ZERO;
        assert_eq!(field(c.clone()), "timeout");
        c.timeout = Duration::from_secs(1);
        c.max_tokens = 0;
        assert_eq!(field(c.clone()), "max_tokens");
        c.max_tokens = 1;
        c.api_key = Some("sk 123\n".into());
        assert_eq!(field(c.clone()), "api_key");
        c.api_key = Some("sk-123".into());
        c.validate().unwrap();
        assert!(matches!(
            LlmClient::new(LlmConfig::new("ftp://h", "m")),
            Err(Error::Config { field: "base_url", .. })
        ));
    }

    #[test]
    fn api_key_from_a_file_and_never_printed() {
        let path = std::env::temp_dir().join(format!("crossdock-llm-key-{}", std::process::id()));
        std::fs::write(&path, "sk-from-file\n").unwrap();
        let c = config(&format!(
            "base_url = 'http://h/v1'\nmodel = 'm'\napi_key = 'file:{}'",
            path.display()
        ))
        .unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(c.api_key.as_deref(), Some("sk-from-file"));
        assert!(!format!("{c:?}").contains("sk-from-file"));
        let err = config("base_url = 'http://h/v1'\nmodel = 'm'\napi_key = 'env:CROSSDOCK_TEST_SURELY_UNSET_KEY'").unwrap_err();
        assert!(err.contains("CROSSDOCK_TEST_SURELY_UNSET_KEY"), "{err}");
    }

    #[test]
    fn replies_of_every_shape_never_panic() {
        let bodies = [
            json!(null),
            json!([]),
            json!({"choices": 3}),
            json!({"choices": [7]}),
            json!({"choices": [{}]}),
            json!({"choices": [{"message": []}]}),
            json!({"choices": [{"message": {"tool_calls": {}}}]}),
            json!({"choices": [{"message": {"tool_calls": [1]}}]}),
            json!({"choices": [{"message": {"tool_calls": [{"function": {"name": ""}}]}}]}),
            json!({"choices": [{"message": {"tool_calls": [{"id": 5, "function": {"name": "a", "arguments": "{}"}}]}}]}),
            json!({"choices": [{"message": {"tool_calls": [{"function": {"name": "a", "arguments": 5}}]}}]}),
            json!({"choices": [{"message": {"content": {"text": "hi"}}}]}),
        ];
        for body in bodies {
            assert!(matches!(parse_reply(&body), Err(Error::Malformed { .. })), "{body}");
        }
        let err = parse_reply(&json!({"choices": [{"message": {"tool_calls": [1]}}]})).unwrap_err();
        assert!(
            matches!(&err, Error::Malformed { path, .. } if path == "choices[0].message.tool_calls[0]"),
            "{err}"
        );
        assert!(matches!(
            parse_reply(&json!({"error": {"message": "model `x` not found"}})),
            Err(Error::NoChoices { detail }) if detail == "model `x` not found"
        ));
    }

    #[test]
    fn lenient_where_real_servers_differ() {
        let reply = parse_reply(&json!({"choices": [{"message": {"content": null, "tool_calls": [
            {"function": {"name": "list_orders", "arguments": ""}},
            {"id": "c2", "function": {"name": "get_order", "arguments": {"order": "1001"}}},
        ]}}]}))
        .unwrap();
        assert_eq!(
            reply,
            Reply::ToolCalls(vec![
                ToolCall {
                    id: "call_0".into(),
                    name: "list_orders".into(),
                    arguments: json!({}),
                },
                ToolCall {
                    id: "c2".into(),
                    name: "get_order".into(),
                    arguments: json!({"order": "1001"}),
                },
            ])
        );
        let reply = parse_reply(&json!({"choices": [{"message": {"content": "<think>the user wants…</think>\n\nShipped."}}]})).unwrap();
        assert_eq!(reply, Reply::Answer("Shipped.".into()));
    }

    #[test]
    fn masking_reaches_every_string_and_key() {
        let masked = mask_json(
            &json!({"ada@example.com": {"emails": ["ada@example.com"], "qty": 2, "ok": true}}),
            model::pii::mask_text,
        );
        assert_eq!(
            masked,
            json!({"a***@e***.com": {"emails": ["a***@e***.com"], "qty": 2, "ok": true}})
        );
    }
}
