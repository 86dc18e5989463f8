//! Outbound dispatchers: one task per connection with a `base_url`, taking
//! due messages from the outbox and calling the target.
//!
//! Per connection: at most `concurrency` calls in flight, started no faster
//! than `rate_per_second`; a circuit breaker stops calls to a target that
//! keeps failing; failed calls retry with exponential backoff and jitter (or
//! after the target's `Retry-After`); a message that keeps failing, waits
//! longer than `max_age` or is refused for good becomes a dead letter, kept
//! for inspection and replay. Every call carries the message's idempotency
//! key, so a call repeated after a crash or a lost answer has one effect.
//! The store offers only the oldest pending message of each (connection,
//! subject), and the next one only after that one is settled: delivery is in
//! order per subject.

mod breaker;
mod limiter;
pub mod sinks;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use connectors::connector::Plan;
use connectors::outbound::{Outcome, Request};
use store::{OutboxMessage, Settlement};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::App;
use crate::config::{ConnectionConfig, DispatchConfig};

pub use breaker::State as BreakerState;

/// Longest wait between two looks at the outbox when nothing is happening.
const IDLE_POLL: Duration = Duration::from_millis(100);

/// The running dispatchers; [`Dispatchers::stop`] lets calls in flight finish
/// and records their outcome before returning.
pub struct Dispatchers {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    depth: JoinHandle<()>,
}

impl Dispatchers {
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        self.depth.abort();
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Starts a dispatcher for every connection that has a `base_url`, and the
/// depth/age gauges.
pub fn spawn(app: &App) -> Dispatchers {
    let (stop, stopped) = watch::channel(false);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("the HTTP client builds with default settings");
    let tasks = app
        .config
        .connections
        .iter()
        .filter(|(_, c)| c.base_url.is_some())
        .map(|(id, c)| {
            let dispatcher = Dispatcher::new(app.clone(), id.to_string(), c.clone(), client.clone());
            tokio::spawn(dispatcher.run(stopped.clone()))
        })
        .collect();
    let depth = tokio::spawn(report_depths(app.clone()));
    Dispatchers { stop, tasks, depth }
}

/// Keeps `crossdock_outbox_depth` and `crossdock_outbox_oldest_seconds` current.
async fn report_depths(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut seen: Vec<(String, String)> = Vec::new();
    loop {
        tick.tick().await;
        let store = app.store.clone();
        let Ok(Ok(depths)) = tokio::task::spawn_blocking(move || store.outbox_depths()).await else {
            continue;
        };
        let now = jiff::Timestamp::now();
        // Queues that emptied since the last look go back to zero.
        for (connection, status) in &seen {
            if !depths.iter().any(|d| &d.connection == connection && &d.status == status) {
                metrics::gauge!("crossdock_outbox_depth", "connection" => connection.clone(), "status" => status.clone()).set(0.0);
                metrics::gauge!("crossdock_outbox_oldest_seconds", "connection" => connection.clone(), "status" => status.clone()).set(0.0);
            }
        }
        seen.clear();
        for d in depths {
            let age = d
                .oldest
                .map_or(0.0, |t| (now.as_microsecond() - t.as_microsecond()).max(0) as f64 / 1e6);
            metrics::gauge!("crossdock_outbox_depth", "connection" => d.connection.clone(), "status" => d.status.clone())
                .set(d.count as f64);
            metrics::gauge!("crossdock_outbox_oldest_seconds", "connection" => d.connection.clone(), "status" => d.status.clone()).set(age);
            seen.push((d.connection, d.status));
        }
    }
}

/// What one call came to.
struct Done {
    message: OutboxMessage,
    result: CallResult,
    took: Duration,
}

enum CallResult {
    /// The sink could not render the message (mapping gap, bad payload).
    Unrenderable(String),
    /// The target could not be reached at all.
    Transport(String),
    Answered(Outcome),
}

struct Dispatcher {
    app: App,
    id: String,
    connection: Arc<ConnectionConfig>,
    settings: DispatchConfig,
    client: reqwest::Client,
    breaker: breaker::Breaker,
    limiter: limiter::Limiter,
    /// Calls under way.
    in_flight: HashSet<u64>,
    /// Calls done whose outcome is being recorded: not offered again until
    /// it is (the store still has them pending).
    settling: HashSet<u64>,
    settled: (mpsc::UnboundedSender<Vec<u64>>, mpsc::UnboundedReceiver<Vec<u64>>),
    rng: u64,
}

impl Dispatcher {
    fn new(app: App, id: String, connection: ConnectionConfig, client: reqwest::Client) -> Self {
        let settings = connection.dispatch.clone();
        let seed = jiff::Timestamp::now().as_nanosecond() as u64 ^ id.bytes().fold(0u64, |h, b| h.rotate_left(5) ^ b as u64);
        Dispatcher {
            breaker: breaker::Breaker::new(settings.breaker_failures, settings.breaker_cooldown.0),
            limiter: limiter::Limiter::new(settings.rate_per_second, settings.concurrency, Instant::now()),
            app,
            id,
            connection: Arc::new(connection),
            settings,
            client,
            in_flight: HashSet::new(),
            settling: HashSet::new(),
            settled: mpsc::unbounded_channel(),
            rng: seed | 1,
        }
    }

