//! L2-regularised logistic regression on standardised features, fitted by
//! Newton's method (iteratively reweighted least squares) with a backtracking
//! line search. With 20 features a Newton step is a 21 × 21 Cholesky solve,
//! and it converges in a handful of steps to the unique optimum, so the fit
//! is exact and reproducible, not a matter of learning-rate tuning.

use serde::{Deserialize, Serialize};

use super::features::FEATURE_COUNT;
use crate::Error;

/// How [`Logistic::fit`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogisticConfig {
    /// λ in Σ log-loss + λ/2 · ‖w‖² (the intercept is not penalised).
    pub l2: f64,
    pub max_iterations: u32,
    /// Stop when no parameter moves by more than this in a step.
    pub tolerance: f64,
}

impl Default for LogisticConfig {
    fn default() -> Self {
        LogisticConfig {
            l2: 1.0,
            max_iterations: 100,
            tolerance: 1e-10,
        }
    }
}

impl LogisticConfig {
    pub(crate) fn validate(&self) -> Result<(), Error> {
        if !(self.l2.is_finite() && self.l2 > 0.0) {
            return Err(Error::invalid(
                "logistic.l2",
                format!("l2 must be a positive number; got {}.", self.l2),
            ));
        }
        if self.max_iterations == 0 {
            return Err(Error::invalid("logistic.max_iterations", "max_iterations must be at least 1."));
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return Err(Error::invalid(
                "logistic.tolerance",
                format!("tolerance must be a positive number; got {}.", self.tolerance),
            ));
        }
        Ok(())
    }
}

/// A fitted model: `log-odds = intercept + Σ weights[i] · (x[i] − means[i]) / scales[i]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Logistic {
    /// Training mean of each feature, in column order.
    pub means: Vec<f64>,
    /// Training standard deviation of each feature (1 where it was constant).
    pub scales: Vec<f64>,
    /// Weight of each standardised feature.
    pub weights: Vec<f64>,
    /// Log-odds of an order with every feature at its mean.
    pub intercept: f64,
    /// Newton steps taken.
    pub iterations: u32,
}

const P: usize = FEATURE_COUNT + 1;

impl Logistic {
    /// Fits on `rows` (feature values in column order) and their labels.
    pub fn fit(rows: &[[f64; FEATURE_COUNT]], labels: &[bool], config: &LogisticConfig) -> Logistic {
        let n = rows.len().max(1) as f64;
        let mut means = [0.0; FEATURE_COUNT];
        for r in rows {
            for (m, v) in means.iter_mut().zip(r) {
                *m += v;
            }
        }
        means.iter_mut().for_each(|m| *m /= n);
        let mut scales = [0.0; FEATURE_COUNT];
        for r in rows {
            for ((s, v), m) in scales.iter_mut().zip(r).zip(&means) {
                *s += (v - m).powi(2);
            }
        }
        for s in &mut scales {
            *s = (*s / n).sqrt();
            if *s < 1e-12 {
                *s = 1.0;
            }
        }
        // Design matrix: a 1 for the intercept, then standardised features.
        let z: Vec<[f64; P]> = rows
            .iter()
            .map(|r| {
                let mut zi = [1.0; P];
                for j in 0..FEATURE_COUNT {
                    zi[j + 1] = (r[j] - means[j]) / scales[j];
                }
                zi
            })
            .collect();
        let y: Vec<f64> = labels.iter().map(|&l| if l { 1.0 } else { 0.0 }).collect();
        let prevalence = (y.iter().sum::<f64>() / n).clamp(1e-6, 1.0 - 1e-6);
        let mut theta = [0.0; P];
        theta[0] = (prevalence / (1.0 - prevalence)).ln();

        let lambda = config.l2;
        let mut current = objective(&z, &y, &theta, lambda);
        let mut iterations = 0;
        while iterations < config.max_iterations {
            iterations += 1;
            let mut gradient = [0.0; P];
            let mut hessian = [[0.0; P]; P];
            for (zi, &yi) in z.iter().zip(&y) {
                let p = sigmoid(dot(zi, &theta));
                let w = p * (1.0 - p);
                for a in 0..P {
                    gradient[a] += (p - yi) * zi[a];
                    for b in 0..=a {
                        hessian[a][b] += w * zi[a] * zi[b];
                    }
                }
            }
            for a in 1..P {
                gradient[a] += lambda * theta[a];
                hessian[a][a] += lambda;
            }
            // Keeps the intercept's row positive definite even if every p saturates.
            hessian[0][0] += 1e-9;
            let Some(step) = cholesky_solve(&hessian, &gradient) else { break };
            // Backtracking: a full Newton step unless it fails to decrease the objective.
            let mut t = 1.0;
            let mut accepted = None;
            for _ in 0..40 {
                let candidate: [f64; P] = std::array::from_fn(|a| theta[a] - t * step[a]);
                let value = objective(&z, &y, &candidate, lambda);
                if value <= current {
                    accepted = Some((candidate, value));
                    break;
                }
                t /= 2.0;
            }
            let Some((next, value)) = accepted else { break };
            let moved = theta.iter().zip(&next).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
            theta = next;
            current = value;
            if moved < config.tolerance {
                break;
            }
        }
        Logistic {
            means: means.to_vec(),
            scales: scales.to_vec(),
            weights: theta[1..].to_vec(),
            intercept: theta[0],
            iterations,
        }
    }

