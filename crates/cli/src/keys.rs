//! `crossdock keys`: create, list and revoke API keys of a running server,
//! through its HTTP API (the server owns the data directory).

use anyhow::{Context, bail};
use serde_json::{Map, Value, json};
use server::auth::Role;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create an API key. Its token is printed once and never again.
    Create {
        #[command(flatten)]
        server: Server,
        /// What the key may do: admin, ops, planner, service_rep, b2b_client, integration or agent.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Restrict to this tenant (repeatable; none: every tenant).
        #[arg(long = "tenant", value_name = "TENANT")]
        tenants: Vec<String>,
        /// Restrict to this B2B customer account (repeatable).
        #[arg(long = "client", value_name = "CLIENT")]
        clients: Vec<String>,
        /// Restrict to nodes in this region (repeatable).
        #[arg(long = "region", value_name = "REGION")]
        regions: Vec<String>,
        /// Restrict to this node (repeatable).
        #[arg(long = "node", value_name = "NODE")]
        nodes: Vec<String>,
        /// A note on who or what holds the key.
        #[arg(long)]
        label: Option<String>,
    },
    /// List the API keys (revoked ones included), without their tokens.
    List {
        #[command(flatten)]
        server: Server,
    },
    /// Revoke an API key: requests with it are refused from now on.
    Revoke {
        #[command(flatten)]
        server: Server,
        /// The key id (the 12 hex characters after `cdk_`), or the whole key.
        #[arg(value_parser = parse_id)]
        id: String,
    },
}

/// Where the server is and the key to manage keys with.
#[derive(Debug, clap::Args)]
pub struct Server {
    /// Base URL of the running server.
    #[arg(long, env = "CROSSDOCK_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Admin API key (or another key with the manage_keys permission).
    #[arg(long, env = "CROSSDOCK_ADMIN_KEY", hide_env_values = true)]
    key: String,
}

fn parse_role(name: &str) -> Result<Role, String> {
    Role::parse(name).ok_or_else(|| format!("unknown role `{name}`; one of: {}", Role::names()))
}

fn parse_id(value: &str) -> Result<String, String> {
    if let Some(id) = server::auth::keys::parse_token(value) {
        return Ok(id.to_owned());
    }
    if value.len() == 12 && value.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Ok(value.to_owned());
    }
    Err(format!(
        "`{value}` is not a key id: 12 lowercase hex characters, as `crossdock keys list` shows them"
    ))
}

pub async fn run(command: Command) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    match command {
        Command::Create {
            server,
            role,
            tenants,
            clients,
            regions,
            nodes,
            label,
        } => {
            let mut body = Map::new();
            body.insert("role".into(), json!(role));
            for (name, list) in [("tenants", tenants), ("clients", clients), ("regions", regions), ("nodes", nodes)] {
                if !list.is_empty() {
                    body.insert(name.into(), json!(list));
                }
            }
            if let Some(label) = label {
                body.insert("label".into(), json!(label));
            }
            let created = call(client.post(server.endpoint("/v1/keys")).bearer_auth(&server.key).json(&body)).await?;
            let Some(token) = created["key"].as_str() else {
                bail!("the server answered without a key: {created}");
            };
            println!(
                "Created API key {} (role {}, {}).",
                text(&created["id"]),
                text(&created["role"]),
                scope(&created["scope"])
            );
            println!("{token}");
            println!("Store it now: this key will not be shown again.");
        }
        Command::List { server } => {
            let mut rows = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                // Cursors are opaque, URL-safe tokens of the server's (as in `replay`).
                let url = match &cursor {
                    Some(c) => server.endpoint(&format!("/v1/keys?cursor={c}")),
                    None => server.endpoint("/v1/keys"),
                };
                let page = call(client.get(url).bearer_auth(&server.key)).await?;
                rows.extend(page["items"].as_array().into_iter().flatten().cloned());
                match page["next"].as_str() {
                    Some(next) => cursor = Some(next.to_owned()),
                    None => break,
                }
            }
            print!("{}", table(&rows));
            println!("{} key(s).", rows.len());
        }
        Command::Revoke { server, id } => {
            let url = server.endpoint(&format!("/v1/keys/{id}"));
            let revoked = call(client.delete(url).bearer_auth(&server.key)).await?;
            println!("Revoked API key {} at {}.", text(&revoked["id"]), text(&revoked["revoked_at"]));
        }
    }
    Ok(())
}

impl Server {
    fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.url.trim_end_matches('/'))
    }
}

