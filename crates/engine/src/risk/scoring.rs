//! The serialisable [`RiskModel`]: a trained predictor with its thresholds,
//! version and training report; [`RiskModel::score`] turns features into a
//! [`RiskAssessment`], and [`RiskModel::compare`] sets a retrained model
//! against the one in use.

use std::sync::OnceLock;

use model::ops::Factor;
use serde::{Deserialize, Serialize};

use super::dataset::Example;
use super::explain;
use super::features::{FEATURE_COUNT, Feature, Features};
use super::gbdt::Gbdt;
use super::logistic::{Logistic, sigmoid};
use super::metrics::Evaluation;
use super::train::TrainReport;
use crate::Error;

/// Which learner a model is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    LogisticRegression,
    GradientBoostedTrees,
}

impl ModelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::LogisticRegression => "logistic_regression",
            ModelKind::GradientBoostedTrees => "gradient_boosted_trees",
        }
    }
}

/// The fitted parameters, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Predictor {
    LogisticRegression(Logistic),
    GradientBoostedTrees(Gbdt),
}

impl Predictor {
    pub fn kind(&self) -> ModelKind {
        match self {
            Predictor::LogisticRegression(_) => ModelKind::LogisticRegression,
            Predictor::GradientBoostedTrees(_) => ModelKind::GradientBoostedTrees,
        }
    }

    pub(crate) fn log_odds(&self, x: &[f64; FEATURE_COUNT]) -> f64 {
        match self {
            Predictor::LogisticRegression(m) => m.log_odds(x),
            Predictor::GradientBoostedTrees(m) => m.log_odds(x),
        }
    }

    /// The log-odds before looking at the order, and each feature's share.
    fn contributions(&self, x: &[f64; FEATURE_COUNT]) -> (f64, [f64; FEATURE_COUNT]) {
        match self {
            Predictor::LogisticRegression(m) => (m.intercept, m.contributions(x)),
            Predictor::GradientBoostedTrees(m) => m.contributions(x),
        }
    }
}

/// A trained fraud-risk model, as stored in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskModel {
    /// `risk/1+<kind>.<digest of data and config>`: names this exact model.
    pub version: String,
    /// Feature names in column order; must equal [`Feature::ALL`].
    pub features: Vec<String>,
    pub predictor: Predictor,
    /// Orders scoring at or above it are flagged (level `high`).
    pub threshold: f64,
    /// Orders scoring at or above it (and below `threshold`) are `medium`.
    pub review_threshold: f64,
    /// How it was trained and how well it did, with the other model and the
    /// rules baseline.
    pub report: TrainReport,
}

/// Risk level of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Below the review threshold.
    Low,
    /// At or above the review threshold: worth a look when time allows.
    Medium,
    /// At or above the flagging threshold: hold for review.
    High,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
        }
    }
}

/// One feature's part in a score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub feature: Feature,
    /// The feature's value for this order.
    pub value: f64,
    /// Its contribution to the log-odds of fraud (positive: riskier).
    pub contribution: f64,
}

/// The risk decision on one order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskAssessment {
    /// Probability of fraud in [0, 1].
    pub score: f64,
    pub level: Level,
    /// `score ≥ threshold`: hold the order for review.
    pub flagged: bool,
    pub threshold: f64,
    pub review_threshold: f64,
    /// Log-odds of fraud: `base_log_odds` plus every contribution.
    pub log_odds: f64,
    /// Log-odds before looking at this order (the model's average order).
    pub base_log_odds: f64,
    /// Every feature's contribution, largest magnitude first. For logistic
    /// regression `w_i · (x_i − mean_i) / scale_i`; for trees Saabas path
    /// attribution.
    pub contributions: Vec<Contribution>,
    /// Why, in plain words: a verdict, then the strongest signals with their
    /// contribution; `weight` is the contribution in log-odds (0 for the verdict).
    pub explanation: Vec<Factor>,
    /// Probability that the call is right according to the model: `score`
    /// when flagged, `1 − score` otherwise. A flag is a hold for review, so
    /// a flagged order usually carries a modest confidence.
    pub confidence: f64,
    /// [`RiskModel::version`] of the model that scored.
    pub model: String,
}

/// The embedded default model; see [`RiskModel::default_model`].
const DEFAULT_MODEL_JSON: &str = include_str!("../../models/risk-default.json");

