//! `crossdock bench ask`: the copilot's latency over its labelled question
//! set, asked over HTTP as reps and B2B clients ask it, on the seeded
//! service desk and optionally on a store grown by synthetic orders.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use model::order::{Address, Customer, ExternalIds, OrderData, OrderLine, PaymentState};
use model::{Event, EventBody, OrderId, Quantity, Sku, TenantId};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::bench::{BENCH_KEY, BenchServer, bench_config, machine, percentile, tempdir};

/// The labelled question set, as the copilot's evaluation reads it.
const QUESTIONS: &str = include_str!("../../assistant/tests/questions.jsonl");

/// The account the `b2b_client` key is scoped to (a buyer of the seeded dataset).
const B2B_ACCOUNT: &str = "Acme Corp";

/// Synthetic orders are appended in batches of this many events.
const BATCH: usize = 1_000;

/// Distinct customers among the synthetic orders: below the copilot's
/// vocabulary cap (20,000 names, newest first), so the seeded customers the
/// questions name stay in it while the fuzzy name matcher scans a realistic
/// list.
const CUSTOMERS: usize = 10_000;

/// How long the decision pipeline may take to catch up with the loaded
/// events before the questions are asked.
const CATCH_UP: Duration = Duration::from_secs(3_600);

/// What one run asks and on what data.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Times every question is asked.
    pub rounds: usize,
    /// Concurrent HTTP clients.
    pub clients: usize,
    /// Synthetic orders loaded on top of the seeded dataset.
    pub orders: usize,
    /// Only the first `limit` questions of each intent, when set.
    pub limit: Option<usize>,
    /// The policy documents; without them policy questions are skipped.
    pub policies: Option<PathBuf>,
    /// Working directory (default: a new temp dir, removed afterwards).
    pub dir: Option<PathBuf>,
}

/// `crossdock bench ask`: measures and prints the report.
pub async fn run(rounds: usize, clients: usize, orders: usize, limit: Option<usize>, dir: Option<PathBuf>) -> anyhow::Result<()> {
    // Next to the working directory, as `crossdock demo` is run from the repository.
    let policies = Path::new("examples/policies");
    let policies = policies.is_dir().then(|| policies.to_path_buf());
    let report = measure(Settings {
        rounds,
        clients,
        orders,
        limit,
        policies,
        dir,
    })
    .await?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

/// Who asks a question: the labelled `role` picks the API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Role {
    ServiceRep,
    B2bClient,
}

/// One line of `questions.jsonl` (slots and notes are the evaluation's business).
#[derive(Debug, Clone, Deserialize)]
struct Labelled {
    id: String,
    q: String,
    intent: String,
    role: Role,
}

const POLICY_INTENT: &str = "policy_question";
/// The one intent whose answer writes more than its audit entry: it starts a return.
const RETURN_INTENT: &str = "start_return";

/// The labelled questions, in file order.
fn labelled() -> anyhow::Result<Vec<Labelled>> {
    QUESTIONS
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).with_context(|| format!("questions.jsonl line {}", i + 1)))
        .collect()
}

/// The questions to ask: the first `limit` of each intent, policy
/// questions only with documents to quote.
fn select(all: Vec<Labelled>, limit: Option<usize>, with_policies: bool) -> Vec<Labelled> {
    let mut taken: BTreeMap<String, usize> = BTreeMap::new();
    all.into_iter()
        .filter(|q| with_policies || q.intent != POLICY_INTENT)
        .filter(|q| {
            let n = taken.entry(q.intent.clone()).or_default();
            *n += 1;
            limit.is_none_or(|limit| *n <= limit)
        })
        .collect()
}

/// What one ask observed.
struct Observed {
    question: usize,
    seconds: f64,
    status: u16,
    answer: Answer,
}

/// What the bench reads of an answer.
#[derive(Debug, Default)]
struct Answer {
    intent: Option<String>,
    text: Option<String>,
    /// The answer started a return (an RMA in its data), rather than saying why not.
    started_return: bool,
}

