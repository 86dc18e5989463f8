//! Intent and slot extraction without a model: entities are found by
//! resolving the question's words against the data ([`Lexicon`]), the
//! intent by the words around them, in a fixed order of precedence that
//! mirrors how reps ask (a tracking number decides, a return request wins
//! over a status question, a hold over a delay). Works in English and in the
//! common Spanish, German and French phrasings of the same questions.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::lexicon::Lexicon;
use crate::text::{Token, close, fold, tokens};

/// What a question asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    WhereIsOrder,
    OrderByTracking,
    PoStatus,
    ShipmentsToPlace,
    OpenOrdersForCustomer,
    SkuAvailability,
    WhyLate,
    OrderExceptions,
    StartReturn,
    PolicyQuestion,
    Unknown,
}

impl Intent {
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::WhereIsOrder => "where_is_order",
            Intent::OrderByTracking => "order_by_tracking",
            Intent::PoStatus => "po_status",
            Intent::ShipmentsToPlace => "shipments_to_place",
            Intent::OpenOrdersForCustomer => "open_orders_for_customer",
            Intent::SkuAvailability => "sku_availability",
            Intent::WhyLate => "why_late",
            Intent::OrderExceptions => "order_exceptions",
            Intent::StartReturn => "start_return",
            Intent::PolicyQuestion => "policy_question",
            Intent::Unknown => "unknown",
        }
    }
}

/// The slots of a question, normalised (see `tests/QUESTIONS.md`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Slots {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub po: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<&'static str>,
}

impl Slots {
    /// The slots as a flat map of strings (lists joined by commas), for comparison and display.
    pub fn to_map(&self) -> BTreeMap<&'static str, String> {
        let mut map = BTreeMap::new();
        let mut put = |k: &'static str, v: Option<String>| {
            if let Some(v) = v {
                map.insert(k, v);
            }
        };
        put("order", self.order.clone());
        put("po", self.po.clone());
        put("tracking", self.tracking.clone());
        put("sku", self.sku.clone());
        put("customer", self.customer.clone());
        put("place", self.place.clone());
        put("node", self.node.clone());
        put("period", self.period.map(str::to_owned));
        put("reason", self.reason.map(str::to_owned));
        put("condition", self.condition.map(str::to_owned));
        put("lines", (!self.lines.is_empty()).then(|| self.lines.join(",")));
        put("topic", self.topic.map(str::to_owned));
        map
    }
}

/// What the engine understood.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Understanding {
    pub intent: Intent,
    pub slots: Slots,
}

/// Whether the folded text contains any of the phrases (as whole words).
fn has(text: &str, phrases: &[&str]) -> bool {
    phrases.iter().any(|p| contains_words(text, p))
}

fn contains_words(text: &str, phrase: &str) -> bool {
    let mut from = 0;
    while let Some(i) = text[from..].find(phrase) {
        let start = from + i;
        let end = start + phrase.len();
        let before = text[..start].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        let after = text[end..].chars().next().is_none_or(|c| !c.is_alphanumeric());
        if before && after {
            return true;
        }
        from = start + phrase.len().max(1);
        if from >= text.len() {
            break;
        }
    }
    false
}

/// Whether any token is, or is a typo of, one of the words.
fn has_word(tokens: &[Token], words: &[&str]) -> bool {
    tokens.iter().any(|t| words.iter().any(|w| close(&t.text, w)))
}

