//! `crossdock import`: bulk import of files into a running server, through
//! its HTTP API (the server owns the data directory).
//!
//! Every file is read and checked before anything is sent, so a file that
//! cannot be read stops the import before it starts. Events go in batches
//! to `POST /v1/events`; EDI files go whole to `POST /edi/{connection}`.
//! Event ids are derived from the content, so an import that stopped half
//! way can be run again: what was stored is skipped as duplicates.

mod client;
mod csv;
mod edi;
mod report;
mod shopify;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use model::Event;

use client::{Answer, Client, Refusal, Retry};
use report::{Progress, Rejection, Summary, Tally};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Base URL of the running server.
    #[arg(long, env = "CROSSDOCK_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Admin API key.
    #[arg(long, env = "CROSSDOCK_ADMIN_KEY", hide_env_values = true)]
    key: Option<String>,
    /// The connection the data comes from: the events' `source` (default
    /// `shopify-import` for orders, `csv-import` for inventory). Required for
    /// EDI: the server's EDI connection the files are posted to.
    #[arg(long)]
    connection: Option<String>,
    /// Format of the files; `auto` decides per file by extension and content.
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    format: Format,
    /// Events per request to `POST /v1/events` (at most the server's `max_batch_events`).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u16).range(1..))]
    batch: u16,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
    /// Files to import.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Auto,
    /// A Shopify order export: `{"orders": [...]}`, `{"order": {...}}` or an array.
    ShopifyOrders,
    /// `sku,node,on_hand[,unit][,as_of]` with a header row.
    InventoryCsv,
    /// X12 interchanges.
    Edi,
}

impl Format {
    fn as_str(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::ShopifyOrders => "shopify-orders",
            Format::InventoryCsv => "inventory-csv",
            Format::Edi => "edi",
        }
    }
}

/// One event to send, and how to name it to a person.
#[derive(Debug)]
pub struct Item {
    /// `line 7`, `order #1001 (450789469)`.
    pub at: String,
    pub event: Event,
}

/// What reading a file gave: events to send and what could not become one.
#[derive(Debug, Default)]
pub struct Parsed {
    pub items: Vec<Item>,
    pub rejected: Vec<Rejection>,
}

/// A file read and checked, ready to send.
struct Planned {
    name: String,
    format: Format,
    work: Work,
}

enum Work {
    Events(Parsed),
    Edi { bytes: Vec<u8>, sets: Option<u64> },
}

impl Planned {
    /// Progress units: events, or transaction sets.
    fn size(&self) -> u64 {
        match &self.work {
            Work::Events(p) => p.items.len() as u64,
            Work::Edi { sets, .. } => sets.unwrap_or(1),
        }
    }
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let mut plan = Vec::with_capacity(args.files.len());
    for path in &args.files {
        plan.push(read(path, args.format, args.connection.as_deref()).with_context(|| format!("reading {}", path.display()))?);
    }
    let edi_connection = match (plan.iter().find(|p| p.format == Format::Edi), &args.connection) {
        (Some(p), None) => bail!(
            "{} is EDI: --connection is required, naming the server's EDI connection (`[connections.NAME] kind = \"edi\"`)",
            p.name
        ),
        (_, connection) => connection.clone().unwrap_or_default(),
    };
    let client = Client::new(&args.url, args.key.clone(), Retry::default())?;
    let mut progress = Progress::new(plan.iter().map(Planned::size).sum());
    let mut summary = Summary::default();
    let mut failure = None;
    for (n, file) in plan.into_iter().enumerate() {
        summary.start_file(&file.name, file.format.as_str());
        let items = file.size()
            + match &file.work {
                Work::Events(parsed) => parsed.rejected.len() as u64,
                Work::Edi { .. } => 0,
            };
        let sent = match file.work {
            Work::Events(parsed) => {
                for rejection in parsed.rejected {
                    summary.reject(rejection);
                }
                send_events(
                    &client,
                    &file.name,
                    &parsed.items,
                    usize::from(args.batch),
                    &mut summary,
                    &mut progress,
                )
                .await
            }
            Work::Edi { bytes, sets } => send_edi(&client, &edi_connection, &file.name, &bytes, sets, &mut summary, &mut progress).await,
        };
        if let Err(e) = sent {
            let done = summary
                .files
                .last()
                .map_or(0, |f| f.tally.accepted + f.tally.duplicates + f.tally.rejected);
            failure = Some(e.context(format!(
                "stopped in {} (file {} of {}) after {done} of its {items} item(s); the {} event(s) accepted so far are stored. \
                 Event ids are derived from the content, so running the same import again is safe: what was stored is skipped \
                 as a duplicate",
                file.name,
                n + 1,
                args.files.len(),
                summary.total.accepted
            )));
            break;
        }
    }
    progress.finish();
    summary.error = failure.as_ref().map(|e| format!("{e:#}"));
    let text = if args.json {
        serde_json::to_string_pretty(&summary)? + "\n"
    } else {
        summary.render_text()
    };
    print(&text)?;
    if let Some(e) = failure {
        return Err(e);
    }
    if summary.total.rejected > 0 {
        std::process::exit(2);
    }
    Ok(())
}

