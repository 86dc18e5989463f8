//! Gradient-boosted decision trees for logistic loss: each round fits a tree
//! of depth ≤ `max_depth` to the loss's gradients with Newton leaf values
//! (`−G / (H + λ)`, shrunk by the learning rate), XGBoost's split gain, and
//! histogram split search over at most `bins` quantile cuts per feature.
//! No sampling: the fit is a deterministic function of the data.
//!
//! Explanations use Saabas path attribution: every node stores the
//! hessian-weighted mean of the leaf values beneath it, and a split's feature
//! is credited with the change of that value from the node to the child the
//! order goes to. Per tree the credits sum to leaf − root, so the base, the
//! roots and the credits add up to the model's log-odds exactly.

use serde::{Deserialize, Serialize};

use super::features::FEATURE_COUNT;
use crate::Error;

/// How [`Gbdt::fit`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GbdtConfig {
    /// Boosting rounds (trees).
    pub rounds: u32,
    /// Depth of each tree: at most 3 (8 leaves).
    pub max_depth: u8,
    /// Shrinkage applied to every leaf value.
    pub learning_rate: f64,
    /// λ added to the hessian sum of a leaf.
    pub l2: f64,
    /// A child needs at least this hessian sum (≈ p(1−p)-weighted rows).
    pub min_child_hessian: f64,
    /// Quantile cuts per feature for split search (at most 255).
    pub bins: u16,
}

impl Default for GbdtConfig {
    fn default() -> Self {
        GbdtConfig {
            rounds: 200,
            max_depth: 3,
            learning_rate: 0.1,
            l2: 1.0,
            min_child_hessian: 1.0,
            bins: 64,
        }
    }
}

/// Deepest tree [`GbdtConfig::max_depth`] allows.
pub const MAX_DEPTH: u8 = 3;

impl GbdtConfig {
    pub(crate) fn validate(&self) -> Result<(), Error> {
        let bad = |field: &str, message: String| Err(Error::invalid(format!("gbdt.{field}"), message));
        if self.rounds == 0 || self.rounds > 10_000 {
            return bad("rounds", format!("rounds must be in 1–10000; got {}.", self.rounds));
        }
        if self.max_depth == 0 || self.max_depth > MAX_DEPTH {
            return bad("max_depth", format!("max_depth must be in 1–{MAX_DEPTH}; got {}.", self.max_depth));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate <= 1.0) {
            return bad(
                "learning_rate",
                format!("learning_rate must be in (0, 1]; got {}.", self.learning_rate),
            );
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return bad("l2", format!("l2 must be a number of at least 0; got {}.", self.l2));
        }
        if !(self.min_child_hessian.is_finite() && self.min_child_hessian >= 0.0) {
            return bad(
                "min_child_hessian",
                format!("min_child_hessian must be a number of at least 0; got {}.", self.min_child_hessian),
            );
        }
        if !(2..=255).contains(&self.bins) {
            return bad("bins", format!("bins must be in 2–255; got {}.", self.bins));
        }
        Ok(())
    }
}

/// A fitted ensemble: `log-odds = base + Σ trees' leaf values`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gbdt {
    /// Log-odds of the training prevalence, where boosting starts.
    pub base: f64,
    pub trees: Vec<Tree>,
}

/// One tree, root first; children come after their parent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tree {
    pub nodes: Vec<Node>,
}

/// A split (when `split` is present) or a leaf.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<Split>,
    /// A leaf's output (log-odds, shrinkage applied); for a split, the
    /// hessian-weighted mean of the leaves beneath (for attribution).
    pub value: f64,
    /// Hessian sum of the training rows that reached the node.
    pub cover: f64,
}

/// `feature ≤ threshold` goes to `left`, everything else to `right`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Split {
    pub feature: usize,
    pub threshold: f64,
    pub left: usize,
    pub right: usize,
}

/// Sums of gradients and hessians.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    g: f64,
    h: f64,
}

impl Sums {
    fn add(&mut self, g: f64, h: f64) {
        self.g += g;
        self.h += h;
    }
}

struct Binned {
    /// Per feature: ascending cut points.
    cuts: Vec<Vec<f64>>,
    /// Per feature: each row's bin (number of cuts below its value).
    bins: Vec<Vec<u8>>,
}