    async fn run(mut self, mut stopped: watch::Receiver<bool>) {
        let (done_tx, mut done_rx) = mpsc::channel::<Done>(1024);
        self.publish_breaker();
        tracing::info!(connection = %self.id, "Outbound dispatcher started.");
        loop {
            let stopping = *stopped.borrow();
            if stopping && self.in_flight.is_empty() && self.settling.is_empty() {
                break;
            }
            let mut wait = IDLE_POLL;
            if !stopping {
                match self.start_due(&done_tx).await {
                    Ok(Some(next)) => wait = next,
                    Ok(None) => {}
                    Err(e) => tracing::warn!(connection = %self.id, error = %e, "Cannot read the outbox; retrying."),
                }
            }
            tokio::select! {
                Some(done) = done_rx.recv() => {
                    let mut batch = vec![done];
                    while let Ok(more) = done_rx.try_recv() {
                        batch.push(more);
                    }
                    self.settle(batch);
                }
                Some(ids) = self.settled.1.recv() => {
                    for id in ids {
                        self.settling.remove(&id);
                    }
                }
                _ = tokio::time::sleep(wait) => {}
                _ = stopped.changed(), if !stopping => {}
            }
        }
        tracing::info!(connection = %self.id, "Outbound dispatcher stopped.");
    }

    /// Starts calls for due messages; returns how soon to look again when
    /// the breaker or the rate limit holds calls back.
    async fn start_due(&mut self, done: &mpsc::Sender<Done>) -> Result<Option<Duration>, store::Error> {
        let now = Instant::now();
        let free = self.settings.concurrency.saturating_sub(self.in_flight.len());
        let admitted = self.breaker.admit(free, now);
        self.publish_breaker();
        if admitted == 0 {
            return Ok(self.breaker.wait(now).map(|w| w.clamp(Duration::from_millis(5), IDLE_POLL)));
        }
        let store = self.app.store.clone();
        let exclude: Vec<u64> = self.in_flight.iter().chain(&self.settling).copied().collect();
        let id = self.id.clone();
        let due = tokio::task::spawn_blocking(move || store.outbox_due(&id, jiff::Timestamp::now(), &exclude, admitted))
            .await
            .map_err(|e| store::Error::Io(e.to_string()))??;
        for message in due {
            if let Err(wait) = self.limiter.take(Instant::now()) {
                return Ok(Some(wait.min(IDLE_POLL)));
            }
            self.breaker.started();
            self.in_flight.insert(message.id);
            let call = Call {
                client: self.client.clone(),
                connection: self.connection.clone(),
                timeout: self.settings.timeout.0,
            };
            let done = done.clone();
            tokio::spawn(async move {
                let started = Instant::now();
                let result = call.make(&message).await;
                let _ = done
                    .send(Done {
                        message,
                        result,
                        took: started.elapsed(),
                    })
                    .await;
            });
        }
        Ok(None)
    }

