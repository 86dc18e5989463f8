//! The governance gate: whether a proposed action is done now, later, after a
//! person approves it, or not at all.
//!
//! Every action crossdock would take on an external system passes [`gate`]
//! with the tenant's [`Autonomy`] for its [`Workflow`] and the tenant's
//! [`Policy`] list. The answer, [`Gated`], is a value: the [`Verdict`], every
//! applicable policy's [`Check`] and an explanation in plain words. In order:
//!
//! 1. **Policies** whose `actions` include the action are checked. A broken
//!    `block` policy blocks, whatever the mode and whoever asks.
//! 2. **A person** (`Proposal::role` set: they asked for or approved the
//!    action) is the approver: review policies pass, thresholds and the
//!    assist mode do not apply. `defer` still defers and shadow still acts on
//!    nothing. The gate never answers a person's proposal with `Review`, so
//!    re-gating an approved review cannot loop.
//! 3. **Auto** executes when confidence ≥ `min_confidence`, the cost impact
//!    is within `max_cost` and no review policy is broken; otherwise review.
//!    A broken `quiet_hours` defer policy executes with `not_before` the end
//!    of the recipient's quiet window.
//! 4. **Assist** sends everything not blocked to review.
//! 5. **Shadow** answers `Shadow { would }`, `would` being what auto (or,
//!    for a person's proposal, step 2) would have done: recorded, not done.
//!
//! Missing input fails closed: an unknown order status, amount or local time
//! counts as breaking the rule that needs it (see [`Rule`]).

mod policy;
#[cfg(test)]
mod tests;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use policy::{Effect, Policy, Rule, validate_policies};

use crate::Error;

/// The kinds of decision crossdock makes, each with its own autonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Workflow {
    Triage,
    Sourcing,
    Carrier,
    Release,
    InventoryAdjustment,
    ExceptionResolution,
    Returns,
    CustomerMessages,
}

impl Workflow {
    pub const ALL: [Workflow; 8] = [
        Workflow::Triage,
        Workflow::Sourcing,
        Workflow::Carrier,
        Workflow::Release,
        Workflow::InventoryAdjustment,
        Workflow::ExceptionResolution,
        Workflow::Returns,
        Workflow::CustomerMessages,
    ];

    /// The name used in config and the API, e.g. `inventory_adjustment`.
    pub fn as_str(self) -> &'static str {
        match self {
            Workflow::Triage => "triage",
            Workflow::Sourcing => "sourcing",
            Workflow::Carrier => "carrier",
            Workflow::Release => "release",
            Workflow::InventoryAdjustment => "inventory_adjustment",
            Workflow::ExceptionResolution => "exception_resolution",
            Workflow::Returns => "returns",
            Workflow::CustomerMessages => "customer_messages",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.as_str() == raw)
    }

    /// In plain words, for explanations.
    fn label(self) -> &'static str {
        match self {
            Workflow::InventoryAdjustment => "inventory adjustment",
            Workflow::ExceptionResolution => "exception resolution",
            Workflow::CustomerMessages => "customer messages",
            w => w.as_str(),
        }
    }
}

/// How much crossdock may do on its own in one workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Decide and record what would have been done; act on nothing.
    #[default]
    Shadow,
    /// Every proposed action waits in the review queue.
    Assist,
    /// Act when confident, cheap enough and allowed by every policy; else review.
    Auto,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Shadow, Mode::Assist, Mode::Auto];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Shadow => "shadow",
            Mode::Assist => "assist",
            Mode::Auto => "auto",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == raw)
    }
}

fn default_min_confidence() -> f64 {
    0.9
}

/// The autonomy of one workflow for one tenant. The default is shadow: a new
/// tenant sees what crossdock would do before it does anything.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Autonomy {
    #[serde(default)]
    pub mode: Mode,
    /// In auto mode, a decision less confident than this goes to review.
    #[serde(default = "default_min_confidence")]
    pub min_confidence: f64,
    /// In auto mode, an action whose cost impact is above this goes to
    /// review; absent: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_cost: Option<f64>,
}

impl Default for Autonomy {
    fn default() -> Self {
        Autonomy {
            mode: Mode::Shadow,
            min_confidence: default_min_confidence(),
            max_cost: None,
        }
    }
}