/// The JSON answer of a successful call; a refusal is reported with the
/// server's error body as it came (`{code, message, field}`).
async fn call(request: reqwest::RequestBuilder) -> anyhow::Result<Value> {
    let response = request
        .send()
        .await
        .context("calling the crossdock server (is it running? see --url)")?;
    let status = response.status();
    let body = response.text().await.context("reading the server's answer")?;
    if !status.is_success() {
        bail!("the server answered {status}: {}", body.trim());
    }
    serde_json::from_str(&body).with_context(|| format!("the server answered {status} with a body that is not JSON: {body}"))
}

/// A string field as text, `-` when absent or null.
fn text(value: &Value) -> String {
    match value {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `tenants=acme clients=B2B-1,B2B-2`, or `unrestricted`.
fn scope(value: &Value) -> String {
    let parts: Vec<String> = ["tenants", "clients", "regions", "nodes"]
        .into_iter()
        .filter_map(|name| {
            let items = value[name].as_array()?;
            Some(format!("{name}={}", items.iter().map(text).collect::<Vec<_>>().join(",")))
        })
        .collect();
    if parts.is_empty() { "unrestricted".into() } else { parts.join(" ") }
}

/// Keys as an aligned table, one per line, with a header.
fn table(keys: &[Value]) -> String {
    let header = ["ID", "ROLE", "SCOPE", "LABEL", "CREATED", "CREATED BY", "LAST USED", "REVOKED"].map(String::from);
    let rows: Vec<[String; 8]> = keys
        .iter()
        .map(|k| {
            [
                text(&k["id"]),
                text(&k["role"]),
                scope(&k["scope"]),
                text(&k["label"]),
                text(&k["created_at"]),
                text(&k["created_by"]),
                text(&k["last_used_at"]),
                text(&k["revoked_at"]),
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row.iter().zip(widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_summary_names_each_restriction() {
        assert_eq!(scope(&json!({})), "unrestricted");
        assert_eq!(scope(&Value::Null), "unrestricted");
        assert_eq!(
            scope(&json!({"tenants": ["acme"], "clients": ["B2B-1", "B2B-2"]})),
            "tenants=acme clients=B2B-1,B2B-2"
        );
    }

    #[test]
    fn table_aligns_columns_and_shows_missing_values_as_dashes() {
        let keys = [
            json!({"id": "0a1b2c3d4e5f", "role": "ops", "scope": {}, "label": "night shift", "created_at": "2026-01-02T03:04:05Z",
                   "created_by": "admin", "revoked_at": null, "last_used_at": null}),
            json!({"id": "ffffffffffff", "role": "b2b_client", "scope": {"clients": ["B2B-1"]}, "label": null,
                   "created_at": "2026-01-03T00:00:00Z", "created_by": "key:0a1b2c3d4e5f", "revoked_at": "2026-01-04T00:00:00Z",
                   "last_used_at": "2026-01-03T12:00:00Z"}),
        ];
        let out = table(&keys);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("ID            ROLE        SCOPE"), "{out}");
        assert!(lines[1].contains("unrestricted") && lines[1].contains("night shift"), "{out}");
        assert!(
            lines[2].contains("clients=B2B-1") && lines[2].contains("2026-01-04T00:00:00Z"),
            "{out}"
        );
        // Every column starts at the same offset on every line.
        let role_at = lines[0].find("ROLE").unwrap();
        assert_eq!(&lines[1][role_at..role_at + 3], "ops");
        assert_eq!(&lines[2][role_at..role_at + 10], "b2b_client");
        let last_used_at = lines[0].find("LAST USED").unwrap();
        assert_eq!(&lines[1][last_used_at..last_used_at + 1], "-");
    }

    #[test]
    fn revoke_takes_an_id_or_a_whole_key() {
        assert_eq!(parse_id("0a1b2c3d4e5f").as_deref(), Ok("0a1b2c3d4e5f"));
        let key = server::auth::keys::generate();
        assert_eq!(parse_id(&key.token), Ok(key.id));
        for bad in ["", "0A1B2C3D4E5F", "0a1b2c3d4e5", "../v1/orders", "0a1b2c3d4e5f?x=1"] {
            let err = parse_id(bad).unwrap_err();
            assert!(err.contains("12 lowercase hex"), "{bad:?}: {err}");
        }
    }

    #[test]
    fn unknown_roles_are_refused_with_the_list() {
        assert_eq!(parse_role("b2b_client"), Ok(Role::B2bClient));
        let err = parse_role("root").unwrap_err();
        assert!(err.contains("`root`") && err.contains("service_rep"), "{err}");
    }
}