impl Binned {
    fn new(rows: &[[f64; FEATURE_COUNT]], max_bins: usize) -> Binned {
        let cuts: Vec<Vec<f64>> = (0..FEATURE_COUNT)
            .map(|f| cuts(rows.iter().map(|r| r[f]).collect(), max_bins))
            .collect();
        let bins = (0..FEATURE_COUNT)
            .map(|f| rows.iter().map(|r| cuts[f].partition_point(|&c| c < r[f]) as u8).collect())
            .collect();
        Binned { cuts, bins }
    }
}

/// Midpoints between consecutive distinct values when there are at most
/// `max_bins` of them; otherwise midpoints after the values at the
/// `k / max_bins` quantiles.
fn cuts(mut values: Vec<f64>, max_bins: usize) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values.dedup();
    if values.len() <= max_bins {
        return values.windows(2).map(|w| (w[0] + w[1]) / 2.0).collect();
    }
    let mut out: Vec<f64> = (1..max_bins)
        .map(|k| {
            let i = k * values.len() / max_bins;
            (values[i - 1] + values[i]) / 2.0
        })
        .collect();
    out.dedup();
    out
}

impl Gbdt {
    /// Fits on `rows` (feature values in column order) and their labels.
    pub fn fit(rows: &[[f64; FEATURE_COUNT]], labels: &[bool], config: &GbdtConfig) -> Gbdt {
        let n = rows.len();
        let binned = Binned::new(rows, usize::from(config.bins));
        let y: Vec<f64> = labels.iter().map(|&l| if l { 1.0 } else { 0.0 }).collect();
        let prevalence = (y.iter().sum::<f64>() / n.max(1) as f64).clamp(1e-6, 1.0 - 1e-6);
        let base = (prevalence / (1.0 - prevalence)).ln();
        let mut margin = vec![base; n];
        let mut g = vec![0.0; n];
        let mut h = vec![0.0; n];
        let mut trees = Vec::with_capacity(config.rounds as usize);
        let mut builder = Builder {
            binned: &binned,
            config,
            nodes: Vec::new(),
        };
        for _ in 0..config.rounds {
            for i in 0..n {
                let p = super::logistic::sigmoid(margin[i]);
                g[i] = p - y[i];
                h[i] = (p * (1.0 - p)).max(1e-16);
            }
            builder.nodes.clear();
            let rows_all: Vec<u32> = (0..n as u32).collect();
            builder.grow(rows_all, &g, &h, 0, &mut margin);
            trees.push(Tree {
                nodes: std::mem::take(&mut builder.nodes),
            });
        }
        Gbdt { base, trees }
    }

    /// The log-odds of fraud for these feature values.
    pub fn log_odds(&self, x: &[f64; FEATURE_COUNT]) -> f64 {
        self.base + self.trees.iter().map(|t| t.nodes[t.leaf(x)].value).sum::<f64>()
    }

    /// Saabas attribution: the expected log-odds before looking at this
    /// order (base + roots' values) and each feature's credit; they sum to
    /// [`Gbdt::log_odds`].
    pub fn contributions(&self, x: &[f64; FEATURE_COUNT]) -> (f64, [f64; FEATURE_COUNT]) {
        let mut bias = self.base;
        let mut credit = [0.0; FEATURE_COUNT];
        for tree in &self.trees {
            let mut at = 0;
            bias += tree.nodes[0].value;
            while let Some(split) = &tree.nodes[at].split {
                let next = split.next(x);
                credit[split.feature] += tree.nodes[next].value - tree.nodes[at].value;
                at = next;
            }
        }
        (bias, credit)
    }

