//! `crossdock audit verify`: recomputes the audit trail's hash chain in a
//! data directory (read-only, safe beside a running server) and names the
//! first entry that was changed, deleted, inserted or reordered.

use std::path::PathBuf;

use anyhow::Context;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Verify the hash chain. Exits 1 when it does not hold.
    Verify {
        /// Data directory (default: server.data_dir of the configuration, else ./crossdock-data).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Path to crossdock.toml, to find the data directory.
        #[arg(long, env = "CROSSDOCK_CONFIG")]
        config: Option<PathBuf>,
        /// A head recorded earlier (`SEQ:HASH`, from a previous verify): the
        /// chain must still contain it, unchanged.
        #[arg(long)]
        expect_head: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Returns whether the chain holds.
pub fn run(command: Command) -> anyhow::Result<bool> {
    let Command::Verify {
        data,
        config,
        expect_head,
        json,
    } = command;
    let dir = match data {
        Some(dir) => dir,
        None => {
            let config = server::Config::load(config.as_deref(), &server::Overrides::default()).context("reading the configuration")?;
            config.server.data_dir
        }
    };
    let report = store::audit::verify_dir(&dir).with_context(|| format!("verifying the audit trail in {}", dir.display()))?;
    let mut ok = report.ok;
    let mut head_problem = None;
    if let Some(expected) = &expect_head {
        let (seq, hash) = expected
            .split_once(':')
            .and_then(|(s, h)| Some((s.parse::<u64>().ok()?, h.to_owned())))
            .context("--expect-head is SEQ:HASH, as printed by an earlier verify")?;
        let entries = store::audit::hash_at(&dir, seq).context("reading the expected head")?;
        if entries.as_deref() != Some(hash.as_str()) {
            ok = false;
            head_problem = Some(format!(
                "entry {seq} is {} — not the head recorded earlier ({hash}): the chain was rewritten or cut",
                entries.map_or_else(|| "missing".to_owned(), |h| format!("now {h}"))
            ));
        }
    }
    if json {
        let mut value = serde_json::to_value(&report)?;
        value["ok"] = serde_json::json!(ok);
        value["expected_head"] = serde_json::json!(head_problem);
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        let rate = report.entries as f64 / report.seconds.max(1e-9);
        match (&report.first_bad, &head_problem) {
            (None, None) => {
                println!(
                    "OK: {} audit entries verified in {:.3} s ({:.0} entries/s).",
                    report.entries, report.seconds, rate
                );
                if let Some(head) = &report.head {
                    println!("Head: {}:{}  (keep it; `--expect-head` checks it later)", head.seq, head.hash);
                }
            }
            (Some(bad), _) => {
                println!(
                    "FAILED at position {} ({}): {}. The {} entries before it verify.",
                    bad.position, bad.problem, bad.message, report.entries
                );
            }
            (None, Some(problem)) => println!("FAILED: {problem}."),
        }
    }
    Ok(ok)
}
