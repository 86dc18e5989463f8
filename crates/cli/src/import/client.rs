//! The server's HTTP API as the import uses it: retried when the server or
//! the network fails, and a refusal kept apart from a failure.

use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use model::Event;
use serde::Deserialize;
use serde_json::json;

/// What the server says to `POST /v1/events` (see `receipt_response`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct Receipt {
    /// New events stored.
    pub accepted: u64,
    /// Events already stored before (same source and event id).
    pub duplicates: u64,
}

/// A request the server understood and refused: `{code, message, field}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Refusal {
    #[serde(skip)]
    pub status: u16,
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub field: Option<String>,
}

/// The server's answer to a request it could act on.
#[derive(Debug)]
pub enum Answer<T> {
    Done(T),
    Refused(Refusal),
}

/// How often and how patiently a failed request is tried again.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub attempts: u32,
    /// Doubles after each failure.
    pub first_delay: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 5,
            first_delay: Duration::from_millis(500),
        }
    }
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    key: Option<String>,
    retry: Retry,
}

impl Client {
    pub fn new(base: &str, key: Option<String>, retry: Retry) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .context("building the HTTP client")?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_owned(),
            key,
            retry,
        })
    }

    /// `POST /v1/events` with one batch; the batch is stored whole or not at all.
    pub async fn post_events(&self, events: &[&Event]) -> anyhow::Result<Answer<Receipt>> {
        let body = serde_json::to_vec(&json!({ "events": events })).context("serialising events")?;
        let url = format!("{}/v1/events", self.base);
        let answer = self
            .send(|| {
                self.http
                    .post(&url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone())
            })
            .await?;
        Ok(match answer {
            Answer::Done(bytes) => {
                Answer::Done(serde_json::from_slice(&bytes).with_context(|| format!("{url} answered with something other than a receipt"))?)
            }
            Answer::Refused(r) => Answer::Refused(r),
        })
    }

    /// `POST /edi/{connection}` with one file; the answer is the acknowledgement interchange.
    pub async fn post_edi(&self, connection: &str, bytes: &[u8]) -> anyhow::Result<Answer<String>> {
        let url = format!("{}/edi/{connection}", self.base);
        let answer = self
            .send(|| {
                self.http
                    .post(&url)
                    .header(reqwest::header::CONTENT_TYPE, "application/edi-x12")
                    .body(bytes.to_vec())
            })
            .await?;
        Ok(match answer {
            Answer::Done(body) => {
                Answer::Done(String::from_utf8(body).with_context(|| format!("{url} answered with a body that is not text"))?)
            }
            Answer::Refused(r) => Answer::Refused(r),
        })
    }

    /// Sends until the server answers: network errors, timeouts, 408, 429
    /// and 5xx are retried with backoff; a key the server refuses or a path
    /// it does not have is an error, since every later request would get
    /// the same; other 4xx are the server's refusal of this request.
    async fn send(&self, request: impl Fn() -> reqwest::RequestBuilder) -> anyhow::Result<Answer<Vec<u8>>> {
        let mut delay = self.retry.first_delay;
        let mut last_failure = String::new();
        for attempt in 1..=self.retry.attempts.max(1) {
            if attempt > 1 {
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            let mut builder = request();
            if let Some(key) = &self.key {
                builder = builder.bearer_auth(key);
            }
            let response = match builder.send().await {
                Ok(r) => r,
                Err(e) => {
                    last_failure = describe(&e);
                    continue;
                }
            };
            let status = response.status();
            let body = match response.bytes().await {
                Ok(b) => b.to_vec(),
                Err(e) => {
                    last_failure = format!("reading the answer failed: {}", describe(&e));
                    continue;
                }
            };
            if status.is_success() {
                return Ok(Answer::Done(body));
            }
            let refusal = match serde_json::from_slice::<Refusal>(&body) {
                Ok(r) => Refusal {
                    status: status.as_u16(),
                    ..r
                },
                Err(_) => Refusal {
                    status: status.as_u16(),
                    code: status.canonical_reason().unwrap_or("error").to_ascii_lowercase().replace(' ', "_"),
                    message: String::from_utf8_lossy(&body).chars().take(300).collect(),
                    field: None,
                },
            };
            match status.as_u16() {
                408 | 429 | 500.. => last_failure = format!("{status}: {} {}", refusal.code, refusal.message),
                401 => bail!(
                    "the server refused the API key ({}: {}). Hint: pass --key or set CROSSDOCK_ADMIN_KEY to the server's admin key",
                    refusal.code,
                    refusal.message
                ),
                404 => bail!(
                    "the server answered 404 ({}: {}). Hint: check --url{}",
                    refusal.code,
                    refusal.message,
                    if refusal.field.as_deref() == Some("connection") {
                        " and --connection (an EDI connection configured on the server)"
                    } else {
                        ""
                    }
                ),
                _ => return Ok(Answer::Refused(refusal)),
            }
        }
        Err(anyhow!(
            "the server did not answer after {} attempts; last: {last_failure}",
            self.retry.attempts.max(1)
        ))
    }
}

