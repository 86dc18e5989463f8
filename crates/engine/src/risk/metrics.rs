//! Quality of scores against labels: ROC-AUC, PR-AUC (average precision),
//! the confusion matrix at a threshold, and the choice of a threshold.
//! Scores rank orders (higher = riskier); an order is flagged when its score
//! is at or above the threshold.

use serde::{Deserialize, Serialize};

/// Area under the ROC curve: the probability that a random positive scores
/// above a random negative, ties counting one half (Mann–Whitney U with
/// mid-ranks). `None` unless both classes are present.
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let order = ranked(scores);
    let positives = labels.iter().filter(|&&l| l).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    // Sum of the (1-based, tie-averaged) ranks of the positives in ascending score order.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let j = tie_end(&order, scores, i);
        // Descending positions i..j are ascending ranks n-j+1 ..= n-i.
        let n = order.len();
        let mid_rank = ((n - j + 1) + (n - i)) as f64 / 2.0;
        rank_sum += mid_rank * order[i..j].iter().filter(|&&k| labels[k]).count() as f64;
        i = j;
    }
    let (p, q) = (positives as f64, negatives as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * q))
}

/// Average precision: Σ over distinct thresholds (descending) of
/// (recall gained) × (precision there), the step-wise area under the
/// precision–recall curve (as scikit-learn's `average_precision_score`).
/// Tied scores enter together. `None` when there is no positive.
pub fn average_precision(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let positives = labels.iter().filter(|&&l| l).count();
    if positives == 0 {
        return None;
    }
    let order = ranked(scores);
    let (mut tp, mut fp, mut ap) = (0usize, 0usize, 0.0);
    let mut i = 0;
    while i < order.len() {
        let j = tie_end(&order, scores, i);
        let gained = order[i..j].iter().filter(|&&k| labels[k]).count();
        tp += gained;
        fp += j - i - gained;
        if gained > 0 {
            ap += gained as f64 / positives as f64 * tp as f64 / (tp + fp) as f64;
        }
        i = j;
    }
    Some(ap)
}

/// Mean squared difference between the score (as a probability) and the label.
pub fn brier(scores: &[f64], labels: &[bool]) -> f64 {
    let sum: f64 = scores
        .iter()
        .zip(labels)
        .map(|(s, &l)| (s - if l { 1.0 } else { 0.0 }).powi(2))
        .sum();
    sum / scores.len().max(1) as f64
}

/// Counts of flagged (score ≥ threshold) and not flagged orders by label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Confusion {
    /// Frauds flagged.
    pub true_positives: u64,
    /// Legitimate orders flagged.
    pub false_positives: u64,
    /// Legitimate orders passed.
    pub true_negatives: u64,
    /// Frauds passed.
    pub false_negatives: u64,
}

impl Confusion {
    pub fn at(scores: &[f64], labels: &[bool], threshold: f64) -> Confusion {
        let mut c = Confusion::default();
        for (&s, &l) in scores.iter().zip(labels) {
            match (s >= threshold, l) {
                (true, true) => c.true_positives += 1,
                (true, false) => c.false_positives += 1,
                (false, false) => c.true_negatives += 1,
                (false, true) => c.false_negatives += 1,
            }
        }
        c
    }

    /// Share of flagged orders that are fraud; 0 when nothing is flagged.
    pub fn precision(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.false_positives)
    }

    /// Share of frauds flagged; 0 when there is no fraud.
    pub fn recall(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.false_negatives)
    }

    /// Share of legitimate orders flagged.
    pub fn false_positive_rate(&self) -> f64 {
        ratio(self.false_positives, self.false_positives + self.true_negatives)
    }

    /// Harmonic mean of precision and recall; 0 when both are 0.
    pub fn f1(&self) -> f64 {
        ratio(
            2 * self.true_positives,
            2 * self.true_positives + self.false_positives + self.false_negatives,
        )
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// How the decision threshold is chosen on validation data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "policy")]
pub enum ThresholdPolicy {
    /// The threshold with the highest F1 (ties: the higher threshold, which
    /// flags fewer orders).
    MaxF1,
    /// The lowest threshold whose false-positive rate is at most `rate`
    /// (most frauds caught while flagging at most that share of good orders).
    MaxFalsePositiveRate { rate: f64 },
}

/// The threshold `policy` picks on these scores: one of the distinct scores
/// (flagging is `score ≥ threshold`), or just above the highest score when
/// the policy allows flagging nothing at all.
pub fn choose_threshold(scores: &[f64], labels: &[bool], policy: ThresholdPolicy) -> f64 {
    let order = ranked(scores);
    let positives = labels.iter().filter(|&&l| l).count() as u64;
    let negatives = labels.len() as u64 - positives;
    let (mut tp, mut fp) = (0u64, 0u64);
    let above_all = order.first().map_or(1.0, |&k| scores[k].next_up());
    let mut best = (f64::NEG_INFINITY, above_all);
    let mut i = 0;
    while i < order.len() {
        let j = tie_end(&order, scores, i);
        let gained = order[i..j].iter().filter(|&&k| labels[k]).count() as u64;
        tp += gained;
        fp += (j - i) as u64 - gained;
        let threshold = scores[order[i]];
        match policy {
            ThresholdPolicy::MaxF1 => {
                let f1 = ratio(2 * tp, tp + fp + positives);
                // Strictly better only: among equal F1 the first (highest) threshold stays.
                if f1 > best.0 {
                    best = (f1, threshold);
                }
            }
            ThresholdPolicy::MaxFalsePositiveRate { rate } => {
                if ratio(fp, negatives) <= rate {
                    best = (0.0, threshold);
                } else {
                    break;
                }
            }
        }
        i = j;
    }
    best.1
}

/// Indices of `scores` in descending score order (stable: index order among ties).
fn ranked(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    order
}

/// End (exclusive) of the run of equal scores starting at `i` in `order`.
fn tie_end(order: &[usize], scores: &[f64], i: usize) -> usize {
    let mut j = i + 1;
    while j < order.len() && scores[order[j]] == scores[order[i]] {
        j += 1;
    }
    j
}

/// The held-out quality of one scorer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub roc_auc: f64,
    /// Average precision.
    pub pr_auc: f64,
    /// Brier score (lower is better): how well scores work as probabilities.
    /// Meaningful for the models; the rules' scores are counts.
    pub brier: f64,
    pub threshold: f64,
    pub confusion: Confusion,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub false_positive_rate: f64,
}

impl Evaluation {
    /// Scores and labels must hold both classes (the training split ensures it).
    pub fn of(scores: &[f64], labels: &[bool], threshold: f64) -> Evaluation {
        let confusion = Confusion::at(scores, labels, threshold);
        Evaluation {
            roc_auc: roc_auc(scores, labels).unwrap_or(f64::NAN),
            pr_auc: average_precision(scores, labels).unwrap_or(f64::NAN),
            brier: brier(scores, labels),
            threshold,
            precision: confusion.precision(),
            recall: confusion.recall(),
            f1: confusion.f1(),
            false_positive_rate: confusion.false_positive_rate(),
            confusion,
        }
    }
}
