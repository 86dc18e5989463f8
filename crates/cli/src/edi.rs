//! `crossdock edi parse|render`: X12 files to canonical JSON and back.

use std::path::PathBuf;

use anyhow::{Context, bail};
use connectors::edi::{self, Document, Envelope, Outcome, PartyId, Version};
use model::{Event, EventBody};
use serde_json::json;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Read an X12 file and print each transaction set as canonical JSON.
    /// Exits 2 when a transaction set is rejected.
    Parse {
        file: PathBuf,
        /// Connection name recorded as the events' source.
        #[arg(long, default_value = "edi")]
        connection: String,
        /// Node for inventory and receipt documents (846, 944, inbound 856).
        #[arg(long)]
        node: Option<String>,
        /// Also print the 997 crossdock would answer.
        #[arg(long)]
        ack: bool,
    },
    /// Write canonical events (`{"events": [...]}`, an array, or one event) as one X12 interchange.
    Render {
        file: PathBuf,
        /// Orders as 850 (purchase order) or 940 (warehouse shipping order); shipments as 856 or 945.
        #[arg(long, value_parser = ["850", "940", "856", "945"])]
        r#as: Option<String>,
        /// Sender as QUALIFIER:ID.
        #[arg(long, default_value = "ZZ:CROSSDOCK")]
        sender: String,
        /// Receiver as QUALIFIER:ID.
        #[arg(long, default_value = "ZZ:PARTNER")]
        receiver: String,
        /// Interchange and group control number.
        #[arg(long, default_value_t = 1)]
        control: u32,
        /// X12 release: 4010 or 5010.
        #[arg(long, default_value = "4010", value_parser = ["4010", "5010"])]
        version: String,
    },
}

pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Parse {
            file,
            connection,
            node,
            ack,
        } => parse(file, &connection, node, ack),
        Command::Render {
            file,
            r#as,
            sender,
            receiver,
            control,
            version,
        } => render(file, r#as.as_deref(), &sender, &receiver, control, &version),
    }
}

fn parse(file: PathBuf, connection: &str, node: Option<String>, ack: bool) -> anyhow::Result<()> {
    let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let now = jiff::Timestamp::now();
    let mut ctx = edi::MapContext::new(connection, now);
    if let Some(node) = node {
        ctx = ctx.with_node(model::NodeId::parse(&node).map_err(|e| anyhow::anyhow!("--node: {}", e.message))?);
    }
    let settings = edi::AckSettings {
        interchange_control: 1,
        group_control: 1,
        at: now.to_zoned(jiff::tz::TimeZone::UTC).datetime(),
        strictness: edi::Strictness::Strict,
    };
    let received = edi::receive(&bytes, &ctx, &settings).map_err(|e| {
        let e = connectors::Error::from(e);
        anyhow::anyhow!("{} is not a readable X12 interchange: {e}", file.display())
    })?;
    let mut rejected = false;
    let sets: Vec<serde_json::Value> = received
        .outcomes
        .iter()
        .map(|t| {
            let (status, events, error) = match &t.outcome {
                Outcome::Events(mapped) => ("mapped", json!(mapped.events), serde_json::Value::Null),
                Outcome::Acknowledgement(_) => ("acknowledgement", json!([]), serde_json::Value::Null),
                Outcome::Unsupported => ("unsupported", json!([]), serde_json::Value::Null),
                Outcome::Rejected(e) => {
                    rejected = true;
                    (
                        "rejected",
                        json!([]),
                        json!({"code": e.code(), "message": e.message, "field": e.field()}),
                    )
                }
            };
            json!({
                "interchange": t.interchange_control_number,
                "group": t.group_control_number,
                "set": t.set_id,
                "control_number": t.control_number,
                "status": status,
                "events": events,
                "error": error,
            })
        })
        .collect();
    let mut out = json!({ "transaction_sets": sets });
    if ack {
        out["ack"] = json!(received.ack);
    }
    emit(&serde_json::to_string_pretty(&out)?)?;
    if rejected {
        std::process::exit(2);
    }
    Ok(())
}

fn party(raw: &str, flag: &str) -> anyhow::Result<PartyId> {
    match raw.split_once(':') {
        Some((qualifier, id)) if qualifier.len() == 2 && !id.is_empty() && id.len() <= 15 => Ok(PartyId::new(qualifier, id)),
        _ => bail!("--{flag} must be QUALIFIER:ID, e.g. ZZ:ACME (2-character qualifier, id up to 15 characters); got `{raw}`"),
    }
}

fn render(file: PathBuf, as_set: Option<&str>, sender: &str, receiver: &str, control: u32, version: &str) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
    let list = match value {
        serde_json::Value::Object(mut o) if o.contains_key("events") => o.remove("events").unwrap_or_default(),
        serde_json::Value::Array(a) => serde_json::Value::Array(a),
        other => serde_json::Value::Array(vec![other]),
    };
    let events: Vec<Event> = serde_json::from_value(list).context("reading canonical events")?;
    let snapshots: Vec<model::event::InventorySnapshot> = events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::InventorySnapshot(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let mut documents = Vec::new();
    for (i, event) in events.iter().enumerate() {
        match (&event.body, as_set) {
            (EventBody::OrderCreated(o) | EventBody::OrderUpdated(o), Some("940")) => documents.push(Document::ShippingOrder(o)),
            (EventBody::OrderCreated(o) | EventBody::OrderUpdated(o), _) => documents.push(Document::PurchaseOrder(o)),
            (EventBody::OrderShipped(s), Some("945")) => documents.push(Document::ShippingAdvice(s)),
            (EventBody::OrderShipped(s), _) => documents.push(Document::ShipNotice(s)),
            (EventBody::InventorySnapshot(_), _) => {}
            (other, _) => bail!(
                "event {i} (`{}`) has no X12 form crossdock writes; supported: order.created, order.updated, order.shipped, inventory.snapshot",
                other.kind().as_str()
            ),
        }
    }
    if !snapshots.is_empty() {
        documents.push(Document::InventoryAdvice(&snapshots));
    }
    if documents.is_empty() {
        bail!("{} holds no events", file.display());
    }
    let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).datetime();
    let mut envelope = Envelope::new(party(sender, "sender")?, party(receiver, "receiver")?, control, control, now);
    if version == "5010" {
        envelope = envelope.with_version(Version::V5010);
    }
    let x12 = edi::render(&envelope, &documents).map_err(|e| anyhow::anyhow!("{}", connectors::Error::from(e)))?;
    emit(&x12)
}

/// Writes to stdout; a reader that went away (`| head`) is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