const ORDER_WORDS: [&str; 12] = [
    "order",
    "ordr",
    "ord",
    "pedido",
    "bestellung",
    "commande",
    "so",
    "package",
    "pkg",
    "wismo",
    "orden",
    "auftrag",
];
const RETURN_WORDS: [&str; 12] = [
    "return",
    "retrun",
    "rtn",
    "rma",
    "devolver",
    "devolucion",
    "retour",
    "retourner",
    "zuruckschicken",
    "rucksendung",
    "ruckgabe",
    "returns",
];
const LATE_PHRASES: [&str; 22] = [
    "late",
    "delayed",
    "delay",
    "behind",
    "taking so long",
    "missed",
    "miss the",
    "hasn't arrived",
    "hasnt arrived",
    "hasn't shipped",
    "hasnt shipped",
    "not delivered",
    "not arrived",
    "overdue",
    "verspatet",
    "en retard",
    "retrasado",
    "retraso",
    "running late",
    "so long",
    "why hasn't",
    "why hasnt",
];
const EXCEPTION_PHRASES: [&str; 22] = [
    "on hold",
    "held",
    "hold",
    "stuck",
    "flagged",
    "blocked",
    "blocking",
    "error",
    "errors",
    "problem",
    "problems",
    "probleme",
    "issue",
    "issues",
    "exception",
    "exceptions",
    "excpetions",
    "fail to allocate",
    "failed",
    "wrong with",
    "short-picked",
    "probleme avec",
];
const STOCK_PHRASES: [&str; 20] = [
    "available",
    "availble",
    "avialable",
    "avail",
    "availability",
    "in stock",
    "stock",
    "atp",
    "oos",
    "out of stock",
    "inventory",
    "inv",
    "on hand",
    "left",
    "backordered",
    "have any",
    "have them",
    "supply",
    "promise",
    "verfugbar",
];
const SHIPMENT_PHRASES: [&str; 18] = [
    "shipments",
    "shipment",
    "shipmnets",
    "shipped to",
    "ship to",
    "deliveries",
    "sent to",
    "send to",
    "went to",
    "went out to",
    "going to",
    "in transit to",
    "trucks to",
    "outbound to",
    "envios",
    "sendungen",
    "asns",
    "cartons",
];
const OPEN_PHRASES: [&str; 14] = [
    "open orders",
    "opne ordres",
    "open",
    "unfulfilled",
    "pending orders",
    "backlog",
    "open sos",
    "unshipped",
    "still open",
    "en cours",
    "offene",
    "pendientes",
    "still have open",
    "outstanding",
];

/// Understands one question against the data in `lexicon`.
pub fn understand(question: &str, lexicon: &Lexicon) -> Understanding {
    let text = fold(question);
    let toks = tokens(question);
    let unknown = Understanding {
        intent: Intent::Unknown,
        slots: Slots::default(),
    };
    if !toks.iter().any(|t| t.text.chars().any(char::is_alphanumeric)) {
        return unknown;
    }
    let mut slots = Slots {
        tracking: tracking(question, lexicon),
        po: po(&toks, lexicon),
        ..Slots::default()
    };
    slots.order = order(&toks, lexicon, slots.po.as_deref());
    let skus = skus(&toks, lexicon);
    slots.customer = customer(&text, &toks, lexicon);
    slots.period = period(&text);

    let returning = has_word(&toks, &RETURN_WORDS) || has(&text, &["send back", "sent back", "zuruck"]);
    let policy = topic(&text);
    let late = has(&text, &LATE_PHRASES);
    let exception = has(&text, &EXCEPTION_PHRASES);
    let shipments = has(&text, &SHIPMENT_PHRASES)
        || has(
            &text,
            &[
                "what shipped",
                "ship to our",
                "what did we send",
                "did anything ship",
                "anything going",
            ],
        );
    let open = has(&text, &OPEN_PHRASES);
    let stock = has(&text, &STOCK_PHRASES)
        || has(
            &text,
            &["how many", "how much", "do we have", "qty", "can we fill", "do we still have"],
        );

    let intent = if slots.tracking.is_some() {
        Intent::OrderByTracking
    } else if returning
        && !(policy.is_some() && slots.order.is_none() && skus.is_empty() && !has(&text, &["start", "open a", "create", "initiate"]))
    {
        Intent::StartReturn
    } else if let Some(topic) = policy.filter(|_| slots.order.is_none()) {
        slots.topic = Some(topic);
        Intent::PolicyQuestion
    } else if exception && (slots.order.is_some() || slots.po.is_some()) {
        Intent::OrderExceptions
    } else if late && (slots.order.is_some() || slots.po.is_some()) {
        Intent::WhyLate
    } else if slots.po.is_some() {
        Intent::PoStatus
    } else if shipments && slots.order.is_none() && skus.is_empty() {
        Intent::ShipmentsToPlace
    } else if open && skus.is_empty() && slots.order.is_none() && has_word(&toks, &["orders", "order", "sos"]) {
        Intent::OpenOrdersForCustomer
    } else if !skus.is_empty() || (stock && slots.order.is_none() && slots.customer.is_none()) {
        Intent::SkuAvailability
    } else if open && slots.order.is_none() {
        Intent::OpenOrdersForCustomer
    } else if slots.order.is_some()
        || (slots.customer.is_some() && has_word(&toks, &ORDER_WORDS))
        || (has(&text, &["where is", "where's", "wheres"]) && has_word(&toks, &ORDER_WORDS))
    {
        Intent::WhereIsOrder
    } else {
        Intent::Unknown
    };

    // What each intent keeps.
    match intent {
        Intent::Unknown => return unknown,
        Intent::StartReturn => {
            slots.reason = reason(&text);
            slots.condition = condition(&text);
            slots.lines = skus;
        }
        Intent::SkuAvailability => {
            slots.sku = skus.into_iter().next();
            slots.node = node(&text, lexicon, true);
        }
        Intent::ShipmentsToPlace => {
            slots.place = place(&text, &toks, lexicon);
            slots.node = node(&text, lexicon, false);
        }
        Intent::PoStatus | Intent::WhyLate => {
            slots.place = place(&text, &toks, lexicon);
        }
        _ => {}
    }
    if !matches!(intent, Intent::ShipmentsToPlace | Intent::OpenOrdersForCustomer) {
        slots.period = None;
    }
    if !matches!(intent, Intent::OpenOrdersForCustomer | Intent::WhereIsOrder) {
        slots.customer = None;
    }
    if intent == Intent::WhereIsOrder && slots.order.is_some() {
        slots.customer = None;
    }
    Understanding { intent, slots }
}

