//! Training and evaluation: a seeded stratified split, both models fitted,
//! the better one on validation chosen, thresholds set on validation, and
//! everything reported on the held-out test part, beside the rules baseline.
//!
//! The split: positives and negatives are shuffled separately (seeded), and
//! `test_fraction` of each is held out for the test; `validation_fraction`
//! of the rest is the validation part, the remainder the fit part. Models
//! are fitted on the fit part only. The model with the higher PR-AUC on
//! validation is chosen (logistic regression on a tie: it is simpler); its
//! flagging threshold is chosen on validation by the configured
//! [`ThresholdPolicy`] (default: maximum F1), and its review threshold (the
//! `medium` level) is the lowest score flagging at most
//! `review_false_positive_rate` of validation's legitimate orders. The test
//! part is looked at only to report.

use serde::{Deserialize, Serialize};

use super::dataset::{Example, from_csv, generate};
use super::features::FEATURE_COUNT;
use super::gbdt::{Gbdt, GbdtConfig};
use super::logistic::{Logistic, LogisticConfig, sigmoid};
use super::metrics::{Evaluation, ThresholdPolicy, average_precision, choose_threshold, roc_auc};
use super::rng::Rng;
use super::rules;
use super::scoring::{ModelKind, Predictor, RiskModel};
use crate::Error;

/// Seed of the dataset the default model is trained on.
pub const DEFAULT_SEED: u64 = 20261123;
/// Size of the dataset the default model is trained on.
pub const DEFAULT_EXAMPLES: usize = 50_000;

/// Each part of the split needs at least this many examples of each class.
const MIN_PER_CLASS: usize = 2;

/// How [`train`] splits, fits and sets thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Seed of the train/validation/test split.
    pub seed: u64,
    /// Share of each class held out for the test report.
    pub test_fraction: f64,
    /// Share of each class's remaining examples used for model choice and thresholds.
    pub validation_fraction: f64,
    /// How the flagging threshold is chosen on validation.
    pub threshold_policy: ThresholdPolicy,
    /// Share of legitimate validation orders at or above the review
    /// threshold (the `medium` level).
    pub review_false_positive_rate: f64,
    pub logistic: LogisticConfig,
    pub gbdt: GbdtConfig,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            seed: 7,
            test_fraction: 0.2,
            validation_fraction: 0.25,
            threshold_policy: ThresholdPolicy::MaxF1,
            review_false_positive_rate: 0.05,
            logistic: LogisticConfig::default(),
            gbdt: GbdtConfig::default(),
        }
    }
}

impl TrainConfig {
    fn validate(&self) -> Result<(), Error> {
        for (field, v) in [
            ("test_fraction", self.test_fraction),
            ("validation_fraction", self.validation_fraction),
        ] {
            if !(v > 0.0 && v < 1.0) {
                return Err(Error::invalid(field, format!("{field} must be strictly between 0 and 1; got {v}.")));
            }
        }
        for (field, rate) in [
            ("review_false_positive_rate", Some(self.review_false_positive_rate)),
            (
                "threshold_policy.rate",
                match self.threshold_policy {
                    ThresholdPolicy::MaxFalsePositiveRate { rate } => Some(rate),
                    ThresholdPolicy::MaxF1 => None,
                },
            ),
        ] {
            if let Some(rate) = rate
                && !(0.0..=1.0).contains(&rate)
            {
                return Err(Error::invalid(field, format!("A false-positive rate is in 0–1; got {rate}.")));
            }
        }
        self.logistic.validate()?;
        self.gbdt.validate()
    }
}

/// How many examples, and how many frauds, a part holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartSize {
    pub examples: usize,
    pub positives: usize,
}

/// What the model was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSummary {
    /// Where the examples came from, e.g. `generate(seed=20261123, n=50000)`.
    pub description: String,
    pub all: PartSize,
    /// Share of frauds.
    pub prevalence: f64,
    pub fit: PartSize,
    pub validation: PartSize,
    pub test: PartSize,
}

/// One scorer's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScorerReport {
    pub validation_roc_auc: f64,
    pub validation_pr_auc: f64,
    /// On the held-out test part, at the threshold chosen on validation.
    pub test: Evaluation,
}

