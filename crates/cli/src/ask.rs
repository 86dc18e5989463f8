//! `crossdock ask "…"`: a question to the copilot of a running server, with
//! the caller's key (answers are scoped to what that key may see).

use anyhow::{Context, bail};
use serde_json::{Value, json};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The question, in plain words ("where is order 1001?").
    pub question: String,
    /// Post the answer as a private note on this helpdesk ticket.
    #[arg(long)]
    pub ticket: Option<String>,
    /// The tenant, when the key sees several.
    #[arg(long)]
    pub tenant: Option<String>,
    /// Base URL of the running server.
    #[arg(long, env = "CROSSDOCK_URL", default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// API key (its role needs the `ask` permission).
    #[arg(long, env = "CROSSDOCK_KEY", hide_env_values = true)]
    pub key: String,
    /// Print the whole answer (intent, slots, citations, data) as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let mut url = format!("{}/v1/ask", args.url.trim_end_matches('/'));
    if let Some(tenant) = &args.tenant {
        url.push_str(&format!("?tenant={tenant}"));
    }
    let body = json!({"question": args.question, "ticket_id": args.ticket});
    let response = reqwest::Client::new()
        .post(url)
        .bearer_auth(&args.key)
        .json(&body)
        .send()
        .await
        .context("calling the crossdock server (is it running? see --url)")?;
    let status = response.status();
    let text = response.text().await.context("reading the server's answer")?;
    if !status.is_success() {
        bail!("the server answered {status}: {}", text.trim());
    }
    let answer: Value = serde_json::from_str(&text).with_context(|| format!("the server answered with a body that is not JSON: {text}"))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
        return Ok(());
    }
    println!("{}", answer["answer"].as_str().unwrap_or_default());
    let citations: Vec<&str> = answer["citations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !citations.is_empty() {
        println!("\nSources: {}", citations.join(", "));
    }
    if let Some(note) = answer.get("note") {
        println!(
            "Ticket note: action {} ({})",
            note["action"],
            note["status"].as_str().unwrap_or("-")
        );
    }
    Ok(())
}