/// A known tracking number, or a UPS-shaped one (`1Z` + 16), spaces allowed.
fn tracking(question: &str, lexicon: &Lexicon) -> Option<String> {
    let squeezed: String = question.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    if let Some(known) = lexicon.tracking.iter().find(|t| squeezed.contains(t.as_str())) {
        // A 12-digit FedEx number must stand alone, not be part of a longer number.
        return Some(known.clone());
    }
    let chars: Vec<char> = squeezed.chars().collect();
    chars.windows(18).find_map(|w| {
        let candidate: String = w.iter().collect();
        (candidate.starts_with("1Z") && w[2..].iter().all(|c| c.is_ascii_alphanumeric())).then_some(candidate)
    })
}

fn digits(token: &str) -> Option<String> {
    let t = token.trim_start_matches('#').trim_start_matches("no.").trim_start_matches('#');
    (!t.is_empty() && t.chars().all(|c| c.is_ascii_digit())).then(|| t.to_owned())
}

/// A PO: a number after "PO", "P.O.", "purchase order", "bon de commande",
/// or a known PO number standing alone.
fn po(toks: &[Token], lexicon: &Lexicon) -> Option<String> {
    for (i, t) in toks.iter().enumerate() {
        let word = t.text.as_str();
        // "po12345", "po#12345"
        if let Some(rest) = word
            .strip_prefix("po#")
            .or_else(|| word.strip_prefix("po"))
            .filter(|r| !r.is_empty())
            && let Some(n) = digits(rest)
        {
            return Some(n);
        }
        let prefix = matches!(word, "po" | "po#" | "p.o" | "p.o.#" | "p.o#")
            || (word == "order" && i > 0 && toks[i - 1].text == "purchase")
            || (word == "commande" && i > 1 && toks[i - 1].text == "de" && toks[i - 2].text == "bon");
        if prefix {
            // "PO box" is never a PO.
            if toks.get(i + 1).is_some_and(|n| n.text.starts_with("box")) {
                continue;
            }
            for next in toks.iter().skip(i + 1).take(3) {
                if matches!(next.text.as_str(), "#" | "no" | "no." | "number" | "nr") {
                    continue;
                }
                if let Some(n) = digits(&next.text) {
                    return Some(n);
                }
                break;
            }
        }
    }
    toks.iter().filter_map(|t| digits(&t.text)).find(|n| lexicon.pos.contains(n))
}