    /// The log-odds of fraud for these feature values.
    pub fn log_odds(&self, x: &[f64; FEATURE_COUNT]) -> f64 {
        self.intercept + self.contributions(x).iter().sum::<f64>()
    }

    /// Each feature's contribution to the log-odds against an order at the
    /// training means: `w_i · (x_i − mean_i) / scale_i`. They sum with the
    /// intercept to the log-odds.
    pub fn contributions(&self, x: &[f64; FEATURE_COUNT]) -> [f64; FEATURE_COUNT] {
        std::array::from_fn(|i| self.weights[i] * (x[i] - self.means[i]) / self.scales[i])
    }

    /// Checks the shape of a model read from outside.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        for (name, v) in [("means", &self.means), ("scales", &self.scales), ("weights", &self.weights)] {
            if v.len() != FEATURE_COUNT {
                return Err(Error::invalid(
                    format!("predictor.{name}"),
                    format!("Expected {FEATURE_COUNT} values, one per feature; got {}.", v.len()),
                ));
            }
            if let Some(i) = v.iter().position(|x| !x.is_finite() || (name == "scales" && *x <= 0.0)) {
                return Err(Error::invalid(
                    format!("predictor.{name}[{i}]"),
                    format!(
                        "Must be a finite number{}; got {}.",
                        if name == "scales" { " above 0" } else { "" },
                        v[i]
                    ),
                ));
            }
        }
        if !self.intercept.is_finite() {
            return Err(Error::invalid("predictor.intercept", "The intercept must be a finite number."));
        }
        Ok(())
    }
}

pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

fn dot(a: &[f64; P], b: &[f64; P]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Σ log-loss + λ/2 · ‖w‖², log-loss computed without overflow.
fn objective(z: &[[f64; P]], y: &[f64], theta: &[f64; P], lambda: f64) -> f64 {
    let loss: f64 = z
        .iter()
        .zip(y)
        .map(|(zi, &yi)| {
            let s = dot(zi, theta);
            // ln(1 + e^s) − y·s
            s.max(0.0) + (-s.abs()).exp().ln_1p() - yi * s
        })
        .sum();
    loss + lambda / 2.0 * theta[1..].iter().map(|w| w * w).sum::<f64>()
}

/// Solves `H x = g` for a symmetric positive definite `H` given by its lower
/// triangle; `None` if it is not positive definite.
fn cholesky_solve(h: &[[f64; P]; P], g: &[f64; P]) -> Option<[f64; P]> {
    let mut l = [[0.0; P]; P];
    for i in 0..P {
        for j in 0..=i {
            let sum = l[i][..j].iter().zip(&l[j][..j]).fold(h[i][j], |s, (a, b)| s - a * b);
            if i == j {
                if sum <= 0.0 || !sum.is_finite() {
                    return None;
                }
                l[i][i] = sum.sqrt();
            } else {
                l[i][j] = sum / l[j][j];
            }
        }
    }
    // L v = g, then Lᵀ x = v.
    let mut v = [0.0; P];
    for i in 0..P {
        v[i] = l[i][..i].iter().zip(&v[..i]).fold(g[i], |s, (a, b)| s - a * b) / l[i][i];
    }
    let mut x = [0.0; P];
    for i in (0..P).rev() {
        x[i] = (i + 1..P).fold(v[i], |s, k| s - l[k][i] * x[k]) / l[i][i];
    }
    Some(x)
}