fn read(path: &Path, format: Format, connection: Option<&str>) -> anyhow::Result<Planned> {
    let bytes = std::fs::read(path)?;
    let name = path.display().to_string();
    let format = match format {
        Format::Auto => detect(path, &bytes)?,
        other => other,
    };
    let work = match format {
        Format::ShopifyOrders => {
            Work::Events(shopify::parse(&name, &bytes, connection.unwrap_or("shopify-import")).map_err(anyhow::Error::msg)?)
        }
        Format::InventoryCsv => {
            let text = std::str::from_utf8(&bytes).map_err(|e| anyhow::anyhow!("not UTF-8 text (byte {})", e.valid_up_to()))?;
            // Ids hash the file's name, not where it sits: the same file
            // imported from another directory is still a duplicate.
            let file_name = path.file_name().map_or(name.clone(), |n| n.to_string_lossy().into_owned());
            let as_of = std::fs::metadata(path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| jiff::Timestamp::try_from(t).ok())
                .unwrap_or_else(jiff::Timestamp::now);
            let mut parsed = csv::parse(&file_name, text, connection.unwrap_or("csv-import"), as_of).map_err(anyhow::Error::msg)?;
            for r in &mut parsed.rejected {
                r.file.clone_from(&name);
            }
            Work::Events(parsed)
        }
        Format::Edi => Work::Edi {
            sets: edi::count_sets(&bytes),
            bytes,
        },
        Format::Auto => unreachable!("detected above"),
    };
    Ok(Planned { name, format, work })
}

/// `.csv` is inventory; `ISA` opens X12; JSON is a Shopify export.
fn detect(path: &Path, bytes: &[u8]) -> anyhow::Result<Format> {
    let extension = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    if extension.as_deref() == Some("csv") {
        return Ok(Format::InventoryCsv);
    }
    let content = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let content = &content[content.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(content.len())..];
    if content.starts_with(b"ISA") {
        Ok(Format::Edi)
    } else if content.starts_with(b"{") || content.starts_with(b"[") {
        Ok(Format::ShopifyOrders)
    } else {
        bail!("cannot tell its format (not .csv, not X12 starting with ISA, not JSON); say it with --format")
    }
}

async fn send_events(
    client: &Client,
    file: &str,
    items: &[Item],
    batch: usize,
    summary: &mut Summary,
    progress: &mut Progress,
) -> anyhow::Result<()> {
    for chunk in items.chunks(batch) {
        let all: Vec<&Item> = chunk.iter().collect();
        let refusal = match client.post_events(&events(&all)).await? {
            Answer::Done(receipt) => {
                summary.count(counted(receipt));
                progress.advance(chunk.len() as u64);
                continue;
            }
            Answer::Refused(refusal) => refusal,
        };
        // A batch is stored whole or not at all, so one bad event holds back
        // the rest: set aside the one the server named and send the others.
        let mut rest = all;
        if let Some(bad) = named_index(&refusal).filter(|i| *i < rest.len()) {
            summary.reject(rejection(file, rest.remove(bad), refusal));
            progress.advance(1);
            if rest.is_empty() {
                continue;
            }
            match client.post_events(&events(&rest)).await? {
                Answer::Done(receipt) => {
                    summary.count(counted(receipt));
                    progress.advance(rest.len() as u64);
                    continue;
                }
                Answer::Refused(_) => {}
            }
        }
        for item in rest {
            match client.post_events(&[&item.event]).await? {
                Answer::Done(receipt) => summary.count(counted(receipt)),
                Answer::Refused(refusal) => summary.reject(rejection(file, item, refusal)),
            }
            progress.advance(1);
        }
    }
    Ok(())
}

