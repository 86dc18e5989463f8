//! `crossdock train risk`: train the fraud risk model on a labelled CSV, or
//! write the documented synthetic dataset the shipped model was trained on.

use std::path::PathBuf;

use anyhow::Context;
use engine::risk::{RiskModel, TrainConfig};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Train the risk model and report ROC-AUC, PR-AUC and the confusion
    /// matrix on a held-out split, with the current model compared on it.
    Risk {
        /// Labelled examples: one column per feature and `label` (0/1);
        /// `--write-dataset` shows the format.
        #[arg(long, required_unless_present_any = ["write_dataset", "from_server"])]
        data: Option<PathBuf>,
        /// Train on the outcomes a running server accumulated: its risk
        /// decisions labelled by chargebacks (`GET /v1/risk/training-data`).
        #[arg(long, conflicts_with = "data")]
        from_server: bool,
        /// Base URL of the running server (with `--from-server`).
        #[arg(long, env = "CROSSDOCK_URL", default_value = "http://127.0.0.1:8080")]
        url: String,
        /// Admin API key (with `--from-server`).
        #[arg(long, env = "CROSSDOCK_ADMIN_KEY", hide_env_values = true)]
        key: Option<String>,
        /// Where to write the trained model (JSON). Point `[decisions] risk_model` at it.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The model to compare with (default: the one shipped in the binary).
        #[arg(long)]
        current: Option<PathBuf>,
        /// Instead of training: write the synthetic dataset the shipped model was
        /// trained on (seed 20261123, 50,000 examples) to this file.
        #[arg(long, conflicts_with = "data")]
        write_dataset: Option<PathBuf>,
        /// Seed of the train/validation/test split.
        #[arg(long, default_value_t = TrainConfig::default().seed)]
        seed: u64,
        /// Print the reports as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(command: Command) -> anyhow::Result<()> {
    let Command::Risk {
        data,
        from_server,
        url,
        key,
        out,
        current,
        write_dataset,
        seed,
        json,
    } = command;
    if let Some(path) = write_dataset {
        let examples = engine::risk::generate(20_261_123, 50_000);
        std::fs::write(&path, engine::risk::to_csv(&examples)).with_context(|| format!("writing {}", path.display()))?;
        println!("Wrote {} examples to {}.", examples.len(), path.display());
        return Ok(());
    }
    let (path, text) = if from_server {
        let source = format!("{}/v1/risk/training-data", url.trim_end_matches('/'));
        let key = key.context("--from-server needs the admin key (--key or CROSSDOCK_ADMIN_KEY)")?;
        let response = reqwest::Client::new()
            .get(&source)
            .bearer_auth(key)
            .send()
            .await
            .with_context(|| format!("calling {source} (is the server running?)"))?;
        anyhow::ensure!(response.status().is_success(), "{source} answered {}", response.status());
        (PathBuf::from(source), response.text().await?)
    } else {
        let path = data.expect("clap requires --data");
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        (path, text)
    };
    let config = TrainConfig {
        seed,
        ..TrainConfig::default()
    };
    let (model, report) = engine::risk::train_from_csv(&text, &config).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let old = match &current {
        Some(p) => RiskModel::from_json(&std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?)
            .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
        None => RiskModel::default_model().clone(),
    };
    // Compare on the same held-out examples the new model never saw.
    let examples = engine::risk::from_csv(&text).map_err(|e| anyhow::anyhow!("{e}"))?;
    let held_out = engine::risk::held_out(&examples, &config).map_err(|e| anyhow::anyhow!("{e}"))?;
    let comparison = RiskModel::compare(&old, &model, &held_out).map_err(|e| anyhow::anyhow!("{e}"))?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"report": report, "comparison": comparison}))?
        );
    } else {
        println!("{}", serde_json::to_string_pretty(&report)?);
        println!("{}", serde_json::to_string_pretty(&comparison)?);
    }
    if let Some(out) = out {
        std::fs::write(&out, model.to_json()).with_context(|| format!("writing {}", out.display()))?;
        eprintln!("Model written to {}.", out.display());
    }
    Ok(())
}