impl Autonomy {
    /// Checks the thresholds. The error's field is relative to the autonomy
    /// table (`min_confidence`, `max_cost`); the caller prefixes its path.
    pub fn validate(&self) -> Result<(), Error> {
        if !(0.0..=1.0).contains(&self.min_confidence) {
            return Err(Error::invalid(
                "min_confidence",
                format!("The confidence threshold is between 0 and 1; got {}.", self.min_confidence),
            ));
        }
        if let Some(max) = self.max_cost
            && !(max.is_finite() && max >= 0.0)
        {
            return Err(Error::invalid(
                "max_cost",
                format!("The cost limit is a non-negative number; got {max}."),
            ));
        }
        Ok(())
    }
}

/// An action crossdock proposes (or a person asks for), as the gate sees it.
#[derive(Debug, Clone)]
pub struct Proposal<'a> {
    pub workflow: Workflow,
    /// The action kind, e.g. `order.cancel`, `refund`, `customer.message`.
    pub action: &'a str,
    /// The deciding model's confidence, in [0, 1].
    pub confidence: f64,
    /// What the action costs or risks, in the tenant's currency.
    pub cost_impact: f64,
    /// The money the action moves (a refund, a credit), when it moves any.
    pub amount: Option<f64>,
    /// The order's status (`OrderStatus::as_str`), when the action is on an order.
    pub order_status: Option<&'a str>,
    /// Role of the person who asked for or approved the action; `None`:
    /// crossdock acting alone.
    pub role: Option<&'a str>,
    /// Now, in the recipient's time zone, for quiet hours.
    pub local_now: Option<jiff::Zoned>,
}

/// What happens to a proposed action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Do it; not before `not_before` when set (the end of quiet hours).
    Execute {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        not_before: Option<Timestamp>,
    },
    /// A person approves or rejects it first.
    Review { reasons: Vec<String> },
    /// Not done.
    Block { policy: String, reason: String },
    /// Shadow mode: nothing is done; `would` is what would have happened.
    Shadow { would: Box<Verdict> },
}

impl Verdict {
    /// Whether the action may be handed to the outbox (now or later).
    pub fn executes(&self) -> bool {
        matches!(self, Verdict::Execute { .. })
    }

    fn describe(&self) -> String {
        match self {
            Verdict::Execute { not_before: None } => "execute now".into(),
            Verdict::Execute { not_before: Some(t) } => format!("execute not before {t}"),
            Verdict::Review { .. } => "wait for review by a person".into(),
            Verdict::Block { policy, .. } => format!("block it (policy `{policy}`)"),
            Verdict::Shadow { would } => format!("record only; it would {}", would.describe()),
        }
    }
}

/// One applicable policy checked against the proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub policy: String,
    /// False when the policy stops, delays or escalates the action.
    pub passed: bool,
    pub effect: Effect,
    /// What was found, in plain words.
    pub note: String,
}

/// The gate's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gated {
    pub verdict: Verdict,
    /// Every policy that applies to the action, in config order.
    pub checks: Vec<Check>,
    /// Why, in plain words, one sentence a line.
    pub explanation: Vec<String>,
}

