//! The dashboard's review queue in a real browser: headless Chromium driven
//! over WebDriver (W3C) by a `chromedriver` this test starts. A reviewer
//! pastes a key, reads what waits, approves one release and rejects another;
//! the WMS stand-in receives exactly the approved one.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them).
//! Without them the test fails, unless `CROSSDOCK_SKIP_BROWSER=1`.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use engine::governance::{Autonomy, Mode, Workflow};
use serde_json::{Value, json};

use crate::support::{Harness, Receiver, ada_order, eventually};

/// The key W3C WebDriver uses for an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long to wait for the page to show something.
const PATIENCE: Duration = Duration::from_secs(10);
const SCREENSHOT: &str = "/tmp/crossdock-review-queue.png";

/// An executable on `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A headless Chromium session behind a `chromedriver` child process; both
/// end when this is dropped.
struct Browser {
    http: reqwest::Client,
    /// `http://127.0.0.1:<port>/session/<id>`
    session: String,
    port: u16,
    session_id: String,
    driver: Child,
}

impl Browser {
    /// Starts `chromedriver` on a free port and opens a headless session.
    async fn start(chromium: PathBuf, chromedriver: PathBuf) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {}: {e}", chromedriver.display()));
        let http = reqwest::Client::new();
        let root = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + PATIENCE;
        loop {
            let ready = match http.get(format!("{root}/status")).send().await {
                Ok(r) => r.json::<Value>().await.is_ok_and(|s| s["value"]["ready"] == true),
                Err(_) => false,
            };
            if ready {
                break;
            }
            if let Ok(Some(exit)) = driver.try_wait() {
                panic!("chromedriver exited before it was ready: {exit}");
            }
            if Instant::now() > deadline {
                let _ = driver.kill();
                panic!("chromedriver did not become ready on port {port} within {PATIENCE:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"],
            },
        }}});
        let answer: Value = http
            .post(format!("{root}/session"))
            .json(&capabilities)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let Some(session_id) = answer["value"]["sessionId"].as_str().map(str::to_owned) else {
            let _ = driver.kill();
            let _ = driver.wait();
            panic!("chromedriver could not start Chromium: {answer}");
        };
        Browser {
            http,
            session: format!("{root}/session/{session_id}"),
            port,
            session_id,
            driver,
        }
    }

    /// One WebDriver command; its `value`, or the driver's error.
    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, Value> {
        let mut request = self.http.request(method, format!("{}{path}", self.session));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let ok = response.status().is_success();
        let mut answer: Value = response.json().await.unwrap();
        let value = answer["value"].take();
        if ok { Ok(value) } else { Err(value) }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.command(reqwest::Method::POST, path, Some(body))
            .await
            .unwrap_or_else(|e| panic!("WebDriver POST {path}: {e}"))
    }

    async fn get(&self, path: &str) -> Value {
        self.command(reqwest::Method::GET, path, None)
            .await
            .unwrap_or_else(|e| panic!("WebDriver GET {path}: {e}"))
    }

    async fn goto(&self, url: &str) {
        self.post("/url", json!({"url": url})).await;
    }

    /// Every element matching `css` now (possibly none).
    async fn find_all(&self, css: &str) -> Vec<Element<'_>> {
        let found = self.post("/elements", json!({"using": "css selector", "value": css})).await;
        found
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| Element {
                browser: self,
                id: e[ELEMENT]
                    .as_str()
                    .unwrap_or_else(|| panic!("an element reference: {e} in {found}"))
                    .to_owned(),
            })
            .collect()
    }

    /// The first element matching `css`, waited for.
    async fn find(&self, css: &str) -> Element<'_> {
        self.wait_for(&format!("an element `{css}`"), || async {
            self.find_all(css).await.into_iter().next()
        })
        .await
    }

    /// The text of `css`, once `check` holds for it.
    async fn text_when(&self, css: &str, what: &str, check: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(element) = self.find_all(css).await.into_iter().next() {
                // The page may replace the element between finding and reading it.
                if let Ok(text) = element.try_text().await {
                    if check(&text) {
                        return text;
                    }
                    last = text;
                }
            }
            assert!(Instant::now() < deadline, "not within {PATIENCE:?}: {what}; `{css}` reads {last:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Polls `probe` until it yields something, failing with `what` after [`PATIENCE`].
    async fn wait_for<T, F, Fut>(&self, what: &str, mut probe: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(found) = probe().await {
                return found;
            }
            assert!(Instant::now() < deadline, "not within {PATIENCE:?}: {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until exactly `n` elements match `css`.
    async fn count(&self, css: &str, n: usize) -> Vec<Element<'_>> {
        self.wait_for(&format!("{n} elements `{css}`"), || async {
            let found = self.find_all(css).await;
            (found.len() == n).then_some(found)
        })
        .await
    }

    /// Runs `script` in the page (its `arguments` are `args`) and returns its result.
    async fn execute(&self, script: &str, args: Value) -> Value {
        self.post("/execute/sync", json!({"script": script, "args": args})).await
    }

    /// The page as a PNG.
    async fn screenshot(&self) -> Vec<u8> {
        let encoded = self.get("/screenshot").await;
        base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().expect("a base64 screenshot"))
            .expect("the screenshot is base64")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Chromium belongs to the session, not to chromedriver's process:
        // close the session first (a plain HTTP request, since drop cannot
        // await), then stop the driver.
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let request = format!(
                "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                self.session_id, self.port
            );
            if stream.write_all(request.as_bytes()).is_ok() {
                let _ = stream.read_to_end(&mut Vec::new());
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// An element of the page.
struct Element<'b> {
    browser: &'b Browser,
    id: String,
}

impl Element<'_> {
    async fn try_text(&self) -> Result<String, Value> {
        let text = self
            .browser
            .command(reqwest::Method::GET, &format!("/element/{}/text", self.id), None)
            .await?;
        Ok(text.as_str().unwrap_or_default().to_owned())
    }

    async fn text(&self) -> String {
        self.try_text().await.unwrap_or_else(|e| panic!("reading an element's text: {e}"))
    }

    async fn attribute(&self, name: &str) -> Option<String> {
        self.browser
            .get(&format!("/element/{}/attribute/{name}", self.id))
            .await
            .as_str()
            .map(str::to_owned)
    }

    /// The first element inside this one matching `css`.
    async fn find(&self, css: &str) -> Element<'_> {
        let found = self
            .browser
            .post(
                &format!("/element/{}/element", self.id),
                json!({"using": "css selector", "value": css}),
            )
            .await;
        Element {
            browser: self.browser,
            id: found[ELEMENT]
                .as_str()
                .unwrap_or_else(|| panic!("no `{css}` in the element"))
                .to_owned(),
        }
    }

    async fn clear(&self) {
        self.browser.post(&format!("/element/{}/clear", self.id), json!({})).await;
    }

    async fn type_text(&self, text: &str) {
        self.browser
            .post(&format!("/element/{}/value", self.id), json!({"text": text}))
            .await;
    }

    async fn click(&self) {
        self.browser.post(&format!("/element/{}/click", self.id), json!({})).await;
    }
}

/// Chromium and chromedriver, or `None` when the test is to be skipped.
fn browsers() -> Option<(PathBuf, PathBuf)> {
    match (on_path("chromium"), on_path("chromedriver")) {
        (Some(chromium), Some(driver)) => Some((chromium, driver)),
        _ if std::env::var("CROSSDOCK_SKIP_BROWSER").is_ok_and(|v| v == "1") => {
            println!("Skipped: chromium or chromedriver is not installed and CROSSDOCK_SKIP_BROWSER=1.");
            None
        }
        (chromium, driver) => panic!(
            "the browser test needs `chromium` and `chromedriver` on PATH (found chromium: {chromium:?}, chromedriver: {driver:?}). \
             Install Debian's `chromium` and `chromium-driver` (as .ci/run does), or set CROSSDOCK_SKIP_BROWSER=1 to skip it."
        ),
    }
}

/// A server whose release workflow waits for review, releasing to a WMS stand-in,
/// with a review SLA of zero.
async fn assisted() -> (Harness, Receiver) {
    crate::support::release_flow(|config| {
        let assist = Autonomy {
            mode: Mode::Assist,
            min_confidence: 0.0,
            max_cost: None,
        };
        config.governance.autonomy.insert(Workflow::Release, assist);
        // Every item is overdue once a second old, so the page's overdue mark shows.
        config.governance.review_sla = server::config::Span(Duration::ZERO);
    })
    .await
}

/// A new API key as `request` describes it: (its id, the bearer token).
async fn key(h: &Harness, request: Value) -> (String, String) {
    let (status, created) = h.post("/v1/keys", request).await;
    assert_eq!(status, 201, "{created}");
    (
        created["id"].as_str().unwrap().to_owned(),
        created["key"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_approves_and_rejects_releases_in_the_dashboard() {
    let Some((chromium, chromedriver)) = browsers() else {
        return;
    };
    let (h, wms) = assisted().await;
    let events = json!({"events": [ada_order("SO-1", 2, "07102"), ada_order("SO-2", 1, "08540")]});
    assert_eq!(h.post("/v1/events", events).await.0, 200);
    eventually(Duration::from_secs(15), "two releases wait for review", || async {
        let (_, queue) = h.get("/v1/reviews?workflow=release").await;
        queue["items"].as_array().is_some_and(|items| items.len() == 2)
    })
    .await;
    // Scoped to the tenant: it may decide reviews but not read the all-tenant statistics.
    let (ops_id, ops_key) = key(&h, json!({"role": "ops", "tenants": ["acme"]})).await;
    let (_, rep_key) = key(&h, json!({"role": "service_rep"})).await;

    let browser = Browser::start(chromium, chromedriver).await;
    browser.goto(&format!("{}/", h.base)).await;
    let use_key = |token: String| {
        let browser = &browser;
        async move {
            let input = browser.find("#key").await;
            input.clear().await;
            input.type_text(&token).await;
            browser.find("#save").await.click().await;
        }
    };

    // A role that may not read reviews is told so, and gets nothing to decide;
    // the statistics it may read still show.
    use_key(rep_key).await;
    let refused = browser
        .text_when("#review-error[role=alert]", "the service_rep key is refused", |t| !t.is_empty())
        .await;
    assert!(refused.contains("may not read reviews"), "{refused}");
    assert!(
        browser.find_all("#review-list button").await.is_empty(),
        "no approve or reject for service_rep"
    );
    browser.count("#totals .card", 4).await;

    // Ops sees both, with what a reviewer needs to judge them; the statistics'
    // refusal does not get in the way.
    use_key(ops_key).await;
    let items = browser.count("#review-list li.review", 2).await;
    browser.text_when("#review-error", "the refusal is cleared", str::is_empty).await;
    let stats = browser
        .text_when("#error[role=alert]", "the statistics refuse the scoped key", |t| !t.is_empty())
        .await;
    assert!(stats.starts_with("Statistics:") && stats.contains("scoped"), "{stats}");
    browser.count("#totals .card", 0).await;
    let mut subjects = Vec::new();
    for item in &items {
        let text = item.text().await;
        let subject = item.attribute("data-subject").await.expect("each item names its order");
        assert!(
            text.contains(&subject) && text.contains("wms.release") && text.contains("release workflow"),
            "{text}"
        );
        assert!(text.contains("from DC-EAST"), "the plan says where it ships from: {text}");
        assert!(
            text.contains("Confidence") && text.contains("Why it waits") && text.contains("Alternatives"),
            "{text}"
        );
        subjects.push(subject);
    }
    subjects.sort();
    assert_eq!(subjects, ["SO-1", "SO-2"]);
    // Ages are refreshed in place: both are past the SLA within a few seconds.
    browser.count("#review-list li.review.overdue", 2).await;
    assert!(items[0].text().await.contains("overdue"));
    browser
        .execute("document.getElementById(arguments[0]).scrollIntoView()", json!(["reviews-title"]))
        .await;
    let png = browser.screenshot().await;
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    std::fs::write(SCREENSHOT, png).unwrap();

    // Without a reason the server says what is missing; nothing is decided.
    let first = &items[0];
    let first_subject = first.attribute("data-subject").await.unwrap();
    first.find("button.approve").await.click().await;
    let missing = browser.text_when("#review-error", "a reason is asked for", |t| !t.is_empty()).await;
    assert!(missing.contains("Say why"), "{missing}");
    assert_eq!(browser.find_all("#review-list li.review").await.len(), 2);

    first.find("input.reason").await.type_text("stock and carrier check out").await;
    first.find("button.approve").await.click().await;
    let status = browser
        .text_when("#review-status", "the approval is reported", |t| t.contains("Approved"))
        .await;
    assert!(status.contains(&first_subject), "{status}");
    let rest = browser.count("#review-list li.review", 1).await;
    browser
        .text_when("#review-error", "the earlier error is cleared", str::is_empty)
        .await;
    eventually(Duration::from_secs(10), "the approved release reaches the WMS", || async {
        !wms.applied().is_empty()
    })
    .await;

    let second = &rest[0];
    let second_subject = second.attribute("data-subject").await.unwrap();
    assert_ne!(first_subject, second_subject);
    second.find("input.reason").await.type_text("customer asked to hold").await;
    second.find("button.reject").await.click().await;
    let status = browser
        .text_when("#review-status", "the rejection is reported", |t| t.contains("Rejected"))
        .await;
    assert!(status.contains(&second_subject), "{status}");
    browser.count("#review-list li.review", 0).await;

    // The API agrees, and names the ops key as the one who decided.
    let decided = |subject: String| {
        let h = &h;
        async move {
            let (_, all) = h.get(format!("/v1/reviews?status=all&subject={subject}")).await;
            let items = all["items"].as_array().unwrap().clone();
            assert_eq!(items.len(), 1, "{all}");
            items[0].clone()
        }
    };
    let approved = decided(first_subject.clone()).await;
    let by = format!("key:{ops_id}");
    assert_eq!(
        (
            approved["status"].as_str(),
            approved["decided_by"].as_str(),
            approved["reason"].as_str()
        ),
        (Some("executed"), Some(by.as_str()), Some("stock and carrier check out"))
    );
    let rejected = decided(second_subject).await;
    assert_eq!(
        (
            rejected["status"].as_str(),
            rejected["decided_by"].as_str(),
            rejected["reason"].as_str()
        ),
        (Some("rejected"), Some(by.as_str()), Some("customer asked to hold"))
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let applied = wms.applied();
    assert_eq!(applied.len(), 1, "exactly one wave went out: {applied:?}");
    assert_eq!(applied[0].body["orders"][0]["order_id"], first_subject.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rep_asks_the_copilot_from_the_dashboard() {
    let Some((chromium, chromedriver)) = browsers() else {
        return;
    };
    let h = Harness::start(|dir| {
        let mut config = crate::support::base_config(dir);
        config.nodes.clear();
        server::seed::configure(&mut config, &crate::support::acme());
        config
    })
    .await;
    server::seed::load(&h.store, &crate::support::acme(), jiff::Timestamp::now())
        .await
        .unwrap();
    let (_, rep) = key(&h, json!({"role": "service_rep", "tenants": ["acme"]})).await;
    let (_, planner) = key(&h, json!({"role": "integration", "tenants": ["acme"]})).await;

    let browser = Browser::start(chromium, chromedriver).await;
    browser.goto(&format!("{}/", h.base)).await;
    let use_key = |token: String| {
        let browser = &browser;
        async move {
            let input = browser.find("#key").await;
            input.clear().await;
            input.type_text(&token).await;
            browser.find("#save").await.click().await;
        }
    };
    let ask = |question: &'static str| {
        let browser = &browser;
        async move {
            let input = browser.find("#ask-question").await;
            input.clear().await;
            input.type_text(question).await;
            browser.find("#ask").await.click().await;
        }
    };
    use_key(rep).await;
    ask("where is order 1045?").await;
    let answer = browser
        .text_when("#ask-answer[role=status]", "the copilot answers", |t| !t.is_empty())
        .await;
    assert!(answer.contains("#1045") && answer.contains("1Z12345E0205271688"), "{answer}");
    let sources = browser.text_when("#ask-sources", "the sources are listed", |t| !t.is_empty()).await;
    assert!(sources.starts_with("Sources:") && sources.contains("order:"), "{sources}");
    // A role that may not ask is told so, in plain words, and the old answer goes.
    use_key(planner).await;
    ask("where is order 1045?").await;
    let refused = browser
        .text_when("#ask-error[role=alert]", "the integration key is refused", |t| !t.is_empty())
        .await;
    assert!(refused.contains("may not ask questions"), "{refused}");
    assert!(browser.find("#ask-answer").await.text().await.is_empty());
}