    /// Turns finished calls into settlements and records them in one write,
    /// off the loop so calls for other subjects go on meanwhile (the writer
    /// commits concurrent batches together).
    fn settle(&mut self, batch: Vec<Done>) {
        let now = Instant::now();
        let mut settlements = Vec::with_capacity(batch.len());
        for Done { message, result, took } in batch {
            self.in_flight.remove(&message.id);
            self.settling.insert(message.id);
            let connection = self.id.clone();
            metrics::histogram!("crossdock_outbox_call_seconds", "connection" => connection.clone()).record(took.as_secs_f64());
            let (settlement, outcome) = match result {
                CallResult::Answered(Outcome::Delivered) => {
                    self.breaker_success();
                    let key = message.idempotency_key.clone();
                    (Settlement::Delivered { id: message.id, key }, "delivered")
                }
                CallResult::Answered(Outcome::Permanent { reason }) => {
                    // The target is up; it refuses this message.
                    self.breaker_success();
                    (self.dead(&message, format!("Refused by the target: {reason}")), "refused")
                }
                CallResult::Unrenderable(reason) => (self.dead(&message, format!("Cannot render the message: {reason}")), "unrenderable"),
                CallResult::Answered(Outcome::Retry { reason, after }) => {
                    if let Some(after) = after {
                        // Rate limited: slow down, the target is not broken.
                        self.limiter.pause(now, after);
                    } else {
                        self.breaker_failure(now);
                    }
                    (self.retry(&message, reason, after), "failed")
                }
                CallResult::Transport(reason) => {
                    self.breaker_failure(now);
                    (self.retry(&message, reason, None), "unreachable")
                }
            };
            metrics::counter!("crossdock_outbox_attempts_total", "connection" => connection, "outcome" => outcome).increment(1);
            settlements.push(settlement);
        }
        self.publish_breaker();
        let ids: Vec<u64> = settlements
            .iter()
            .map(|s| match s {
                Settlement::Delivered { id, .. } | Settlement::Retry { id, .. } | Settlement::Dead { id, .. } => *id,
            })
            .collect();
        let (store, done, connection) = (self.app.store.clone(), self.settled.0.clone(), self.id.clone());
        tokio::spawn(async move {
            if let Err(e) = store.settle(settlements).await {
                // Unrecorded outcomes: those messages stay pending and go out
                // again under the same idempotency key.
                tracing::error!(connection = %connection, error = %e, "Cannot record delivery outcomes; the messages will be retried.");
            }
            let _ = done.send(ids);
        });
    }

    fn retry(&mut self, message: &OutboxMessage, reason: String, after: Option<Duration>) -> Settlement {
        let attempt = message.attempts + 1;
        let age = jiff::Timestamp::now().duration_since(message.created_at).unsigned_abs();
        if attempt >= self.settings.max_attempts {
            return self.dead(message, format!("Gave up after {attempt} attempts; last: {reason}"));
        }
        if age >= self.settings.max_age.0 {
            return self.dead(
                message,
                format!("Gave up after {}s waiting (max_age); last: {reason}", age.as_secs()),
            );
        }
        let delay = after.unwrap_or_else(|| self.backoff(attempt));
        let at = jiff::Timestamp::now() + jiff::SignedDuration::try_from(delay).unwrap_or(jiff::SignedDuration::from_secs(60));
        tracing::debug!(connection = %self.id, message = message.id, attempt, ?delay, %reason, "Outbound call failed; will retry.");
        Settlement::Retry {
            id: message.id,
            at,
            error: reason,
        }
    }

    fn dead(&self, message: &OutboxMessage, error: String) -> Settlement {
        tracing::warn!(connection = %self.id, message = message.id, kind = %message.kind, subject = %message.subject, %error,
            "Outbound message moved to the dead-letter queue.");
        metrics::counter!("crossdock_outbox_dead_letters_total", "connection" => self.id.clone()).increment(1);
        Settlement::Dead { id: message.id, error }
    }

    /// `base × 2^(attempt−1)`, capped, with equal jitter: half fixed, half random.
    fn backoff(&mut self, attempt: u32) -> Duration {
        let base = self.settings.backoff_base.0.as_secs_f64();
        let cap = self.settings.backoff_max.0.as_secs_f64();
        let full = (base * 2f64.powi(attempt.saturating_sub(1).min(30) as i32)).min(cap);
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let unit = (self.rng >> 11) as f64 / (1u64 << 53) as f64;
        Duration::from_secs_f64(full / 2.0 + unit * full / 2.0)
    }

    fn breaker_success(&mut self) {
        if self.breaker.state() != BreakerState::Closed {
            tracing::info!(connection = %self.id, "Target answers again; circuit breaker closed.");
            metrics::counter!("crossdock_outbox_breaker_transitions_total", "connection" => self.id.clone(), "to" => "closed").increment(1);
        }
        self.breaker.success();
    }

