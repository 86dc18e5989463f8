//! Fraud risk: a model trained on labelled orders scores each order, with a
//! level, a flag, per-feature contributions and an explanation in plain words.
//!
//! # Public API
//! - Features: [`extract`]`(&OrderData, &RiskContext) -> Result<Features, Error>`;
//!   [`RiskContext`] carries what the caller knows from live data (customer
//!   history, 24-hour velocity per email/phone/address/IP, risky lines).
//!   Every [`Feature`] is documented in `features.rs`.
//! - Scoring: [`RiskModel::default_model`]`() -> &'static RiskModel` (the
//!   shipped model), [`RiskModel::score`]`(&Features) -> RiskAssessment`, or
//!   [`assess`]`(&OrderData, &RiskContext, &RiskModel)` for both steps.
//!   [`RiskAssessment`] carries `score`, `level`, `flagged`, `contributions`,
//!   `explanation: Vec<Factor>`, `confidence` and the `model` version;
//!   [`MODEL`] names the feature schema and generator.
//! - Data: [`generate`]`(seed, n) -> Vec<Example>` (the documented synthetic
//!   process, see `dataset.rs`), [`to_csv`] / [`from_csv`] (text only; the
//!   CLI does the file I/O).
//! - Training: [`train`]`(&[Example], &TrainConfig, description)`,
//!   [`train_from_csv`]`(&str, &TrainConfig)` for `crossdock train risk --data
//!   FILE.csv` (errors name the line and column), both `-> Result<(RiskModel,
//!   TrainReport), Error>`; [`evaluate_default`]`() -> TrainReport` for
//!   `crossdock bench risk`; [`train_default`] rebuilds the shipped model.
//! - Retraining from outcomes: label examples with chargebacks, train, and
//!   [`RiskModel::compare`]`(old, new, held_out) -> Result<ComparisonReport, Error>`.
//! - Models are JSON: [`RiskModel::to_json`] / [`RiskModel::from_json`]
//!   (checked, so scoring a loaded model cannot fail).
//!
//! # How the models are built
//! Two learners, written here: L2-regularised logistic regression on
//! standardised features fitted by Newton's method ([`logistic`]), and
//! gradient-boosted trees of depth ≤ 3 with logistic loss, shrinkage and
//! histogram split search ([`gbdt`]). [`train`] splits seeded and stratified
//! (20% test; of the rest 25% validation), fits both on the fit part, keeps
//! the one with the higher validation PR-AUC, chooses its flagging threshold
//! on validation (maximum F1 by default) and reports ROC-AUC, PR-AUC, Brier
//! score and the confusion matrix on the held-out test part for both models
//! and for the hand rules of [`rules`].
//!
//! # The shipped model
//! `crates/engine/models/risk-default.json` is [`train_default`]'s output:
//! the default [`TrainConfig`] on `generate(seed=20261123, n=50000)`.
//! Regenerate it with
//! `CARGO_TARGET_DIR=/work/target-risk cargo test -p engine --release risk::tests::regenerate_default_model -- --ignored`;
//! `risk::tests::default_model_is_reproducible` retrains and checks every
//! metric and parameter against the file (within 1e-9).

mod dataset;
mod explain;
mod features;
pub mod gbdt;
pub mod logistic;
pub mod metrics;
mod rng;
pub mod rules;
mod scoring;
#[cfg(test)]
mod tests;
mod train;

use model::order::OrderData;

pub use dataset::{Example, LABEL_COLUMN, from_csv, generate, to_csv};
pub use features::{CustomerHistory, FEATURE_COUNT, Feature, Features, MAX_FEATURE_MAGNITUDE, NIGHT_HOURS, RiskContext, Velocity, extract};
pub use metrics::{Confusion, Evaluation, ThresholdPolicy};
pub use scoring::{ComparisonReport, Contribution, Level, ModelKind, ModelSummary, Predictor, RiskAssessment, RiskModel};
pub use train::{
    DEFAULT_EXAMPLES, DEFAULT_SEED, DataSummary, PartSize, ScorerReport, TrainConfig, TrainReport, evaluate_default, held_out, train,
    train_default, train_from_csv,
};

use crate::Error;

/// The risk decision's model family: feature schema and dataset generator
/// version. A trained model's own version (`RiskModel::version`) extends it.
pub const MODEL: &str = "risk/1";

/// Features of `order` under `ctx`, scored by `model`.
pub fn assess(order: &OrderData, ctx: &RiskContext, model: &RiskModel) -> Result<RiskAssessment, Error> {
    Ok(model.score(&extract(order, ctx)?))
}
