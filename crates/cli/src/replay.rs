//! `crossdock replay`: list dead letters of a running server and send them
//! again, through its HTTP API (the server owns the data directory).

use anyhow::{Context, bail};
use serde_json::{Value, json};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Base URL of the running server.
    #[arg(long, env = "CROSSDOCK_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Admin API key.
    #[arg(long, env = "CROSSDOCK_ADMIN_KEY", hide_env_values = true)]
    key: String,
    /// Only dead letters of this connection.
    #[arg(long)]
    connection: Option<String>,
    /// Only these messages (repeatable).
    #[arg(long = "id")]
    ids: Vec<u64>,
    /// List the dead letters with their reasons; replay nothing.
    #[arg(long)]
    list: bool,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let base = args.url.trim_end_matches('/');
    if args.list {
        let mut cursor: Option<String> = None;
        let mut count = 0;
        loop {
            let mut url = format!("{base}/v1/outbox?status=dead&limit=1000");
            if let Some(c) = &args.connection {
                url.push_str(&format!("&connection={c}"));
            }
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let page = call(client.get(&url).bearer_auth(&args.key)).await?;
            for m in page["items"].as_array().into_iter().flatten() {
                if !args.ids.is_empty() && !args.ids.iter().any(|id| m["id"].as_u64() == Some(*id)) {
                    continue;
                }
                count += 1;
                println!(
                    "{:>8}  {:<14} {:<24} {:<20} attempts={:<3} {}",
                    m["id"],
                    m["connection"].as_str().unwrap_or_default(),
                    m["kind"].as_str().unwrap_or_default(),
                    m["subject"].as_str().unwrap_or_default(),
                    m["attempts"],
                    m["last_error"].as_str().unwrap_or_default()
                );
            }
            match page["next"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        println!("{count} dead letter(s).");
        return Ok(());
    }
    let body = json!({"ids": args.ids, "connection": args.connection});
    let answer = call(client.post(format!("{base}/v1/outbox/replay")).bearer_auth(&args.key).json(&body)).await?;
    let replayed = answer["replayed"].as_array().map_or(0, Vec::len);
    println!("Replayed {replayed} dead letter(s); the dispatcher sends them now.");
    Ok(())
}

async fn call(request: reqwest::RequestBuilder) -> anyhow::Result<Value> {
    let response = request
        .send()
        .await
        .context("calling the crossdock server (is it running? see --url)")?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!(
            "the server answered {status}: {} {}",
            body["code"].as_str().unwrap_or_default(),
            body["message"].as_str().unwrap_or_default()
        );
    }
    Ok(body)
}
