//! What the questions can name, from the data: order numbers, PO numbers,
//! tracking numbers, SKUs, customers and accounts, places, nodes. Names are
//! resolved against it (with typos and short forms), so "acme" is the
//! account `Acme Corp` and 48213 — a number no order has — is not an order.

use std::collections::BTreeSet;
use std::sync::Arc;

/// The entities a question may name, with the aliases each is known by.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    /// Order numbers as digits (`1001`).
    pub orders: BTreeSet<String>,
    /// PO numbers as written without prefix (`12345`).
    pub pos: BTreeSet<String>,
    /// Tracking numbers, upper case without spaces.
    pub tracking: BTreeSet<String>,
    /// SKUs, upper case.
    pub skus: Arc<BTreeSet<String>>,
    /// (canonical name, folded aliases): customers and B2B accounts.
    pub customers: Arc<Vec<(String, Vec<String>)>>,
    /// (canonical place, folded aliases).
    pub places: Arc<Vec<(String, Vec<String>)>>,
    /// (node id, folded aliases that name it as a warehouse).
    pub nodes: Arc<Vec<(String, Vec<String>)>>,
}

/// Legal-form words that may follow or be left off a company name.
const LEGAL_FORMS: [&str; 10] = [
    "corp",
    "corporation",
    "inc",
    "incorporated",
    "co",
    "company",
    "llc",
    "ltd",
    "gmbh",
    "sa",
];

impl Lexicon {
    /// Adds a customer or account with its short forms: the name, the name
    /// without its legal form, with other legal forms, its e-mail.
    pub fn add_customer(&mut self, name: &str, email: Option<&str>) {
        let folded = crate::text::fold(name).replace(['.', ','], "");
        let words: Vec<&str> = folded.split_whitespace().collect();
        let mut aliases = vec![folded.clone()];
        if words.len() > 1 && LEGAL_FORMS.contains(words.last().unwrap_or(&"")) {
            let stem = words[..words.len() - 1].join(" ");
            for form in LEGAL_FORMS {
                aliases.push(format!("{stem} {form}"));
            }
            aliases.push(stem);
        }
        if let Some(email) = email {
            aliases.push(crate::text::fold(email));
        }
        aliases.sort();
        aliases.dedup();
        let customers = Arc::make_mut(&mut self.customers);
        match customers.iter_mut().find(|(n, _)| n == name) {
            Some((_, list)) => list.extend(aliases),
            None => customers.push((name.to_owned(), aliases)),
        }
    }

    pub fn add_place(&mut self, name: &str, aliases: &[&str]) {
        let mut list = vec![crate::text::fold(name)];
        list.extend(aliases.iter().map(|a| crate::text::fold(a)));
        Arc::make_mut(&mut self.places).push((name.to_owned(), list));
    }

    /// A node and the words that name it as a warehouse ("east", "newark dc").
    pub fn add_node(&mut self, id: &str, aliases: &[&str]) {
        let mut list = vec![crate::text::fold(id)];
        list.extend(aliases.iter().map(|a| crate::text::fold(a)));
        Arc::make_mut(&mut self.nodes).push((id.to_owned(), list));
    }

    /// The dataset the labelled question set (`tests/questions.jsonl`) is
    /// written against; the end-to-end tests seed the same entities.
    pub fn seeded() -> Lexicon {
        let mut lexicon = Lexicon {
            orders: (1001..=1060).map(|n| n.to_string()).collect(),
            pos: ["12345", "4500012345", "88001", "88002"].map(str::to_owned).into(),
            tracking: ["1Z12345E0205271688", "1Z999AA10123456784", "123456789012", "9400111899223197428490"]
                .map(str::to_owned)
                .into(),
            skus: Arc::new(
                ["SKU-123", "SKU-1", "SKU-2", "TSHIRT-BLK-M", "MUG-WHT-12OZ", "HOODIE-GRY-L"]
                    .map(str::to_owned)
                    .into(),
            ),
            ..Lexicon::default()
        };
        lexicon.add_customer("Ada Lovelace", Some("ada@example.com"));
        lexicon.add_customer("Grace Hopper", None);
        lexicon.add_customer("Alan Turing", None);
        for account in ["Acme Corp", "Globex Inc", "Initech", "Umbrella Co"] {
            lexicon.add_customer(account, None);
        }
        lexicon.add_place("Newark", &[]);
        lexicon.add_place("Jersey City", &[]);
        lexicon.add_place("Brooklyn", &[]);
        lexicon.add_place("Los Angeles", &["la", "l.a"]);
        lexicon.add_place("Reno", &[]);
        lexicon.add_node(
            "DC-EAST",
            &[
                "dc east",
                "east dc",
                "east coast dc",
                "newark dc",
                "newark warehouse",
                "east warehouse",
                "lager ost",
                "east",
            ],
        );
        lexicon.add_node(
            "DC-WEST",
            &[
                "dc west",
                "west dc",
                "west coast dc",
                "reno dc",
                "reno warehouse",
                "west warehouse",
                "lager west",
                "west",
                "reno",
            ],
        );
        lexicon
    }
}