/// What [`train`] did and measured. Test figures are on the held-out part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    pub data: DataSummary,
    pub config: TrainConfig,
    /// The model with the higher validation PR-AUC.
    pub chosen: ModelKind,
    pub logistic: ScorerReport,
    pub gbdt: ScorerReport,
    /// The hand rules of [`rules::RULES`], scored by how many fire.
    pub rules: ScorerReport,
}

impl TrainReport {
    /// The chosen model's report.
    pub fn chosen_report(&self) -> &ScorerReport {
        match self.chosen {
            ModelKind::LogisticRegression => &self.logistic,
            ModelKind::GradientBoostedTrees => &self.gbdt,
        }
    }
}

struct Part {
    rows: Vec<[f64; FEATURE_COUNT]>,
    labels: Vec<bool>,
}

impl Part {
    fn of(examples: &[Example], mut indices: Vec<usize>) -> Part {
        // Index order, so the fit does not depend on the shuffle's order.
        indices.sort_unstable();
        Part {
            rows: indices.iter().map(|&i| *examples[i].features.values()).collect(),
            labels: indices.iter().map(|&i| examples[i].label).collect(),
        }
    }

    fn size(&self) -> PartSize {
        PartSize {
            examples: self.labels.len(),
            positives: self.labels.iter().filter(|&&l| l).count(),
        }
    }
}

/// Splits, fits both models, chooses one, and reports; `description` says
/// where the examples came from. Errors: an invalid config (the field is
/// named), or too few examples of a class for every part to hold both.
pub fn train(examples: &[Example], config: &TrainConfig, description: &str) -> Result<(RiskModel, TrainReport), Error> {
    config.validate()?;
    let (fit, validation, test) = split(examples, config)?;

    let logistic = Logistic::fit(&fit.rows, &fit.labels, &config.logistic);
    let gbdt = Gbdt::fit(&fit.rows, &fit.labels, &config.gbdt);
    let candidates = [Predictor::LogisticRegression(logistic), Predictor::GradientBoostedTrees(gbdt)];

    let mut reports = Vec::new();
    let mut thresholds = Vec::new();
    for predictor in &candidates {
        let score = |rows: &[[f64; FEATURE_COUNT]]| -> Vec<f64> { rows.iter().map(|r| sigmoid(predictor.log_odds(r))).collect() };
        let (report, threshold) = report(&score(&validation.rows), &validation, &score(&test.rows), &test, config);
        let review = choose_threshold(
            &score(&validation.rows),
            &validation.labels,
            ThresholdPolicy::MaxFalsePositiveRate {
                rate: config.review_false_positive_rate,
            },
        )
        .min(threshold);
        reports.push(report);
        thresholds.push((threshold, review));
    }
    let rule_score = |rows: &[[f64; FEATURE_COUNT]]| -> Vec<f64> {
        rows.iter()
            .map(|r| rules::score(&super::features::Features::from_values(*r).expect("examples hold finite features")))
            .collect()
    };
    let (rules_report, _) = report(&rule_score(&validation.rows), &validation, &rule_score(&test.rows), &test, config);

    let gbdt_wins = reports[1].validation_pr_auc > reports[0].validation_pr_auc;
    let chosen = if gbdt_wins { 1 } else { 0 };
    let [logistic, gbdt] = candidates;
    let (predictor, kind) = if gbdt_wins {
        (gbdt, ModelKind::GradientBoostedTrees)
    } else {
        (logistic, ModelKind::LogisticRegression)
    };
    let gbdt_report = reports.pop().expect("two reports");
    let logistic_report = reports.pop().expect("two reports");
    let report = TrainReport {
        data: DataSummary {
            description: description.to_string(),
            all: PartSize {
                examples: examples.len(),
                positives: examples.iter().filter(|e| e.label).count(),
            },
            prevalence: examples.iter().filter(|e| e.label).count() as f64 / examples.len() as f64,
            fit: fit.size(),
            validation: validation.size(),
            test: test.size(),
        },
        config: config.clone(),
        chosen: kind,
        logistic: logistic_report,
        gbdt: gbdt_report,
        rules: rules_report,
    };
    let (threshold, review_threshold) = thresholds[chosen];
    let model = RiskModel::new(predictor, threshold, review_threshold, report.clone(), digest(examples, config));
    Ok((model, report))
}