/// An order: `#1001`, a number after an order word, or a known order number;
/// with several, the last (the one asked about: "1018 arrived, where's 1019?").
fn order(toks: &[Token], lexicon: &Lexicon, po: Option<&str>) -> Option<String> {
    let mut found = None;
    for (i, t) in toks.iter().enumerate() {
        let word = t.text.as_str();
        let n = match word.strip_prefix("order#").or_else(|| word.strip_prefix("ord#")) {
            Some(rest) => digits(rest),
            None => digits(word),
        };
        let Some(n) = n else { continue };
        // A PO or a known tracking number is not an order number.
        if Some(n.as_str()) == po || lexicon.tracking.contains(&n) {
            continue;
        }
        let hashed = word.starts_with('#') || word.starts_with("order#");
        let after_order_word = i > 0
            && ORDER_WORDS
                .iter()
                .any(|w| close(&toks[i - 1].text, w) || toks[i - 1].text == format!("{w}#"));
        if lexicon.orders.contains(&n) || ((hashed || after_order_word) && lexicon.orders.is_empty()) {
            found = Some(n);
        }
    }
    found
}

/// Known SKUs named in the question, in order, each once.
fn skus(toks: &[Token], lexicon: &Lexicon) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in toks {
        let upper = t.raw.to_uppercase();
        if lexicon.skus.contains(&upper) && !out.contains(&upper) {
            out.push(upper);
        }
    }
    out
}

/// A customer or account, by any alias, with typos in its words.
fn customer(text: &str, toks: &[Token], lexicon: &Lexicon) -> Option<String> {
    let words: Vec<&str> = toks.iter().map(|t| t.text.trim_end_matches("'s")).collect();
    // An exact alias beats a near one ("ada@…" is not "alan@…" misspelt), then the longer wins.
    let mut best: Option<((bool, usize), &String)> = None;
    // Both an exact and a near match start with the first letter of a word of
    // the question: skip every other alias without looking further (a
    // lexicon may hold tens of thousands of customers).
    let initials: Vec<char> = words.iter().filter_map(|w| w.chars().next()).collect();
    for (name, aliases) in lexicon.customers.iter() {
        for alias in aliases {
            if !alias.chars().next().is_some_and(|c| initials.contains(&c)) {
                continue;
            }
            let alias_words: Vec<&str> = alias.split_whitespace().collect();
            let exact = contains_words(text, alias);
            let fuzzy = || {
                words.windows(alias_words.len()).any(|w| {
                    w.iter().zip(&alias_words).all(|(a, b)| close(a, b)) && alias_words.iter().map(|a| a.len()).sum::<usize>() >= 5
                })
            };
            let rank = (exact, alias.len());
            if (exact || fuzzy()) && best.is_none_or(|(r, _)| rank > r) {
                best = Some((rank, name));
            }
        }
    }
    best.map(|(_, name)| name.clone())
}

/// A place (a destination), by name or alias, with typos.
fn place(text: &str, toks: &[Token], lexicon: &Lexicon) -> Option<String> {
    let words: Vec<&str> = toks.iter().map(|t| t.text.as_str()).collect();
    for (name, aliases) in lexicon.places.iter() {
        for alias in aliases {
            let alias_words: Vec<&str> = alias.split_whitespace().collect();
            let fuzzy = words
                .windows(alias_words.len())
                .any(|w| w.iter().zip(&alias_words).all(|(a, b)| close(a, b)));
            if contains_words(text, alias) || fuzzy {
                // "Reno DC" / "Newark warehouse" is the node, not the place.
                let as_node = [" dc", " warehouse", " lager"]
                    .iter()
                    .any(|s| contains_words(text, &format!("{alias}{s}")));
                if !as_node {
                    return Some(name.clone());
                }
            }
        }
    }
    None
}

/// A node named as a warehouse. Bare direction words and DC cities count
/// only in a stock question (`bare`); elsewhere "Reno" is a place.
fn node(text: &str, lexicon: &Lexicon, bare: bool) -> Option<String> {
    let mut best: Option<(usize, &String)> = None;
    for (id, aliases) in lexicon.nodes.iter() {
        for alias in aliases {
            let single = !alias.contains(' ') && !alias.contains('-');
            if single && !bare {
                continue;
            }
            if contains_words(text, alias) && best.is_none_or(|(len, _)| alias.len() > len) {
                best = Some((alias.len(), id));
            }
        }
    }
    best.map(|(_, id)| id.clone())
}

