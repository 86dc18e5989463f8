//! What a tenant's questions may name, kept current from the log: the
//! customers, accounts, ship-to places and SKUs the copilot resolves names
//! against (with typos and short forms), plus the configured nodes.
//!
//! Order, PO and tracking numbers are not listed: each number-like word of a
//! question is looked up in the store instead, so a million orders cost
//! nothing here.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use assistant::Lexicon;
use model::TenantId;
use parking_lot::Mutex;

use crate::App;

/// Customers (by name) the vocabulary keeps, newest first: enough for the
/// names reps type, small enough to scan per question.
const MAX_CUSTOMERS: usize = 20_000;
/// Events read when the vocabulary is first built.
const FIRST_READ: usize = 500_000;

/// Per-tenant vocabularies, refreshed from the events after the last read.
#[derive(Default)]
pub struct Vocabularies {
    tenants: Mutex<HashMap<TenantId, Arc<Vocabulary>>>,
}

/// One tenant's names and the lexicon built from them.
pub struct Vocabulary {
    /// The last event read; moves on when new events name nothing new.
    last_seq: std::sync::atomic::AtomicU64,
    customers: BTreeMap<String, Option<String>>,
    accounts: BTreeSet<String>,
    cities: BTreeSet<String>,
    skus: BTreeSet<String>,
    pub lexicon: Lexicon,
}

impl Vocabularies {
    /// The tenant's vocabulary as of now (reads only the events since the last call).
    pub fn current(&self, app: &App, tenant: &TenantId) -> Result<Arc<Vocabulary>, store::Error> {
        let known = self.tenants.lock().get(tenant).cloned();
        let after = known.as_ref().map_or(0, |v| v.last_seq.load(std::sync::atomic::Ordering::Relaxed));
        let limit = if known.is_some() { usize::MAX >> 1 } else { FIRST_READ };
        let (entries, last) = app.store.vocabulary(tenant, after, limit)?;
        if let Some(known) = &known
            && entries.is_empty()
        {
            known.last_seq.fetch_max(last, std::sync::atomic::Ordering::Relaxed);
            return Ok(known.clone());
        }
        let mut next = match &known {
            Some(v) => Vocabulary {
                last_seq: last.into(),
                customers: v.customers.clone(),
                accounts: v.accounts.clone(),
                cities: v.cities.clone(),
                skus: v.skus.clone(),
                lexicon: Lexicon::default(),
            },
            None => Vocabulary {
                last_seq: last.into(),
                customers: BTreeMap::new(),
                accounts: BTreeSet::new(),
                cities: BTreeSet::new(),
                skus: BTreeSet::new(),
                lexicon: Lexicon::default(),
            },
        };
        for entry in entries {
            match entry {
                store::VocabularyEntry::Order {
                    name,
                    email,
                    account,
                    city,
                } => {
                    if let Some(name) = name.filter(|n| !n.trim().is_empty())
                        && next.customers.len() < MAX_CUSTOMERS
                    {
                        let known = next.customers.entry(name.trim().to_owned()).or_insert(None);
                        if known.is_none() {
                            *known = email.filter(|e| !e.trim().is_empty());
                        }
                    }
                    if let Some(account) = account.filter(|a| !a.trim().is_empty()) {
                        next.accounts.insert(account.trim().to_owned());
                    }
                    if let Some(city) = city.filter(|c| !c.trim().is_empty()) {
                        next.cities.insert(title_case(city.trim()));
                    }
                }
                store::VocabularyEntry::Sku(sku) => {
                    next.skus.insert(sku.to_uppercase());
                }
            }
        }
        next.lexicon = lexicon(app, tenant, &next);
        let next = Arc::new(next);
        self.tenants.lock().insert(tenant.clone(), next.clone());
        Ok(next)
    }
}