/// Validation figures and the threshold chosen there, then the test evaluation at it.
fn report(validation_scores: &[f64], validation: &Part, test_scores: &[f64], test: &Part, config: &TrainConfig) -> (ScorerReport, f64) {
    let threshold = choose_threshold(validation_scores, &validation.labels, config.threshold_policy);
    let report = ScorerReport {
        validation_roc_auc: roc_auc(validation_scores, &validation.labels).expect("the split puts both classes in every part"),
        validation_pr_auc: average_precision(validation_scores, &validation.labels).expect("the split puts positives in every part"),
        test: Evaluation::of(test_scores, &test.labels, threshold),
    };
    (report, threshold)
}

/// The held-out test examples of `config`'s split of `examples`: what
/// [`train`] reports on and never fits or tunes on. Retrained and current
/// models are compared on these.
pub fn held_out(examples: &[Example], config: &TrainConfig) -> Result<Vec<Example>, Error> {
    let [_, _, test] = split_indices(examples, config)?;
    Ok(test.into_iter().map(|i| examples[i]).collect())
}

/// The stratified, seeded split into fit, validation and test parts.
fn split(examples: &[Example], config: &TrainConfig) -> Result<(Part, Part, Part), Error> {
    let [fit, validation, test] = split_indices(examples, config)?;
    Ok((Part::of(examples, fit), Part::of(examples, validation), Part::of(examples, test)))
}

fn split_indices(examples: &[Example], config: &TrainConfig) -> Result<[Vec<usize>; 3], Error> {
    let mut rng = Rng::new(config.seed);
    let mut parts: [Vec<usize>; 3] = Default::default();
    for class in [true, false] {
        let mut indices: Vec<usize> = (0..examples.len()).filter(|&i| examples[i].label == class).collect();
        rng.shuffle(&mut indices);
        let n = indices.len();
        let test = (n as f64 * config.test_fraction).round() as usize;
        let validation = ((n - test) as f64 * config.validation_fraction).round() as usize;
        let sizes = [n - test - validation, validation, test];
        if sizes.iter().any(|&s| s < MIN_PER_CLASS) {
            let what = if class { "fraud (label 1)" } else { "legitimate (label 0)" };
            return Err(Error::invalid(
                "label",
                format!(
                    "Too few {what} examples ({n}) to give the fit, validation and test parts {MIN_PER_CLASS} each; \
                     add examples or change the split fractions."
                ),
            ));
        }
        let mut rest = indices.as_slice();
        for (part, size) in parts.iter_mut().zip(sizes) {
            let (taken, left) = rest.split_at(size);
            part.extend_from_slice(taken);
            rest = left;
        }
    }
    Ok(parts)
}

/// FNV-1a over the examples and the config: names the training run in the
/// model's version.
fn digest(examples: &[Example], config: &TrainConfig) -> u64 {
    let mut hash: u64 = 0xCBF2_9CE4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01B3);
        }
    };
    for e in examples {
        for v in e.features.values() {
            eat(&v.to_bits().to_le_bytes());
        }
        eat(&[u8::from(e.label)]);
    }
    eat(serde_json::to_string(config).expect("configs serialise").as_bytes());
    hash
}

/// The default model and its report: [`train`] with the default config on
/// `generate(DEFAULT_SEED, DEFAULT_EXAMPLES)`. This is how
/// `crates/engine/models/risk-default.json` was made.
pub fn train_default() -> (RiskModel, TrainReport) {
    let examples = generate(DEFAULT_SEED, DEFAULT_EXAMPLES);
    train(&examples, &TrainConfig::default(), &default_description()).expect("the default dataset trains")
}

pub(crate) fn default_description() -> String {
    format!(
        "engine::risk::dataset::generate(seed={DEFAULT_SEED}, n={DEFAULT_EXAMPLES}): synthetic orders, documented in the \
         dataset module"
    )
}

/// The report behind `crossdock bench risk`: retrains the default model
/// from its documented dataset and reports both models and the rules
/// baseline on the held-out split.
pub fn evaluate_default() -> TrainReport {
    train_default().1
}

/// Trains on CSV text (see [`super::dataset::from_csv`]): what
/// `crossdock train risk --data FILE.csv` runs. Errors name the line and
/// column of a bad cell, or the config field at fault.
pub fn train_from_csv(text: &str, config: &TrainConfig) -> Result<(RiskModel, TrainReport), Error> {
    let examples = from_csv(text)?;
    let positives = examples.iter().filter(|e| e.label).count();
    let description = format!("CSV: {} examples, {positives} labelled fraud", examples.len());
    train(&examples, config, &description)
}