fn period(text: &str) -> Option<&'static str> {
    const PERIODS: [(&str, &str); 22] = [
        ("last 30 days", "last_30_days"),
        ("past 30 days", "last_30_days"),
        ("last 7 days", "last_7_days"),
        ("past 7 days", "last_7_days"),
        ("past week", "last_7_days"),
        ("la semana pasada", "last_week"),
        ("letzte woche", "last_week"),
        ("semaine derniere", "last_week"),
        ("last week", "last_week"),
        ("previous week", "last_week"),
        ("so far this week", "this_week"),
        ("this week", "this_week"),
        ("last month", "last_month"),
        ("previous month", "last_month"),
        ("this month", "this_month"),
        ("mtd", "this_month"),
        ("month to date", "this_month"),
        ("yesterday", "yesterday"),
        ("ayer", "yesterday"),
        ("gestern", "yesterday"),
        ("today", "today"),
        ("hoy", "today"),
    ];
    PERIODS.iter().find(|(p, _)| contains_words(text, p)).map(|(_, v)| *v)
}

fn reason(text: &str) -> Option<&'static str> {
    const REASONS: [(&[&str], &str); 7] = [
        (
            &[
                "no longer needed",
                "no longer needs",
                "not needed",
                "doesn't want",
                "changed their mind",
                "changed my mind",
                "ordered too many",
                "don't need",
            ],
            "no_longer_needed",
        ),
        (
            &[
                "not what was advertised",
                "doesn't match the description",
                "not as described",
                "doesn't look like the photos",
                "not like the picture",
            ],
            "not_as_described",
        ),
        (
            &[
                "wrong item",
                "wrong items",
                "wrong size",
                "wrong color",
                "wrong colour",
                "wrong product",
            ],
            "wrong_item",
        ),
        (
            &["defective", "faulty", "doesn't work", "does not work", "broken zipper"],
            "defective",
        ),
        (
            &[
                "damaged",
                "broken",
                "brokn",
                "busted",
                "cracked",
                "dmg",
                "danado",
                "beschadigt",
                "endommage",
            ],
            "damaged",
        ),
        (&["too late", "arrived after", "came 2 weeks late", "late"], "late"),
        (&["reason other", "doesn't fit", "other reason"], "other"),
    ];
    // "condition: damaged" is the condition, not the reason.
    let text = text.replace("condition: damaged", "").replace("damaged condition", "");
    REASONS.iter().find(|(words, _)| has(&text, words)).map(|(_, r)| *r)
}

fn condition(text: &str) -> Option<&'static str> {
    if has(text, &["condition: damaged", "damaged condition"]) {
        return Some("damaged");
    }
    if has(
        text,
        &[
            "unopened",
            "sealed",
            "never opened",
            "tags still on",
            "still sealed",
            "new condition",
        ],
    ) {
        return Some("new");
    }
    if has(text, &["opened", "box opened", "used once", "tried on", "used"]) {
        return Some("opened");
    }
    None
}

fn topic(text: &str) -> Option<&'static str> {
    const TOPICS: [(&[&str], &str); 8] = [
        (&["final sale", "final-sale", "clearance"], "final_sale_returns"),
        (
            &["po box", "po boxes", "p.o. box", "p.o box", "post office box", "post office boxes"],
            "po_boxes",
        ),
        (&["gift wrap", "gift wrapping", "gift-wrap"], "gift_wrap"),
        (&["exchange", "exchanges", "swap for"], "exchanges"),
        (&["refund", "refunds", "refnd"], "refund_timing"),
        (
            &[
                "cutoff",
                "cut-off",
                "cutoff time",
                "same day",
                "same-day",
                "need to be in",
                "last order time",
            ],
            "shipping_cutoffs",
        ),
        (
            &["international", "outside the us", "canada", "mexico", "abroad", "overseas"],
            "international_shipping",
        ),
        (
            &[
                "return window",
                "return period",
                "days to return",
                "to return something",
                "return after",
                "para devolver",
                "days do customers have",
            ],
            "return_window",
        ),
    ];
    TOPICS.iter().find(|(words, _)| has(text, words)).map(|(_, t)| *t)
}