/// A server with the seeded service desk and the two keys the questions are asked with.
struct Desk {
    server: BenchServer,
    store: store::Store,
    base: String,
    http: reqwest::Client,
    /// `[service_rep, b2b_client]`.
    keys: Arc<[String; 2]>,
    seeded: usize,
    seed_seconds: f64,
}

impl Desk {
    /// Starts a server on `data` with the seeded dataset as of `now`.
    async fn start(data: &Path, settings: &Settings, now: jiff::Timestamp) -> anyhow::Result<Desk> {
        let tenant = tenant();
        let mut config = bench_config(data);
        server::seed::configure(&mut config, &tenant);
        config.service_desk.policies = settings.policies.clone();
        let app = server::App::open(config).context("opening the bench store")?;
        let store = app.store.clone();
        let server = BenchServer::start(app).await?;
        let base = format!("http://{}", server.addr);
        let started = Instant::now();
        let seeded = server::seed::load(&store, &tenant, now).await?;
        let seed_seconds = started.elapsed().as_secs_f64();
        let http = reqwest::Client::builder().pool_max_idle_per_host(settings.clients).build()?;
        let rep = create_key(&http, &base, json!({"role": "service_rep", "tenants": [tenant.as_str()]})).await?;
        let client = create_key(
            &http,
            &base,
            json!({"role": "b2b_client", "tenants": [tenant.as_str()], "clients": [B2B_ACCOUNT]}),
        )
        .await?;
        Ok(Desk {
            server,
            store,
            base,
            http,
            keys: Arc::new([rep, client]),
            seeded,
            seed_seconds,
        })
    }

    /// Until the decision pipeline has decided every event logged so
    /// far, so questions are timed alone; returns the last event's seq.
    async fn settle(&self) -> anyhow::Result<u64> {
        let seq = self.store.stats()?.last_seq;
        let deadline = Instant::now() + CATCH_UP;
        while self.store.pipeline_cursor()? < seq {
            anyhow::ensure!(
                Instant::now() < deadline,
                "the decision pipeline did not reach event {seq} within {}s",
                CATCH_UP.as_secs()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(seq)
    }

    async fn ask(&self, q: &Labelled) -> anyhow::Result<(f64, u16, Answer)> {
        ask(&self.http, &self.base, key_for(&self.keys, q.role), q).await
    }
}

/// The bench's tenant, named like the other benches'.
fn tenant() -> TenantId {
    TenantId::parse("bench").expect("a valid tenant id")
}

/// Runs the bench and returns its report.
pub async fn measure(settings: Settings) -> anyhow::Result<Value> {
    anyhow::ensure!(settings.rounds >= 1, "--rounds must be at least 1");
    anyhow::ensure!(settings.clients >= 1, "--clients must be at least 1");
    anyhow::ensure!(settings.limit != Some(0), "--limit must be at least 1 when given");
    let all = labelled()?;
    let labelled_count = all.len();
    let questions = Arc::new(select(all, settings.limit, settings.policies.is_some()));
    anyhow::ensure!(!questions.is_empty(), "no questions to ask");
    let temp = tempdir(settings.dir.clone())?;
    let now = jiff::Timestamp::now();

    // With synthetic orders, the answers of the seeded dataset alone, for
    // comparison: the orders are other customers', to other places, of other
    // SKUs, so no answer about the seeded data should change.
    let baseline = if settings.orders > 0 {
        let desk = Desk::start(&temp.join("baseline"), &settings, now).await?;
        desk.settle().await?;
        let mut texts = Vec::with_capacity(questions.len());
        for q in questions.iter() {
            texts.push(if q.intent == RETURN_INTENT {
                None
            } else {
                desk.ask(q).await?.2.text
            });
        }
        desk.server.stop().await?;
        Some(texts)
    } else {
        None
    };

    let desk = Desk::start(&temp.join("data"), &settings, now).await?;
    let started = Instant::now();
    load_orders(&desk.store, &tenant(), settings.orders).await?;
    let orders_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let events = desk.settle().await?;
    let pipeline_seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "loaded {} seeded events in {:.2}s, {} orders in {orders_seconds:.2}s; pipeline caught up in {pipeline_seconds:.2}s",
        desk.seeded, desk.seed_seconds, settings.orders
    );

    // The first question builds the tenant's vocabulary from the log: timed
    // on its own, it is what the first rep after a restart waits for.
    let warm_up = questions.iter().find(|q| q.intent != RETURN_INTENT).unwrap_or(&questions[0]);
    let first = desk.ask(warm_up).await?;

    let jobs = settings.rounds * questions.len();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(settings.clients);
    for _ in 0..settings.clients {
        let (http, base, keys, questions, next) = (
            desk.http.clone(),
            desk.base.clone(),
            desk.keys.clone(),
            questions.clone(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut observed = Vec::new();
            loop {
                let job = next.fetch_add(1, Ordering::Relaxed);
                if job >= jobs {
                    break;
                }
                let index = job % questions.len();
                let q = &questions[index];
                let (seconds, status, answer) = ask(&http, &base, key_for(&keys, q.role), q).await?;
                observed.push(Observed {
                    question: index,
                    seconds,
                    status,
                    answer,
                });
            }
            anyhow::Ok(observed)
        }));
    }
    let mut observed = Vec::with_capacity(jobs);
    for task in tasks {
        observed.extend(task.await??);
    }
    let seconds = started.elapsed().as_secs_f64();
    desk.server.stop().await?;
    let _ = std::fs::remove_dir_all(&temp);