fn title_case(city: &str) -> String {
    city.split_whitespace()
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

/// The words that name a configured node: its id, name, city and region
/// ("DC-EAST", "dc east", "east dc", "east warehouse", "newark dc").
fn node_aliases(id: &str, name: Option<&str>, region: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let spaced = id.replace(['-', '_'], " ").to_lowercase();
    out.push(spaced.clone());
    let parts: Vec<&str> = spaced.split_whitespace().collect();
    if let [kind, place] = parts.as_slice() {
        out.push(format!("{place} {kind}"));
        out.push(format!("{place} warehouse"));
        out.push(format!("{place} coast {kind}"));
        out.push((*place).to_owned());
    }
    if let Some(name) = name {
        out.push(name.to_lowercase());
        // "Newark DC" → "newark dc", "newark warehouse", and the bare city
        // (which names the DC only in a stock question).
        if let Some(first) = name.split_whitespace().next() {
            let city = first.to_lowercase();
            out.push(format!("{city} dc"));
            out.push(format!("{city} warehouse"));
            out.push(city);
        }
    }
    // Warehouse words of other languages ("Lager Ost").
    for (en, de) in [("east", "ost"), ("west", "west"), ("north", "nord"), ("south", "sued")] {
        if spaced.split_whitespace().any(|w| w == en) {
            out.push(format!("lager {de}"));
        }
    }
    if let Some(region) = region {
        let r = region.to_lowercase().replace(['-', '_'], " ");
        out.push(format!("{r} dc"));
        out.push(format!("{r} warehouse"));
    }
    out.sort();
    out.dedup();
    out
}

fn lexicon(app: &App, tenant: &TenantId, v: &Vocabulary) -> Lexicon {
    let mut lexicon = Lexicon {
        skus: Arc::new(v.skus.clone()),
        ..Lexicon::default()
    };
    for (name, email) in &v.customers {
        lexicon.add_customer(name, email.as_deref());
    }
    for account in &v.accounts {
        lexicon.add_customer(account, None);
    }
    for city in &v.cities {
        let alias: Vec<&str> = if city == "Los Angeles" { vec!["la", "l.a"] } else { Vec::new() };
        lexicon.add_place(city, &alias);
    }
    for (id, node) in app.config.nodes.iter().filter(|(_, n)| n.tenant == *tenant) {
        let aliases = node_aliases(id.as_str(), node.name.as_deref(), node.region.as_deref());
        let aliases: Vec<&str> = aliases.iter().map(String::as_str).collect();
        lexicon.add_node(id.as_str(), &aliases);
    }
    lexicon
}

/// The vocabulary's lexicon with the order, PO and tracking numbers the
/// question names that the store knows (in the tenant, whoever may see them).
pub fn for_question(app: &App, tenant: &TenantId, base: &Lexicon, question: &str) -> Lexicon {
    let mut lexicon = base.clone();
    let words: Vec<String> = question
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '#'))
        .filter(|w| w.chars().any(|c| c.is_ascii_digit()))
        .map(|w| w.trim_matches(|c| c == '-' || c == '#').to_owned())
        .collect();
    // Tracking numbers are often typed with spaces: try runs of up to eight words.
    let squeezed: Vec<String> = {
        let raw: Vec<&str> = question.split_whitespace().collect();
        let mut out = Vec::new();
        for start in 0..raw.len() {
            let mut joined = String::new();
            for w in raw.iter().skip(start).take(8) {
                joined.push_str(&w.chars().filter(char::is_ascii_alphanumeric).collect::<String>());
                if joined.len() >= 10 && joined.chars().any(|c| c.is_ascii_digit()) {
                    out.push(joined.to_uppercase());
                }
            }
        }
        out
    };
    for word in &words {
        let digits: String = word.chars().filter(char::is_ascii_digit).collect();
        if digits.len() == word.len() && !digits.is_empty() {
            // An order number, not the tracking number of one of its packages.
            if app
                .store
                .order(tenant, &digits)
                .ok()
                .flatten()
                .is_some_and(|o| o.shipments.iter().all(|s| s.tracking_number != digits))
            {
                lexicon.orders.insert(digits.clone());
            }
            let query = store::OrderQuery {
                po: Some(digits.clone()),
                ..Default::default()
            };
            if app.store.orders(tenant, &query, None, 1).is_ok_and(|p| !p.items.is_empty()) {
                lexicon.pos.insert(digits);
            }
        }
    }
    for candidate in squeezed
        .iter()
        .chain(words.iter().map(|w| w.to_uppercase()).collect::<Vec<_>>().iter())
    {
        if candidate.len() >= 10
            && !lexicon.tracking.contains(candidate)
            && app
                .store
                .order(tenant, candidate)
                .ok()
                .flatten()
                .is_some_and(|o| o.shipments.iter().any(|s| s.tracking_number.eq_ignore_ascii_case(candidate)))
        {
            lexicon.tracking.insert(candidate.clone());
        }
    }
    lexicon
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_is_named_by_its_id_name_and_region() {
        let aliases = node_aliases("DC-EAST", Some("Newark DC"), Some("us-east"));
        for want in [
            "dc east",
            "east dc",
            "east warehouse",
            "east",
            "newark dc",
            "newark warehouse",
            "us east dc",
        ] {
            assert!(aliases.iter().any(|a| a == want), "{want} in {aliases:?}");
        }
        assert_eq!(title_case("jersey  CITY"), "Jersey City");
    }
}