/// Gates one proposal; see the module documentation. Pure and total: bad
/// numbers (NaN confidence, cost or amount) fail closed instead of panicking.
pub fn gate(autonomy: &Autonomy, policies: &[Policy], p: &Proposal) -> Gated {
    let workflow = p.workflow.label();
    let mut checks = Vec::new();
    let mut explanation = Vec::new();
    let mut block: Option<(String, String)> = None;
    // Broken review policies, and defer policies that cannot say until when.
    let mut policy_reasons = Vec::new();
    let mut cannot_defer: Option<(String, String)> = None;
    let mut not_before: Option<Timestamp> = None;

    for policy in policies.iter().filter(|x| x.applies_to(p.action)) {
        let found = policy.rule.evaluate(p);
        let mut passed = !found.violated;
        let mut note = found.note;
        if found.violated {
            // A role rule broken by a person means that person may not do
            // it: blocked whatever the effect (review only routes crossdock's
            // own proposals to someone who may).
            let by_wrong_person = p.role.is_some() && matches!(policy.rule, Rule::Roles { .. });
            match (policy.effect, p.role) {
                _ if by_wrong_person => {
                    if block.is_none() {
                        block = Some((policy.name.clone(), note.clone()));
                    }
                }
                (Effect::Block, _) => {
                    if block.is_none() {
                        block = Some((policy.name.clone(), note.clone()));
                    }
                }
                (Effect::Review, Some(role)) => {
                    passed = true;
                    note = format!("{note} Approved by role `{role}`.");
                }
                (Effect::Review, None) => policy_reasons.push(format!("Policy `{}`: {note}", policy.name)),
                (Effect::Defer, _) => match found.until {
                    // Several quiet windows: wait for the last to end.
                    Some(until) => not_before = not_before.max(Some(until)),
                    None => {
                        let reason = format!("{note} The action cannot be deferred without knowing until when.");
                        policy_reasons.push(format!("Policy `{}`: {reason}", policy.name));
                        cannot_defer.get_or_insert((policy.name.clone(), reason));
                    }
                },
            }
            explanation.push(format!("Policy `{}` ({}): {note}", policy.name, policy.effect.as_str()));
        }
        checks.push(Check {
            policy: policy.name.clone(),
            passed,
            effect: policy.effect,
            note,
        });
    }
    let applicable = checks.len();
    let broken = checks.iter().filter(|c| !c.passed).count();
    explanation.insert(
        0,
        match applicable {
            0 => format!("No policy applies to `{}`.", p.action),
            1 => format!("1 policy applies to `{}`; {broken} of it objects.", p.action),
            _ => format!("{applicable} policies apply to `{}`; {broken} of them object.", p.action),
        },
    );

    let would = if let Some((policy, reason)) = block {
        Verdict::Block { policy, reason }
    } else if let Some(role) = p.role {
        explanation.push(format!(
            "Asked for or approved by role `{role}`: the assist review and the thresholds of the {workflow} workflow do not apply."
        ));
        match cannot_defer {
            // A person's proposal never goes back to review (it would loop);
            // without the recipient's local time quiet hours cannot be kept.
            Some((policy, reason)) => Verdict::Block { policy, reason },
            None => Verdict::Execute { not_before },
        }
    } else {
        let mut reasons = policy_reasons.clone();
        // NaN confidence is below any threshold.
        if p.confidence.is_nan() || p.confidence < autonomy.min_confidence {
            let line = format!(
                "Confidence {} is below the threshold {:.2} of the {workflow} workflow.",
                policy::two_places(p.confidence),
                autonomy.min_confidence
            );
            explanation.push(line.clone());
            reasons.push(line);
        } else {
            explanation.push(format!(
                "Confidence {:.2} meets the threshold {:.2} of the {workflow} workflow.",
                p.confidence, autonomy.min_confidence
            ));
        }
        if let Some(max) = autonomy.max_cost
            && policy::above(p.cost_impact, max)
        {
            let line = format!(
                "Cost impact {} is above the limit {max:.2} of the {workflow} workflow.",
                policy::two_places(p.cost_impact)
            );
            explanation.push(line.clone());
            reasons.push(line);
        }
        if reasons.is_empty() {
            Verdict::Execute { not_before }
        } else {
            Verdict::Review { reasons }
        }
    };

    let verdict = match autonomy.mode {
        Mode::Shadow => {
            explanation.push(format!("The {workflow} workflow is in shadow mode: nothing is done."));
            Verdict::Shadow { would: Box::new(would) }
        }
        Mode::Assist if p.role.is_none() && !matches!(would, Verdict::Block { .. }) => {
            explanation.push(format!(
                "The {workflow} workflow is in assist mode: every proposed action waits for a person."
            ));
            let mut reasons = vec![format!(
                "Assist mode: every action of the {workflow} workflow is reviewed by a person."
            )];
            reasons.extend(policy_reasons);
            Verdict::Review { reasons }
        }
        Mode::Assist | Mode::Auto => would,
    };
    explanation.push(format!("Verdict: {}.", capitalised(&verdict.describe())));
    Gated {
        verdict,
        checks,
        explanation,
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