    let mut report = summarise(&questions, &observed, seconds);
    report["changed_answers"] = match &baseline {
        Some(texts) => changed(&questions, &observed, texts),
        None => json!("not checked: no synthetic orders"),
    };
    report["machine"] = machine();
    report["settings"] = json!({
        "rounds": settings.rounds,
        "clients": settings.clients,
        "extra_orders": settings.orders,
        "limit_per_intent": settings.limit,
    });
    report["questions"]["labelled"] = json!(labelled_count);
    report["questions"]["per_round"] = json!(questions.len());
    report["questions"]["policy"] = match &settings.policies {
        Some(dir) => json!(format!("asked, quoting {}", dir.display())),
        None => json!("skipped: no examples/policies under the working directory"),
    };
    report["dataset"] = json!({
        "seeded_events": desk.seeded,
        "seed_load_seconds": desk.seed_seconds,
        "extra_orders": settings.orders,
        "extra_orders_distinct_customers": settings.orders.min(CUSTOMERS),
        "extra_orders_load_seconds": orders_seconds,
        "extra_orders_per_sec": if settings.orders > 0 { json!(settings.orders as f64 / orders_seconds) } else { Value::Null },
        "pipeline_catch_up_seconds": pipeline_seconds,
        "events_in_store": events,
    });
    report["first_ask_ms"] = json!(first.0 * 1e3);
    report["note"] = json!(
        "client-side latency over loopback HTTP; every answer commits its audit entry (fsync) before it is returned; \
         `overall` leaves out start_return, whose answers also start a return (events, decision, RMA)"
    );
    Ok(report)
}

/// Questions (start_return aside) whose answer on the grown store differs
/// from the answer on the seeded dataset alone.
fn changed(questions: &[Labelled], observed: &[Observed], baseline: &[Option<String>]) -> Value {
    let mut seen = BTreeSet::new();
    let mut by_intent: BTreeMap<&str, usize> = BTreeMap::new();
    let mut examples = Vec::new();
    for o in observed {
        let Some(before) = &baseline[o.question] else { continue };
        if o.status == 200 && o.answer.text.as_ref() != Some(before) && seen.insert(o.question) {
            let q = &questions[o.question];
            *by_intent.entry(&q.intent).or_default() += 1;
            examples.push(json!({"id": q.id, "question": q.q, "intent": q.intent, "seeded_only": before, "grown": o.answer.text}));
        }
    }
    json!({
        "questions": seen.len(),
        "by_intent": by_intent,
        "examples": examples.into_iter().take(3).collect::<Vec<_>>(),
    })
}

