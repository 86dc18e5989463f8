//! `crossdock audit verify` on a real data directory written by `crossdock
//! serve`, then tampered with the way someone with access to the SQLite file
//! would: a field edited, a row deleted, two rows swapped.

mod common;

use common::{BIN, free_port, spawn_server, wait_ready};

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

fn write_config(dir: &Path, port: u16) -> std::path::PathBuf {
    common::write_config(dir, port, "audit-test-key", "")
}

/// Writes a trail through the API: key changes, autonomy changes, a login,
/// failed logins. Returns how many entries the server reports.
async fn write_trail(base: &str) -> usize {
    let client = reqwest::Client::new();
    let admin = |r: reqwest::RequestBuilder| r.bearer_auth("audit-test-key");
    for i in 0..6 {
        let mode = ["shadow", "assist", "auto"][i % 3];
        let r = admin(client.put(format!("{base}/v1/autonomy/release")))
            .json(&json!({"mode": mode}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let created: Value = admin(client.post(format!("{base}/v1/keys")))
        .json(&json!({"role": "planner", "tenants": ["acme"], "label": "audit test"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = created["key"].as_str().unwrap();
    assert_eq!(
        client
            .get(format!("{base}/v1/orders"))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    for _ in 0..3 {
        let r = client
            .get(format!("{base}/v1/orders"))
            .bearer_auth("not-the-key")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        admin(client.delete(format!("{base}/v1/keys/{id}"))).send().await.unwrap().status(),
        200
    );
    assert_eq!(
        client
            .get(format!("{base}/v1/orders"))
            .bearer_auth(key)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    // Failures and logins are audited off the request path: wait for them.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let page: Value = admin(client.get(format!("{base}/v1/audit?limit=1000")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = page["items"].as_array().unwrap();
        let failed = items.iter().filter(|e| e["action"] == "auth.failed").count();
        if failed >= 4 && items.iter().any(|e| e["action"] == "auth.login") {
            return items.len();
        }
        assert!(std::time::Instant::now() < deadline, "{items:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn verify(data: &Path) -> (bool, String) {
    let out = Command::new(BIN).args(["audit", "verify", "--data"]).arg(data).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

fn tampered(data: &Path, name: &str, sql: &str) -> std::path::PathBuf {
    let copy = data.parent().unwrap().join(name);
    std::fs::create_dir_all(&copy).unwrap();
    for file in ["crossdock.db", "crossdock.db-wal", "crossdock.db-shm"] {
        if data.join(file).exists() {
            std::fs::copy(data.join(file), copy.join(file)).unwrap();
        }
    }
    rusqlite::Connection::open(copy.join("crossdock.db"))
        .unwrap()
        .execute_batch(sql)
        .unwrap();
    copy
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_finds_every_kind_of_tampering_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), port);
    let mut child = spawn_server(&config);
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&base).await;
    let entries = write_trail(&base).await;
    assert!(entries >= 13, "{entries} entries");
    // The API's verify agrees with the CLI's.
    let report: Value = reqwest::Client::new()
        .get(format!("{base}/v1/audit/verify"))
        .bearer_auth("audit-test-key")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["ok"], true, "{report}");
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    tokio::task::spawn_blocking(move || child.wait().unwrap()).await.unwrap();

    let data = dir.path().join("data");
    let (ok, out) = verify(&data);
    assert!(ok, "{out}");
    assert!(out.starts_with(&format!("OK: {} audit entries", report["entries"])), "{out}");
    let head = out
        .lines()
        .find_map(|l| l.strip_prefix("Head: "))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();

    // An edited field.
    let edited = tampered(&data, "edited", "UPDATE audit SET actor = 'key:intruder' WHERE seq = 5");
    let (ok, out) = verify(&edited);
    assert!(!ok);
    assert!(out.contains("FAILED at position 5 (changed)"), "{out}");

    // A deleted row.
    let deleted = tampered(&data, "deleted", "DELETE FROM audit WHERE seq = 3");
    let (ok, out) = verify(&deleted);
    assert!(!ok);
    assert!(out.contains("FAILED at position 3"), "{out}");

    // Two rows swapped.
    let swapped = tampered(
        &data,
        "swapped",
        "UPDATE audit SET seq = -7 WHERE seq = 7; UPDATE audit SET seq = 7 WHERE seq = 8; UPDATE audit SET seq = 8 WHERE seq = -7;",
    );
    let (ok, out) = verify(&swapped);
    assert!(!ok);
    assert!(out.contains("FAILED at position 7"), "{out}");

    // The last entries cut off, and the recorded head rewritten to match:
    // only a head kept elsewhere shows it.
    let last = report["entries"].as_u64().unwrap();
    let cut = tampered(
        &data,
        "cut",
        &format!(
            "DELETE FROM audit WHERE seq = {last};
             UPDATE meta SET value = (SELECT seq || ':' || lower(hex(hash)) FROM audit ORDER BY seq DESC LIMIT 1) WHERE key = 'audit_head';"
        ),
    );
    assert!(verify(&cut).0, "the chain alone cannot show a rewritten head");
    let out = Command::new(BIN)
        .args(["audit", "verify", "--expect-head", &head, "--data"])
        .arg(&cut)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("not the head recorded earlier"));
    // The untouched directory still passes with the kept head.
    let out = Command::new(BIN)
        .args(["audit", "verify", "--expect-head", &head, "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}

/// `crossdock keys create|list|revoke` against a running server: the token
/// is printed once, works within its scope, and stops working when revoked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_created_listed_and_revoked_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = write_config(dir.path(), port);
    let mut child = spawn_server(&config);
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&base).await;
    let keys = |args: &[&str]| {
        let out = Command::new(BIN)
            .arg("keys")
            .args(args)
            .args(["--url", &base, "--key", "audit-test-key"])
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, err) = keys(&["create", "--role", "service_rep", "--tenant", "acme", "--label", "desk"]);
    assert!(ok, "{out}{err}");
    let token = out
        .lines()
        .find(|l| l.starts_with("cdk_"))
        .expect("the token is printed")
        .to_owned();
    assert!(out.contains("will not be shown again"));
    let client = reqwest::Client::new();
    let orders = client.get(format!("{base}/v1/orders")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(orders.status(), 200);
    // A service rep may not read the audit trail.
    let audit = client.get(format!("{base}/v1/audit")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(audit.status(), 403);
    let (ok, listed, _) = keys(&["list"]);
    assert!(ok && listed.contains("service_rep") && listed.contains("desk"), "{listed}");
    assert!(!listed.contains(&token), "a token is never listed");
    let (ok, bad, _) = keys(&["create", "--role", "wizard"]);
    assert!(!ok, "{bad}");
    let id = token.split('_').nth(1).unwrap().to_owned();
    let (ok, out, err) = keys(&["revoke", &id]);
    assert!(ok, "{out}{err}");
    let refused = client.get(format!("{base}/v1/orders")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "key_revoked");
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    tokio::task::spawn_blocking(move || child.wait().unwrap()).await.unwrap();
}