impl RiskModel {
    pub(crate) fn new(predictor: Predictor, threshold: f64, review_threshold: f64, report: TrainReport, digest: u64) -> RiskModel {
        RiskModel {
            version: format!("{}+{}.{:012x}", super::MODEL, predictor.kind().as_str(), digest & 0xFFFF_FFFF_FFFF),
            features: Feature::ALL.iter().map(|f| f.name().to_string()).collect(),
            predictor,
            threshold,
            review_threshold,
            report,
        }
    }

    /// The model shipped with crossdock: trained by
    /// [`super::train_default`] on `generate(seed=20261123, n=50000)` and
    /// committed as `crates/engine/models/risk-default.json`. Regenerate it
    /// with `CARGO_TARGET_DIR=/work/target-risk cargo test -p engine --release
    /// risk::tests::regenerate_default_model -- --ignored`; the test
    /// `default_model_is_reproducible` proves the file is that training run.
    pub fn default_model() -> &'static RiskModel {
        static MODEL: OnceLock<RiskModel> = OnceLock::new();
        MODEL.get_or_init(|| RiskModel::from_json(DEFAULT_MODEL_JSON).expect("the embedded default model is valid"))
    }

    /// Reads and checks a model: JSON shape, the feature list, thresholds,
    /// and the predictor's parameters (so scoring cannot fail).
    pub fn from_json(text: &str) -> Result<RiskModel, Error> {
        let model: RiskModel = serde_json::from_str(text).map_err(|e| {
            Error::invalid(
                format!("line {}, column {}", e.line(), e.column()),
                format!("Not a risk model: {e}."),
            )
        })?;
        model.validate()?;
        Ok(model)
    }

    /// The model as JSON (what [`RiskModel::from_json`] reads): indented,
    /// except that each tree node takes one line.
    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut out, Layout::new(TREE_NODE_DEPTH - 1));
        self.serialize(&mut ser).expect("models serialise");
        let mut text = String::from_utf8(out).expect("JSON is UTF-8");
        text.push('\n');
        text
    }

    fn validate(&self) -> Result<(), Error> {
        let expected: Vec<&str> = Feature::ALL.iter().map(|f| f.name()).collect();
        if self.features != expected {
            return Err(Error::invalid(
                "features",
                format!(
                    "The model was trained on other features ({}); this build computes {}. Retrain it.",
                    self.features.join(", "),
                    expected.join(", ")
                ),
            ));
        }
        for (field, t) in [("threshold", self.threshold), ("review_threshold", self.review_threshold)] {
            if !t.is_finite() {
                return Err(Error::invalid(field, format!("A threshold must be a finite number; got {t}.")));
            }
        }
        match &self.predictor {
            Predictor::LogisticRegression(m) => m.validate(),
            Predictor::GradientBoostedTrees(m) => m.validate(),
        }
    }

    pub fn kind(&self) -> ModelKind {
        self.predictor.kind()
    }

    /// The probability of fraud alone, for batch evaluation.
    pub fn probability(&self, features: &Features) -> f64 {
        sigmoid(self.predictor.log_odds(features.values()))
    }

    /// Scores one order's features and explains the score.
    pub fn score(&self, features: &Features) -> RiskAssessment {
        let (base, parts) = self.predictor.contributions(features.values());
        let log_odds = base + parts.iter().sum::<f64>();
        let score = sigmoid(log_odds);
        let flagged = score >= self.threshold;
        let level = if flagged {
            Level::High
        } else if score >= self.review_threshold {
            Level::Medium
        } else {
            Level::Low
        };
        let mut contributions: Vec<Contribution> = Feature::ALL
            .iter()
            .map(|&f| Contribution {
                feature: f,
                value: features.get(f),
                contribution: parts[f.index()],
            })
            .collect();
        contributions.sort_by(|a, b| b.contribution.abs().total_cmp(&a.contribution.abs()));
        let mut assessment = RiskAssessment {
            score,
            level,
            flagged,
            threshold: self.threshold,
            review_threshold: self.review_threshold,
            log_odds,
            base_log_odds: base,
            contributions,
            explanation: Vec::new(),
            confidence: round3(if flagged { score } else { 1.0 - score }),
            model: self.version.clone(),
        };
        assessment.explanation = explain::explain(&assessment, features);
        assessment
    }

    /// This model's quality on labelled examples at its own threshold.
    /// Errors unless the examples hold both classes.
    pub fn evaluate(&self, examples: &[Example]) -> Result<Evaluation, Error> {
        let labels: Vec<bool> = examples.iter().map(|e| e.label).collect();
        if !labels.contains(&true) || !labels.contains(&false) {
            return Err(Error::invalid(
                "label",
                "Evaluation needs examples of both classes (label 0 and label 1).",
            ));
        }
        let scores: Vec<f64> = examples.iter().map(|e| self.probability(&e.features)).collect();
        Ok(Evaluation::of(&scores, &labels, self.threshold))
    }

    /// Sets a retrained model (`new`, e.g. trained with labels from recent
    /// chargebacks) against the one in use (`old`) on the same held-out
    /// examples, each at its own threshold. `new_is_better` when its PR-AUC
    /// is higher, the criterion that chose the learner in training.
    pub fn compare(old: &RiskModel, new: &RiskModel, held_out: &[Example]) -> Result<ComparisonReport, Error> {
        let old_eval = old.evaluate(held_out)?;
        let new_eval = new.evaluate(held_out)?;
        let (mut newly_flagged, mut no_longer_flagged) = (0u64, 0u64);
        for e in held_out {
            match (
                old.probability(&e.features) >= old.threshold,
                new.probability(&e.features) >= new.threshold,
            ) {
                (false, true) => newly_flagged += 1,
                (true, false) => no_longer_flagged += 1,
                _ => {}
            }
        }
        let new_is_better = new_eval.pr_auc > old_eval.pr_auc;
        let summary = format!(
            "On {} held-out orders ({} fraud), the new model {} has PR-AUC {:.3} against {:.3} and ROC-AUC {:.3} against {:.3}; \
             it flags {} orders the old one passes and passes {} it flags. {}",
            held_out.len(),
            old_eval.confusion.true_positives + old_eval.confusion.false_negatives,
            new.version,
            new_eval.pr_auc,
            old_eval.pr_auc,
            new_eval.roc_auc,
            old_eval.roc_auc,
            newly_flagged,
            no_longer_flagged,
            if new_is_better {
                "Switch to the new model."
            } else {
                "Keep the old model."
            }
        );
        Ok(ComparisonReport {
            examples: held_out.len(),
            pr_auc_delta: new_eval.pr_auc - old_eval.pr_auc,
            roc_auc_delta: new_eval.roc_auc - old_eval.roc_auc,
            old: ModelSummary {
                version: old.version.clone(),
                kind: old.kind(),
                evaluation: old_eval,
            },
            new: ModelSummary {
                version: new.version.clone(),
                kind: new.kind(),
                evaluation: new_eval,
            },
            newly_flagged,
            no_longer_flagged,
            new_is_better,
            summary,
        })
    }
}