    fn breaker_failure(&mut self, now: Instant) {
        if self.breaker.failure(now) {
            tracing::warn!(connection = %self.id, cooldown = ?self.settings.breaker_cooldown.0,
                "Target keeps failing; circuit breaker open.");
            metrics::counter!("crossdock_outbox_breaker_transitions_total", "connection" => self.id.clone(), "to" => "open").increment(1);
        }
    }

    fn publish_breaker(&self) {
        let value = match self.breaker.state() {
            BreakerState::Closed => 0.0,
            BreakerState::HalfOpen => 0.5,
            BreakerState::Open => 1.0,
        };
        metrics::gauge!("crossdock_outbox_breaker_open", "connection" => self.id.clone()).set(value);
    }
}

/// Everything one call needs, owned, so it can run on its own task.
struct Call {
    client: reqwest::Client,
    connection: Arc<ConnectionConfig>,
    timeout: Duration,
}

impl Call {
    async fn make(&self, message: &OutboxMessage) -> CallResult {
        let (parsed, plan) = match sinks::plan(&self.connection, message) {
            Ok(planned) => planned,
            Err(reason) => return CallResult::Unrenderable(reason),
        };
        let request = match plan {
            Plan::Call(request) => request,
            Plan::Skip(reason) => {
                tracing::debug!(message = message.id, %reason, "Outbound message needs no call.");
                return CallResult::Answered(Outcome::Delivered);
            }
            // Read what the target needs first (Shopify's fulfillment orders).
            Plan::Lookup(lookup) => {
                let (status, _, body) = match self.send(&lookup, message).await {
                    Ok(answer) => answer,
                    Err(transport) => return transport,
                };
                if !(200..300).contains(&status) {
                    return CallResult::Answered(Outcome::classify(status, None, &String::from_utf8_lossy(&body)));
                }
                match self.connection.connector.complete(&parsed, &body) {
                    Ok(request) => request,
                    Err(e) => return CallResult::Unrenderable(e.to_string()),
                }
            }
        };
        match self.send(&request, message).await {
            Ok((status, retry_after, body)) => {
                CallResult::Answered(Outcome::classify(status, retry_after.as_deref(), &String::from_utf8_lossy(&body)))
            }
            Err(transport) => transport,
        }
    }

    /// Makes one call; the status, `Retry-After` and body, or why there was no answer.
    async fn send(&self, request: &Request, message: &OutboxMessage) -> Result<(u16, Option<String>, Vec<u8>), CallResult> {
        let base = self.connection.base_url.as_deref().unwrap_or_default().trim_end_matches('/');
        let builder = self.build(&format!("{base}{}", request.path), request, message);
        let response = builder.send().await.map_err(|e| CallResult::Transport(describe(&e)))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await.map_err(|e| CallResult::Transport(describe(&e)))?;
        Ok((status, retry_after, body.to_vec()))
    }

    fn build(&self, url: &str, request: &Request, message: &OutboxMessage) -> reqwest::RequestBuilder {
        let method = reqwest::Method::from_bytes(request.method.as_str().as_bytes()).expect("a standard method");
        let mut builder = self
            .client
            .request(method, url)
            .timeout(self.timeout)
            .header("Idempotency-Key", &message.idempotency_key)
            .header("User-Agent", concat!("crossdock/", env!("CARGO_PKG_VERSION")));
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(token) = &self.connection.api_token {
            builder = sinks::authorize(builder, self.connection.kind(), token.expose());
        }
        if let Some(body) = &request.body {
            let bytes = body.to_string().into_bytes();
            if let Some(secret) = &self.connection.secret {
                builder = builder.header(
                    "X-Crossdock-Signature",
                    connectors::signature::sign_hex_sha256(secret.expose().as_bytes(), &bytes),
                );
            }
            builder = builder.header("Content-Type", "application/json").body(bytes);
        }
        builder
    }
}

/// A transport error in a few words: what operators need in `last_error`.
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "Timed out waiting for the target.".into()
    } else if e.is_connect() {
        "Cannot connect to the target (connection refused or unreachable).".into()
    } else {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            text = format!("{text}: {s}");
            source = s.source();
        }
        text
    }
}
