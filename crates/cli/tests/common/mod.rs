//! What the binary's test files share: starting `crossdock serve` and
//! waiting for it.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_crossdock");

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts `crossdock serve --config CONFIG`; its log goes to `server.log`
/// beside the config, so a failing test can show it.
pub fn spawn_server(config: &Path) -> Child {
    let log = std::fs::File::create(config.with_file_name("server.log")).unwrap();
    Command::new(BIN)
        .args(["serve", "--config"])
        .arg(config)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap()
}

pub async fn wait_ready(base: &str) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server at {base} did not become ready");
}

/// Writes `crossdock.toml` in `dir` for a server on `port`: its data in
/// `dir/data`, the admin key `key` (from a file), tenant `acme` with node
/// `DC-EAST`, and `extra` tables appended.
pub fn write_config(dir: &Path, port: u16, key: &str, extra: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("admin.key"), format!("{key}\n")).unwrap();
    let config = format!(
        r#"[server]
listen = "127.0.0.1:{port}"
data_dir = "{data}"
admin_key = "file:{key_file}"

[tenants.acme]
name = "Acme"

[nodes.DC-EAST]
tenant = "acme"
kind = "dc"
{extra}"#,
        data = dir.join("data").display(),
        key_file = dir.join("admin.key").display()
    );
    let path = dir.join("crossdock.toml");
    std::fs::write(&path, config).unwrap();
    path
}