/// A model's identity and held-out figures in a [`ComparisonReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    pub version: String,
    pub kind: ModelKind,
    pub evaluation: Evaluation,
}

/// What [`RiskModel::compare`] found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonReport {
    pub examples: usize,
    pub old: ModelSummary,
    pub new: ModelSummary,
    /// New minus old.
    pub pr_auc_delta: f64,
    pub roc_auc_delta: f64,
    /// Orders the new model flags and the old one does not.
    pub newly_flagged: u64,
    /// Orders the old model flags and the new one does not.
    pub no_longer_flagged: u64,
    pub new_is_better: bool,
    /// The comparison in plain words, with a recommendation.
    pub summary: String,
}

/// Nesting depth of a tree node's object in the model's JSON (model,
/// predictor, trees, tree, nodes, node).
const TREE_NODE_DEPTH: usize = 6;

/// serde_json's pretty layout down to `max_pretty` levels of nesting,
/// compact below: a model's 2,000-odd tree nodes take a line each rather
/// than ten.
struct Layout {
    depth: usize,
    max_pretty: usize,
    has_value: bool,
}

impl Layout {
    fn new(max_pretty: usize) -> Self {
        Layout {
            depth: 0,
            max_pretty,
            has_value: false,
        }
    }

    fn open<W: ?Sized + std::io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + std::io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> std::io::Result<()> {
        self.depth -= 1;
        if self.has_value && self.depth < self.max_pretty {
            self.newline(w, self.depth)?;
        }
        w.write_all(bracket)
    }

    fn item<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        if self.depth <= self.max_pretty {
            self.newline(w, self.depth)?;
        }
        Ok(())
    }

    fn newline<W: ?Sized + std::io::Write>(&self, w: &mut W, depth: usize) -> std::io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for Layout {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.item(w, first)
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(if self.depth <= self.max_pretty { b": " } else { b":" })
    }

    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