    /// Checks the shape of a model read from outside, so that scoring
    /// cannot index out of bounds or loop.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        if !self.base.is_finite() {
            return Err(Error::invalid("predictor.base", "The base log-odds must be a finite number."));
        }
        for (t, tree) in self.trees.iter().enumerate() {
            if tree.nodes.is_empty() {
                return Err(Error::invalid(
                    format!("predictor.trees[{t}].nodes"),
                    "A tree needs at least one node.",
                ));
            }
            for (i, node) in tree.nodes.iter().enumerate() {
                let field = format!("predictor.trees[{t}].nodes[{i}]");
                if !node.value.is_finite() || !node.cover.is_finite() {
                    return Err(Error::invalid(field, "Node value and cover must be finite numbers."));
                }
                if let Some(s) = &node.split {
                    // Children after their parent: no cycles, and every walk ends.
                    let ok_child = |c: usize| c > i && c < tree.nodes.len();
                    if s.feature >= FEATURE_COUNT || !s.threshold.is_finite() || !ok_child(s.left) || !ok_child(s.right) {
                        return Err(Error::invalid(
                            format!("{field}.split"),
                            format!(
                                "A split needs a feature below {FEATURE_COUNT}, a finite threshold and children after it \
                                 within the tree's {} nodes.",
                                tree.nodes.len()
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

impl Tree {
    fn leaf(&self, x: &[f64; FEATURE_COUNT]) -> usize {
        let mut at = 0;
        while let Some(split) = &self.nodes[at].split {
            at = split.next(x);
        }
        at
    }
}

impl Split {
    fn next(&self, x: &[f64; FEATURE_COUNT]) -> usize {
        if x[self.feature] <= self.threshold { self.left } else { self.right }
    }
}

struct Builder<'a> {
    binned: &'a Binned,
    config: &'a GbdtConfig,
    nodes: Vec<Node>,
}

impl Builder<'_> {
    /// Grows the subtree over `rows` at `depth`, pushing its nodes in
    /// preorder; adds its leaf values to `margin`. Returns the node's index.
    fn grow(&mut self, rows: Vec<u32>, g: &[f64], h: &[f64], depth: u8, margin: &mut [f64]) -> usize {
        let mut total = Sums::default();
        for &r in &rows {
            total.add(g[r as usize], h[r as usize]);
        }
        let at = self.nodes.len();
        self.nodes.push(Node {
            split: None,
            value: 0.0,
            cover: total.h,
        });
        let best = if depth < self.config.max_depth {
            self.best_split(&rows, g, h, total)
        } else {
            None
        };
        let Some((feature, cut)) = best else {
            let value = -total.g / (total.h + self.config.l2) * self.config.learning_rate;
            for &r in &rows {
                margin[r as usize] += value;
            }
            self.nodes[at].value = value;
            return at;
        };
        let bins = &self.binned.bins[feature];
        let (left_rows, right_rows): (Vec<u32>, Vec<u32>) = rows.into_iter().partition(|&r| usize::from(bins[r as usize]) <= cut);
        let left = self.grow(left_rows, g, h, depth + 1, margin);
        let right = self.grow(right_rows, g, h, depth + 1, margin);
        let (l, r) = (&self.nodes[left], &self.nodes[right]);
        let value = (l.value * l.cover + r.value * r.cover) / (l.cover + r.cover);
        self.nodes[at].value = value;
        self.nodes[at].split = Some(Split {
            feature,
            threshold: self.binned.cuts[feature][cut],
            left,
            right,
        });
        at
    }

    /// The (feature, cut index) with the largest positive gain, if any;
    /// ties go to the lower feature, then the lower cut.
    fn best_split(&self, rows: &[u32], g: &[f64], h: &[f64], total: Sums) -> Option<(usize, usize)> {
        let lambda = self.config.l2;
        let min_h = self.config.min_child_hessian;
        let score = |s: Sums| s.g * s.g / (s.h + lambda);
        let parent = score(total);
        let mut best: Option<(f64, usize, usize)> = None;
        let mut histogram = Vec::with_capacity(256);
        for (feature, cuts) in self.binned.cuts.iter().enumerate() {
            if cuts.is_empty() {
                continue;
            }
            histogram.clear();
            histogram.resize(cuts.len() + 1, Sums::default());
            let bins = &self.binned.bins[feature];
            for &r in rows {
                let r = r as usize;
                histogram[usize::from(bins[r])].add(g[r], h[r]);
            }
            let mut left = Sums::default();
            for (cut, bin) in histogram[..cuts.len()].iter().enumerate() {
                left.add(bin.g, bin.h);
                let right = Sums {
                    g: total.g - left.g,
                    h: total.h - left.h,
                };
                if left.h < min_h || right.h < min_h {
                    continue;
                }
                let gain = score(left) + score(right) - parent;
                if gain > 1e-12 && best.is_none_or(|(b, _, _)| gain > b) {
                    best = Some((gain, feature, cut));
                }
            }
        }
        best.map(|(_, f, c)| (f, c))
    }
}