/// Latency figures, answers per second and wrong intents of a run.
fn summarise(questions: &[Labelled], observed: &[Observed], seconds: f64) -> Value {
    let mut reads = Vec::new();
    let mut returns = Vec::new();
    let mut per_intent: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut wrong = Vec::new();
    let mut failed = Vec::new();
    let mut started = 0;
    for o in observed {
        let q = &questions[o.question];
        if o.status != 200 {
            failed.push(json!({"id": q.id, "question": q.q, "status": o.status}));
            continue;
        }
        if q.intent == RETURN_INTENT {
            returns.push(o.seconds);
            started += usize::from(o.answer.started_return);
        } else {
            reads.push(o.seconds);
        }
        per_intent.entry(&q.intent).or_default().push(o.seconds);
        if o.answer.intent.as_deref() != Some(q.intent.as_str()) {
            wrong.push(json!({"id": q.id, "question": q.q, "labelled": q.intent, "answered": o.answer.intent}));
        }
    }
    let answered = observed.len() - failed.len();
    let mut start_return = figures(returns);
    // Asked again, a return question finds its order's return already
    // started and answers with the refusal: a read plus the audit entry.
    start_return["returns_started"] = json!(started);
    json!({
        "questions": {"asked": observed.len(), "answered": answered},
        "seconds": seconds,
        "answers_per_sec": answered as f64 / seconds,
        "overall": figures(reads),
        "start_return": start_return,
        "per_intent": per_intent.into_iter().map(|(intent, l)| (intent.to_owned(), figures(l))).collect::<serde_json::Map<_, _>>(),
        "wrong_intent": wrong.len(),
        "wrong_intent_examples": wrong.into_iter().take(10).collect::<Vec<_>>(),
        "failed": failed.len(),
        "failed_examples": failed.into_iter().take(10).collect::<Vec<_>>(),
    })
}

/// Count and p50/p90/p99/max in milliseconds.
fn figures(mut seconds: Vec<f64>) -> Value {
    seconds.sort_by(f64::total_cmp);
    let ms = |p: f64| percentile(&seconds, p) * 1e3;
    json!({
        "asked": seconds.len(),
        "p50_ms": ms(0.50),
        "p90_ms": ms(0.90),
        "p99_ms": ms(0.99),
        "max_ms": seconds.last().copied().unwrap_or(0.0) * 1e3,
    })
}

/// The key a role asks with: `[service_rep, b2b_client]`.
fn key_for(keys: &[String; 2], role: Role) -> &str {
    match role {
        Role::ServiceRep => &keys[0],
        Role::B2bClient => &keys[1],
    }
}