fn describe(e: &reqwest::Error) -> String {
    // reqwest's own message is short ("error sending request"); the cause says why.
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Answers each connection with the next canned response, then closes it.
    async fn canned(responses: Vec<(u16, &'static str)>) -> (String, tokio::task::JoinHandle<usize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let mut served = 0;
            for (status, body) in responses {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Read the head and the body its Content-Length announces.
                loop {
                    let n = socket.read(&mut buf).await.unwrap();
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request);
                    if let Some(head_end) = text.find("\r\n\r\n") {
                        let length = text[..head_end]
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap())
                            })
                            .unwrap_or(0);
                        if request.len() >= head_end + 4 + length {
                            break;
                        }
                    }
                    if n == 0 {
                        break;
                    }
                }
                let answer = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                socket.write_all(answer.as_bytes()).await.unwrap();
                served += 1;
            }
            served
        });
        (base, task)
    }

    fn quick() -> Retry {
        Retry {
            attempts: 3,
            first_delay: Duration::from_millis(5),
        }
    }

    #[tokio::test]
    async fn server_errors_are_retried_until_it_answers() {
        let (base, task) = canned(vec![
            (503, r#"{"code":"not_ready","message":"later"}"#),
            (500, "oops"),
            (200, r#"{"accepted":2,"duplicates":1,"idempotent_replay":false,"events":[]}"#),
        ])
        .await;
        let client = Client::new(&base, Some("k".into()), quick()).unwrap();
        let Answer::Done(receipt) = client.post_events(&[]).await.unwrap() else {
            panic!("expected a receipt")
        };
        assert_eq!(
            receipt,
            Receipt {
                accepted: 2,
                duplicates: 1
            }
        );
        assert_eq!(task.await.unwrap(), 3);
    }

    #[tokio::test]
    async fn a_refusal_is_returned_with_its_field_and_is_not_retried() {
        let (base, task) = canned(vec![(
            422,
            r#"{"code":"unknown_node","message":"Node `X` is not configured.","field":"events[3].data.node"}"#,
        )])
        .await;
        let client = Client::new(&base, None, quick()).unwrap();
        let Answer::Refused(r) = client.post_events(&[]).await.unwrap() else {
            panic!("expected a refusal")
        };
        assert_eq!(
            (r.status, r.code.as_str(), r.field.as_deref()),
            (422, "unknown_node", Some("events[3].data.node"))
        );
        assert_eq!(task.await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_refused_key_stops_at_once_and_an_absent_server_after_the_attempts() {
        let (base, _task) = canned(vec![(401, r#"{"code":"unauthorized","message":"No."}"#)]).await;
        let err = Client::new(&base, None, quick()).unwrap().post_events(&[]).await.unwrap_err();
        assert!(err.to_string().contains("refused the API key"), "{err}");

        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let err = Client::new(&format!("http://127.0.0.1:{port}"), None, quick())
            .unwrap()
            .post_events(&[])
            .await
            .unwrap_err();
        assert!(err.to_string().contains("did not answer after 3 attempts"), "{err}");
    }
}