fn events<'a>(items: &[&'a Item]) -> Vec<&'a Event> {
    items.iter().map(|i| &i.event).collect()
}

fn counted(receipt: client::Receipt) -> Tally {
    Tally {
        accepted: receipt.accepted,
        duplicates: receipt.duplicates,
        rejected: 0,
    }
}

/// `events[3].data.sku` → 3.
fn named_index(refusal: &Refusal) -> Option<usize> {
    refusal.field.as_deref()?.strip_prefix("events[")?.split_once(']')?.0.parse().ok()
}

/// The server's refusal of one item; its field without the batch's
/// `events[i].data.` prefix, which means nothing to the file's author.
fn rejection(file: &str, item: &Item, refusal: Refusal) -> Rejection {
    let field = refusal.field.map(|f| {
        let inner = match f.strip_prefix("events[").and_then(|r| r.split_once("].")) {
            Some((_, inner)) => inner.to_owned(),
            None => f,
        };
        inner.strip_prefix("data.").map(str::to_owned).unwrap_or(inner)
    });
    Rejection {
        file: file.to_owned(),
        at: item.at.clone(),
        code: refusal.code,
        message: refusal.message,
        field,
    }
}

async fn send_edi(
    client: &Client,
    connection: &str,
    file: &str,
    bytes: &[u8],
    sets: Option<u64>,
    summary: &mut Summary,
    progress: &mut Progress,
) -> anyhow::Result<()> {
    match client.post_edi(connection, bytes).await? {
        Answer::Done(ack) => {
            let verdict = edi::read_ack(file, sets, &ack)?;
            summary.count(verdict.tally);
            for reason in verdict.reasons {
                summary.list(reason);
            }
        }
        // Refused before any 997 was written (not X12 at all, or events the
        // server's configuration refuses): nothing of the file was taken.
        Answer::Refused(refusal) => {
            summary.count(Tally {
                rejected: sets.unwrap_or(1).max(1),
                ..Tally::default()
            });
            summary.list(Rejection {
                file: file.to_owned(),
                at: "whole file".to_owned(),
                code: refusal.code,
                message: refusal.message,
                field: refusal.field,
            });
        }
    }
    progress.advance(sets.unwrap_or(1));
    Ok(())
}

/// Writes to stdout; a reader that went away (`| head`) is not an error.
fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_is_told_by_extension_then_content() {
        let f = |name: &str, content: &str| detect(Path::new(name), content.as_bytes()).map_err(|e| e.to_string());
        assert_eq!(f("stock.CSV", "{").unwrap(), Format::InventoryCsv);
        assert_eq!(f("po.txt", "\u{feff}\n ISA*00*").unwrap(), Format::Edi);
        assert_eq!(f("export", " {\"orders\": []}").unwrap(), Format::ShopifyOrders);
        assert_eq!(f("export.json", "[]").unwrap(), Format::ShopifyOrders);
        assert!(f("notes.txt", "hello").unwrap_err().contains("--format"));
    }

    #[test]
    fn a_refusal_names_the_item_and_the_field_inside_it() {
        let refusal = Refusal {
            status: 422,
            code: "unknown_node".into(),
            message: "Node `DC-WEST` is not configured.".into(),
            field: Some("events[12].data.node".into()),
        };
        assert_eq!(named_index(&refusal), Some(12));
        let item = Item {
            at: "line 14".into(),
            event: serde_json::from_value(serde_json::json!({"event_id": "e", "occurred_at": "2026-05-15T10:00:00Z",
                "type": "inventory.snapshot", "data": {"sku": "A", "node": "DC-WEST", "on_hand": 1}}))
            .unwrap(),
        };
        let r = rejection("stock.csv", &item, refusal);
        assert_eq!((r.at.as_str(), r.field.as_deref()), ("line 14", Some("node")));
        let whole = Refusal {
            status: 413,
            code: "batch_too_large".into(),
            message: "Split it.".into(),
            field: Some("events".into()),
        };
        assert_eq!(named_index(&whole), None);
    }
}
