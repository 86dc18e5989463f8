//! The optional model backend (`[service_desk.llm]`): an OpenAI-compatible
//! chat endpoint phrases the answer and handles questions the embedded
//! engine cannot, with tools limited to read queries in the caller's scope
//! and the governed return flow. Personal data is masked in what it sees
//! unless the caller may read it. Every id, number and date of its answer
//! must be in the data it was given (the question, the embedded engine's
//! data, the tool results); an answer that fails the check is replaced by
//! the embedded engine's.

use assistant::grounding::{self, Facts};
use assistant::llm::{LlmClient, Tool, ToolCall};
use model::TenantId;
use serde_json::{Value, json};

use super::Answered;
use crate::App;
use crate::auth::Principal;

const SYSTEM: &str = "You are crossdock's service-desk copilot. Answer the rep's or B2B client's question in two or three plain \
sentences, using only facts from the data below and from your tools. Never invent an order number, tracking number, date, \
amount or quantity: if the data does not say, say you do not know. Quote ids exactly as they appear.";

fn tools() -> Vec<Tool> {
    let one = |name: &str, description: &str, arg: &str, about: &str| Tool {
        name: name.into(),
        description: description.into(),
        parameters: json!({"type": "object", "required": [arg], "properties": {arg: {"type": "string", "description": about}}}),
    };
    vec![
        one(
            "track_order",
            "Where an order is: stage, scans, packages, exceptions, ETA. Accepts an order number, storefront name, PO or tracking number.",
            "reference",
            "e.g. 1001, #1001, a PO number or a tracking number",
        ),
        one(
            "open_orders",
            "The open orders of a customer or B2B account.",
            "customer",
            "customer name, e-mail or account",
        ),
        one(
            "sku_availability",
            "Stock available to promise per node for a SKU.",
            "sku",
            "the SKU",
        ),
        one(
            "policy",
            "Searches the merchant's policy and SOP documents and returns the best passage.",
            "question",
            "what to look up",
        ),
    ]
}

/// The model's answer in place of `embedded`'s when it passes the grounding
/// check; otherwise `embedded` as it was, with the reason recorded in `data`.
pub async fn rephrase(app: &App, client: &LlmClient, who: &Principal, tenant: &TenantId, question: &str, embedded: Answered) -> Answered {
    let mask: fn(&str) -> String = if who.pii() { |s: &str| s.to_owned() } else { model::pii::mask_text };
    let system = format!(
        "{SYSTEM}\n\nWhat crossdock's own engine found (intent `{}`):\n{}\n\nData:\n{}",
        embedded.intent,
        embedded.answer,
        mask(&embedded.data.to_string())
    );
    let run = assistant::llm::run_tools(client, &system, question, &tools(), mask, |call: ToolCall| {
        let (app, who, tenant) = (app.clone(), who.clone(), tenant.clone());
        async move { run_tool(&app, &who, &tenant, &call).await }
    })
    .await;
    let mut out = embedded;
    let run = match run {
        Ok(run) => run,
        Err(e) => {
            tracing::warn!(error = %e, "The model endpoint failed; answering with the embedded engine.");
            out.data["llm"] = json!({"used": false, "error": e.to_string(), "code": e.code()});
            return out;
        }
    };
    let mut facts = Facts::from_json(&out.data);
    facts.add_text(question);
    facts.add_text(&out.answer);
    for (_, result) in &run.calls {
        facts.add_json(result);
    }
    let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
    match grounding::check(&run.answer, &facts, Some(&now)) {
        Ok(()) => {
            out.data["llm"] = json!({"used": true, "tool_calls": run.calls.iter().map(|(c, _)| json!({"name": c.name, "arguments": c.arguments})).collect::<Vec<_>>(),
                                     "embedded_answer": out.answer});
            out.answer = run.answer;
            out.engine = "llm";
            metrics::counter!("crossdock_copilot_answers_total", "engine" => "llm").increment(1);
        }
        Err(ungrounded) => {
            tracing::info!(token = %ungrounded.token, "The model's answer stated a fact not in the data; the embedded answer is used.");
            metrics::counter!("crossdock_copilot_ungrounded_total").increment(1);
            out.data["llm"] = json!({"used": false, "rejected": run.answer, "reason": ungrounded.to_string()});
        }
    }
    out
}

/// One tool call, in the caller's scope.
async fn run_tool(app: &App, who: &Principal, tenant: &TenantId, call: &ToolCall) -> Result<Value, String> {
    let arg = |name: &str| {
        call.arguments[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("`{name}` (a string) is required"))
    };
    let intent = match call.name.as_str() {
        "track_order" => {
            let reference = arg("reference")?;
            return match crate::tracking::lookup(app, who, tenant, &reference).await {
                Ok(Some(t)) => serde_json::to_value(t).map_err(|e| e.to_string()),
                Ok(None) => Ok(json!({"error": format!("no order {reference} in your scope")})),
                Err(e) => Err(e.message),
            };
        }
        "open_orders" => {
            let slots = assistant::Slots {
                customer: Some(arg("customer")?),
                ..Default::default()
            };
            (assistant::Intent::OpenOrdersForCustomer, slots)
        }
        "sku_availability" => {
            let slots = assistant::Slots {
                sku: Some(arg("sku")?.to_uppercase()),
                ..Default::default()
            };
            (assistant::Intent::SkuAvailability, slots)
        }
        "policy" => {
            let question = arg("question")?;
            let u = assistant::Understanding {
                intent: assistant::Intent::PolicyQuestion,
                slots: assistant::Slots::default(),
            };
            let composed = super::answer::compose(app, who, tenant, &question, &u)
                .await
                .map_err(|e| e.message)?;
            return Ok(json!({"answer": composed.text, "data": composed.data}));
        }
        other => return Err(format!("unknown tool `{other}`")),
    };
    let u = assistant::Understanding {
        intent: intent.0,
        slots: intent.1,
    };
    let composed = super::answer::compose(app, who, tenant, "", &u).await.map_err(|e| e.message)?;
    Ok(json!({"answer": composed.text, "data": composed.data}))
}