/// Creates an API key with the bench admin key; returns its token.
async fn create_key(http: &reqwest::Client, base: &str, body: Value) -> anyhow::Result<String> {
    let response = http
        .post(format!("{base}/v1/keys"))
        .bearer_auth(BENCH_KEY)
        .json(&body)
        .send()
        .await?;
    let status = response.status();
    let created: Value = response.json().await?;
    anyhow::ensure!(status.as_u16() == 201, "creating the key {body}: {status} {created}");
    created["key"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no `key` in the created key {created}"))
}

/// Asks `q` with `key`: seconds until the answer was read, status, what it said.
async fn ask(http: &reqwest::Client, base: &str, key: &str, q: &Labelled) -> anyhow::Result<(f64, u16, Answer)> {
    let started = Instant::now();
    let response = http
        .post(format!("{base}/v1/ask"))
        .bearer_auth(key)
        .json(&json!({"question": q.q}))
        .send()
        .await
        .with_context(|| format!("asking {}", q.id))?;
    let status = response.status().as_u16();
    let body = response.bytes().await.with_context(|| format!("reading the answer to {}", q.id))?;
    let seconds = started.elapsed().as_secs_f64();
    let answer = serde_json::from_slice::<Value>(&body)
        .map(|a| Answer {
            intent: a["intent"].as_str().map(str::to_owned),
            text: a["answer"].as_str().map(str::to_owned),
            started_return: a["data"]["return"]["rma"].is_string(),
        })
        .unwrap_or_default();
    Ok((seconds, status, answer))
}

/// Appends `orders` synthetic orders in batches of [`BATCH`].
async fn load_orders(store: &store::Store, tenant: &TenantId, orders: usize) -> anyhow::Result<()> {
    let now = jiff::Timestamp::now();
    let mut n = 0;
    while n < orders {
        let end = (n + BATCH).min(orders);
        let batch = (n..end).map(|i| order(tenant, i, now)).collect::<anyhow::Result<Vec<_>>>()?;
        store.append(batch, None).await?;
        n = end;
    }
    Ok(())
}

const FIRST_NAMES: [&str; 40] = [
    "Olivia", "Liam", "Emma", "Noah", "Sofia", "Mateo", "Amara", "Kenji", "Ingrid", "Tariq", "Leila", "Bruno", "Chloe", "Dmitri", "Elena",
    "Farah", "Gustavo", "Hana", "Ivan", "Jasmine", "Kofi", "Lucia", "Mei", "Nikolai", "Oscar", "Paloma", "Quinn", "Rafael", "Sana",
    "Tomas", "Uma", "Viktor", "Wen", "Ximena", "Yusuf", "Zara", "Anders", "Beatriz", "Cyrus", "Dalia",
];

const LAST_NAMES: [&str; 25] = [
    "Nakamura",
    "Okafor",
    "Schmidt",
    "Rossi",
    "Kowalski",
    "Haddad",
    "Lindqvist",
    "Moreau",
    "Petrov",
    "Quintero",
    "Sato",
    "Varga",
    "Wojcik",
    "Yilmaz",
    "Zhou",
    "Bianchi",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Horvat",
    "Jansen",
    "Mendes",
    "Novak",
    "Olsen",
];

/// Places none of the seeded orders ship to.
const CITIES: [(&str, &str, &str); 8] = [
    ("Columbus", "OH", "43215"),
    ("Denver", "CO", "80202"),
    ("Austin", "TX", "78701"),
    ("Portland", "OR", "97204"),
    ("Tampa", "FL", "33602"),
    ("Omaha", "NE", "68102"),
    ("Boise", "ID", "83702"),
    ("Madison", "WI", "53703"),
];

/// Synthetic order `n`: a consumer order of one of [`CUSTOMERS`] customers
/// (none of them seeded), for SKUs the seeded questions do not ask about,
/// placed within the last 60 days.
fn order(tenant: &TenantId, n: usize, now: jiff::Timestamp) -> anyhow::Result<Event> {
    let c = n % CUSTOMERS;
    // 40 × 26 × 25 = 26,000 distinct names ≥ CUSTOMERS.
    let first = FIRST_NAMES[c % FIRST_NAMES.len()];
    let initial = char::from(b'A' + ((c / FIRST_NAMES.len()) % 26) as u8);
    let last = LAST_NAMES[(c / (FIRST_NAMES.len() * 26)) % LAST_NAMES.len()];
    let (city, region, postal_code) = CITIES[n % CITIES.len()];
    let id = format!("BX-{n:07}");
    let line = |sku: String, quantity: i64| -> anyhow::Result<OrderLine> {
        Ok(OrderLine {
            line_id: None,
            sku: Sku::parse(&sku)?,
            quantity: Quantity::new(quantity)?,
            unit_price: None,
            name: None,
        })
    };
    let data = OrderData {
        order_id: OrderId::parse(&id)?,
        external_ids: ExternalIds {
            storefront_name: Some(format!("#{id}")),
            ..Default::default()
        },
        channel: Some("web".into()),
        customer: Customer {
            id: Some(format!("BC-{c:05}")),
            name: Some(format!("{first} {initial}. {last}")),
            email: Some(format!("{}.{}{c}@example.net", first.to_lowercase(), last.to_lowercase())),
            ..Default::default()
        },
        ship_to: Address {
            line1: Some(format!("{} Oak Avenue", 1 + n % 997)),
            city: Some(city.into()),
            region: Some(region.into()),
            postal_code: Some(postal_code.into()),
            country: Some("US".into()),
            ..Default::default()
        },
        bill_to: None,
        lines: vec![
            line(format!("BX-SKU-{}", n % 400), 1 + (n % 3) as i64)?,
            line(format!("BX-SKU-{}", (n * 7 + 3) % 400), 1)?,
        ],
        service_level: Default::default(),
        payment_state: PaymentState::Paid,
        po_number: None,
        total: None,
        flags: Vec::new(),
        gift_message: None,
        note: None,
        placed_at: None,
        promised_by: None,
        client_ip: None,
    };
    let age = jiff::SignedDuration::from_secs(((n * 7_919) % (60 * 86_400)) as i64);
    Ok(Event {
        event_id: format!("bench-ask-order-{n}"),
        source: "bench".into(),
        tenant: Some(tenant.clone()),
        occurred_at: now.checked_sub(age)?,
        body: EventBody::OrderCreated(data),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_labelled_question_parses_and_limit_takes_the_first_of_each_intent() {
        let all = labelled().unwrap();
        assert!(all.len() >= 300, "{} questions", all.len());
        let intents: BTreeSet<String> = all.iter().map(|q| q.intent.clone()).collect();
        let two = select(all.clone(), Some(2), true);
        assert_eq!(two.len(), 2 * intents.len());
        let without = select(all.clone(), None, false);
        assert!(without.iter().all(|q| q.intent != POLICY_INTENT));
        assert!(without.len() < all.len());
    }

    #[test]
    fn synthetic_orders_name_distinct_customers_up_to_the_pool() {
        let tenant = tenant();
        let now = jiff::Timestamp::now();
        let names: BTreeSet<String> = (0..CUSTOMERS * 2)
            .map(|n| match order(&tenant, n, now).unwrap().body {
                EventBody::OrderCreated(o) => o.customer.name.unwrap(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(names.len(), CUSTOMERS);
    }

    /// A tiny run end to end: one round of two questions per intent, policy
    /// questions included, every report key present and no wrong intent.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_tiny_run_reports_latency_per_intent_and_no_wrong_intent() {
        let dir = tempfile::tempdir().unwrap();
        let report = measure(Settings {
            rounds: 1,
            clients: 2,
            orders: 1_500,
            limit: Some(2),
            policies: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/policies").into()),
            dir: Some(dir.path().join("bench")),
        })
        .await
        .unwrap();
        let intents = select(labelled().unwrap(), None, true)
            .into_iter()
            .map(|q| q.intent)
            .collect::<BTreeSet<_>>();
        assert_eq!(report["questions"]["asked"], 2 * intents.len(), "{report:#}");
        assert_eq!(report["questions"]["answered"], 2 * intents.len(), "{report:#}");
        assert_eq!(report["failed"], 0, "{report:#}");
        assert_eq!(report["wrong_intent"], 0, "{report:#}");
        // 1,500 other customers' orders change no answer about the seeded ones.
        assert_eq!(report["changed_answers"]["questions"], 0, "{report:#}");
        assert_eq!(report["start_return"]["asked"], 2, "{report:#}");
        assert!(report["start_return"]["returns_started"].as_u64().is_some(), "{report:#}");
        assert_eq!(report["overall"]["asked"], 2 * (intents.len() - 1), "{report:#}");
        for intent in &intents {
            let f = &report["per_intent"][intent];
            assert_eq!(f["asked"], 2, "{intent}: {report:#}");
            for key in ["p50_ms", "p90_ms", "p99_ms", "max_ms"] {
                assert!(f[key].as_f64().is_some_and(|ms| ms > 0.0), "{intent} {key}: {report:#}");
            }
        }
        assert!(report["answers_per_sec"].as_f64().is_some_and(|r| r > 0.0), "{report:#}");
        assert_eq!(report["dataset"]["extra_orders"], 1_500);
        assert!(report["dataset"]["events_in_store"].as_u64().unwrap() >= 1_500);
        assert!(report["machine"]["cores"].as_u64().is_some(), "{report:#}");
        assert!(!dir.path().join("bench").exists(), "the working directory is removed");
    }
}
