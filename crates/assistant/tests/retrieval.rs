//! Policy retrieval against the demo merchant's documents
//! (`examples/policies`) and the labelled question set, plus the parts of
//! BM25 a user can check: passages, stemming, scores, the no-answer
//! threshold and the load errors.

use std::path::{Path, PathBuf};

use assistant::Error;
use assistant::retrieval::{Library, terms};
use serde_json::Value;

/// Where each topic is answered: (document, heading path prefix).
const SECTIONS: [(&str, &str, &str); 8] = [
    ("return_window", "returns.md", "Returns › Return window"),
    ("final_sale_returns", "returns.md", "Returns › Final-sale items"),
    ("exchanges", "returns.md", "Returns › Exchanges"),
    ("refund_timing", "returns.md", "Returns › Refunds"),
    ("shipping_cutoffs", "shipping.md", "Shipping › Order cutoffs"),
    ("po_boxes", "shipping.md", "Shipping › PO boxes"),
    ("international_shipping", "shipping.md", "Shipping › International shipping"),
    ("gift_wrap", "shipping.md", "Shipping › Gift wrap"),
];

fn policies() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/policies")
}

fn library() -> Library {
    Library::load(&policies()).unwrap()
}

/// (question, label intent, label topic) for every line of `questions.jsonl`.
fn questions() -> Vec<(String, String, Option<String>)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/questions.jsonl")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let case: Value = serde_json::from_str(line).unwrap();
            (
                case["q"].as_str().unwrap().to_owned(),
                case["intent"].as_str().unwrap().to_owned(),
                case["slots"]["topic"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

fn section(topic: &str) -> (&'static str, &'static str) {
    let (_, doc, heading) = SECTIONS
        .iter()
        .find(|(t, _, _)| *t == topic)
        .unwrap_or_else(|| panic!("no section for topic {topic}"));
    (doc, heading)
}

/// Share of the policy questions whose quote comes from their topic's
/// section, with the topic hint (as `/v1/ask` passes it) or without.
fn policy_accuracy(library: &Library, with_topic: bool) -> (usize, usize, Vec<String>) {
    let (mut total, mut hits, mut misses) = (0, 0, Vec::new());
    for (question, intent, topic) in questions() {
        if intent != "policy_question" {
            continue;
        }
        let topic = topic.expect("every policy question has a topic");
        let (doc, heading) = section(&topic);
        let quote = library.answer(&question, with_topic.then_some(topic.as_str()));
        total += 1;
        match &quote {
            Some(q) if q.doc == doc && q.heading.starts_with(heading) => hits += 1,
            _ => misses.push(format!(
                "{question:?} ({topic}): expected {doc} › {heading}, got {:?}",
                quote.as_ref().map(|q| format!("{} › {} ({:.2})", q.doc, q.heading, q.score))
            )),
        }
    }
    (total, hits, misses)
}

#[test]
fn policy_questions_are_answered_from_their_topic_section() {
    let library = library();
    let mut accuracies = Vec::new();
    for with_topic in [true, false] {
        let (total, hits, misses) = policy_accuracy(&library, with_topic);
        let accuracy = hits as f64 / total as f64;
        println!(
            "{total} policy questions, topic hint {}: {hits} answered from the right section ({:.1}%)",
            if with_topic { "given" } else { "not given" },
            accuracy * 100.0
        );
        for miss in &misses {
            println!("  miss: {miss}");
        }
        assert!(total >= 30, "the labelled set has {total} policy questions");
        accuracies.push((with_topic, accuracy, misses.len()));
    }
    for (with_topic, accuracy, misses) in accuracies {
        assert!(accuracy >= 0.95, "topic hint {with_topic}: below 95%, {misses} misses");
    }
}

#[test]
fn every_topic_is_answered_from_the_topic_alone() {
    let library = library();
    for (topic, doc, heading) in SECTIONS {
        let quote = library
            .answer("", Some(topic))
            .unwrap_or_else(|| panic!("no answer for topic {topic}"));
        assert!(quote.doc == doc && quote.heading.starts_with(heading), "{topic}: {quote:?}");
    }
    let labelled: Vec<String> = questions().into_iter().filter_map(|(_, _, t)| t).collect();
    assert!(
        labelled.iter().all(|t| SECTIONS.iter().any(|(s, _, _)| s == t)),
        "a topic in the set has no section"
    );
}

#[test]
fn out_of_scope_questions_get_no_quote() {
    let library = library();
    let unknown: Vec<String> = questions()
        .into_iter()
        .filter(|(_, i, _)| i == "unknown")
        .map(|(q, _, _)| q)
        .collect();
    assert!(unknown.len() >= 10);
    for question in unknown {
        let quote = library.answer(&question, None);
        assert!(quote.is_none(), "{question:?} got {quote:?}");
    }
}

#[test]
fn quotes_are_plain_text_with_their_place() {
    let library = library();
    let quote = library.answer("can final sale items be returned?", None).unwrap();
    assert_eq!(
        (quote.doc.as_str(), quote.heading.as_str()),
        ("returns.md", "Returns › Final-sale items")
    );
    assert!(
        quote.text.starts_with("Items marked Final Sale on the product page"),
        "{}",
        quote.text
    );
    let source = std::fs::read_to_string(policies().join("returns.md")).unwrap();
    let line = source.lines().nth(quote.line - 1).unwrap();
    assert!(line.starts_with("Items marked **Final Sale**"), "line {} is {line:?}", quote.line);
    for passage in library.passages() {
        assert!(!passage.text.contains("**") && !passage.text.contains('`'), "{passage:?}");
        assert!(passage.text.chars().count() <= 600, "{passage:?}");
    }
    assert_eq!(library.documents(), ["b2b.md", "exceptions.md", "returns.md", "shipping.md"]);
}

#[test]
fn sections_are_split_at_headings_and_long_ones_at_paragraphs() {
    let sentence = "Every sentence here is about the same rule and ends cleanly.";
    let long_paragraph = [sentence; 6].join(" ");
    let markdown = format!(
        "Intro before any heading.\n\n# Guide\n\n## Part A\n\nFirst *paragraph*\ncontinues here.\n\n- one\n- two\n\n##### Small\n\n\
         ```\n# not a heading\n```\n\n### Deep\n\n{long_paragraph}\n\n{long_paragraph}\n\n{long_paragraph}\n\n## Part B\n\nLast.\n"
    );
    let library = Library::from_documents(vec![("guide.md".into(), markdown)]);
    let passages = library.passages();
    let summary: Vec<(&str, usize)> = passages.iter().map(|p| (p.heading.as_str(), p.line)).collect();
    assert_eq!(
        summary,
        [
            ("", 1),
            ("Guide › Part A", 7),
            ("Guide › Part A › Deep", 21),
            ("Guide › Part A › Deep", 23),
            ("Guide › Part A › Deep", 25),
            ("Guide › Part B", 29),
        ]
    );
    assert_eq!(
        passages[1].text,
        "First paragraph continues here.\n\n- one\n- two\n\nSmall\n\n# not a heading"
    );
    for deep in &passages[2..5] {
        assert_eq!(
            deep.text, long_paragraph,
            "one paragraph per passage: two do not fit in 600 characters"
        );
    }
}

#[test]
fn a_paragraph_longer_than_a_passage_is_cut_between_sentences() {
    let sentences: Vec<String> = (1..=30)
        .map(|i| format!("Rule {i} applies to orders shipped from the P.O. Box address, e.g. DC-EAST."))
        .collect();
    let markdown = format!("# Rules\n\n{}\n", sentences.join("\n"));
    let library = Library::from_documents(vec![("rules.md".into(), markdown)]);
    let passages = library.passages();
    assert!(passages.len() >= 4, "{} passages", passages.len());
    let mut rejoined = Vec::new();
    for passage in passages {
        assert!(passage.text.chars().count() <= 600);
        assert!(
            passage.text.starts_with("Rule ") && passage.text.ends_with("DC-EAST."),
            "cut mid-sentence: {passage:?}"
        );
        let first: usize = passage.text["Rule ".len()..].split(' ').next().unwrap().parse().unwrap();
        assert_eq!(passage.line, 2 + first, "the line of rule {first}");
        rejoined.push(passage.text.clone());
    }
    assert_eq!(rejoined.join(" "), sentences.join(" "));
}

#[test]
fn stemming_meets_word_families_and_leaves_the_rest() {
    let families = [
        ("boxes", "box"),
        ("shipping", "ship"),
        ("shipped", "ship"),
        ("ships", "ship"),
        ("refunds", "refund"),
        ("policies", "policy"),
        ("wrapping", "wrap"),
        ("exchanges", "exchang"),
        ("exchanged", "exchang"),
        ("exchange", "exchang"),
        ("timing", "time"),
        ("damaged", "damag"),
        ("matches", "match"),
        ("addresses", "address"),
        ("business", "business"),
        ("status", "status"),
        ("billing", "bill"),
        ("need", "need"),
        ("ups", "ups"),
    ];
    for (word, stem) in families {
        assert_eq!(terms(word), [stem], "{word}");
    }
    assert_eq!(
        terms("What's the Cut-Off for P.O. boxes? $6.95"),
        ["cut", "cutoff", "po", "box", "6.95"]
    );
    assert_eq!(terms("Devolución de artículos"), ["devolucion", "de", "articulo"]);
}

#[test]
fn bm25_scores_match_a_hand_computation() {
    // Words after analysis: a = refund take five business day (5),
    // b = exchang free (2), c = refund refund late refund (4). avgdl = 11/3.
    let library = Library::from_documents(vec![
        ("a.md".into(), "Refunds take five business days.".into()),
        ("b.md".into(), "Exchanges are free.".into()),
        ("c.md".into(), "Refunds, refunds: late refunds.".into()),
    ]);
    let hits = library.search("refund", 3);
    let found: Vec<&str> = hits.iter().map(|h| h.passage.doc.as_str()).collect();
    assert_eq!(found, ["c.md", "a.md"], "b.md has no refund and is not a hit");
    // idf = ln(1 + (N − df + 0.5) / (df + 0.5)) with N = 3, df = 2.
    let idf = (1.0f64 + 1.5 / 2.5).ln();
    let avgdl = 11.0 / 3.0;
    let bm25 = |tf: f64, dl: f64| idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * dl / avgdl));
    assert!(
        (hits[0].score - bm25(3.0, 4.0)).abs() < 1e-12,
        "{} vs {}",
        hits[0].score,
        bm25(3.0, 4.0)
    );
    assert!((hits[1].score - bm25(1.0, 5.0)).abs() < 1e-12);
    assert!((hits[0].score - 0.72446).abs() < 1e-5, "written out: {}", hits[0].score);

    // Two query words add up; stop words and the question mark add nothing.
    let hits = library.search("How long do refunds take?", 1);
    let idf_take = (1.0f64 + 2.5 / 1.5).ln();
    assert!((hits[0].score - (bm25(1.0, 5.0) + idf_take * 2.2 / (1.0 + 1.2 * (0.25 + 0.75 * 5.0 / avgdl)))).abs() < 1e-12);
    assert_eq!(hits[0].passage.doc, "a.md");
}

#[test]
fn weak_matches_get_no_answer() {
    let library = Library::from_documents(vec![
        (
            "shipping.md".into(),
            "# Shipping\n\n## Order cutoffs\n\nOrders placed by 2 PM at DC-WEST in Reno ship the same business day.\n\n\
             ## PO boxes\n\nWe ship to PO boxes by USPS only. UPS cannot deliver to PO boxes.\n\n\
             ## Delays\n\nBad weather can hold a truck for a day.\n"
                .into(),
        ),
        (
            "returns.md".into(),
            "# Returns\n\n## Refunds\n\nRefunds are issued within 5 business days.\n".into(),
        ),
    ]);
    // Answered: the words are the passage's.
    let quote = library.answer("do we ship to PO boxes?", None).unwrap();
    assert_eq!(quote.heading, "Shipping › PO boxes");
    assert_eq!(
        library.answer("refunds", None).unwrap().heading,
        "Returns › Refunds",
        "one word the passage is about"
    );
    assert_eq!(
        library.answer("how many business days for a refnd", None).unwrap().heading,
        "Returns › Refunds",
        "typo"
    );
    // Not answered: nothing matches; one word of three; one word mentioned in passing.
    assert_eq!(library.answer("what's the weather like in Paris tomorrow", None), None);
    assert_eq!(library.answer("book me a flight to Reno", None), None);
    assert_eq!(library.answer("weather?", None), None);
    assert_eq!(library.answer("", None), None);
    // The search itself still ranks what matches.
    assert_eq!(library.search("book me a flight to Reno", 5).len(), 1);
    // A topic vouches for its section when the words are in another language.
    assert_eq!(library.answer("¿cuánto tarda el reembolso?", None), None);
    let quote = library.answer("¿cuánto tarda el reembolso?", Some("refund_timing")).unwrap();
    assert_eq!(quote.heading, "Returns › Refunds");
    // A topic is a boost, not a filter: a question that names another section keeps it.
    let quote = library.answer("do we ship to PO boxes?", Some("refund_timing")).unwrap();
    assert_eq!(quote.heading, "Shipping › PO boxes");
}

#[test]
fn load_errors_name_the_folder_or_file() {
    let missing = policies().join("no-such-folder");
    let error = Library::load(&missing).unwrap_err();
    assert!(matches!(error, Error::MissingFolder { .. }), "{error:?}");
    assert!(error.to_string().contains("no-such-folder"), "{error}");

    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("notes.txt"), "not markdown").unwrap();
    std::fs::write(empty.path().join("blank.md"), "\n  \n").unwrap();
    let error = Library::load(empty.path()).unwrap_err();
    assert!(matches!(error, Error::NoDocuments { .. }), "{error:?}");
    assert_eq!(error.code(), "policy_folder_empty");

    let bad = tempfile::tempdir().unwrap();
    std::fs::write(bad.path().join("a.md"), "# Fine\n\nText.\n").unwrap();
    std::fs::write(
        bad.path().join("latin1.md"),
        b"# Returns\n\nRetour gratuit\n\nD\xe9j\xe0 pay\xe9.\n",
    )
    .unwrap();
    let error = Library::load(bad.path()).unwrap_err();
    assert!(matches!(&error, Error::NotUtf8 { line: 5, .. }), "{error:?}");
    assert!(
        error.to_string().contains("latin1.md") && error.to_string().contains("line 5"),
        "{error}"
    );

    let file = bad.path().join("a.md");
    assert!(
        matches!(Library::load(&file), Err(Error::MissingFolder { .. })),
        "a file is not a folder"
    );
}

#[test]
fn loading_reads_only_markdown_in_file_name_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("b.md"), "# B\n\nSecond.\n").unwrap();
    std::fs::write(dir.path().join("a.MD"), "\u{feff}# A\n\nFirst.\n").unwrap();
    std::fs::write(dir.path().join("c.txt"), "# C\n\nIgnored.\n").unwrap();
    std::fs::create_dir(dir.path().join("sub.md")).unwrap();
    let library = Library::load(dir.path()).unwrap();
    assert_eq!(library.documents(), ["a.MD", "b.md"]);
    let headings: Vec<&str> = library.passages().iter().map(|p| p.heading.as_str()).collect();
    assert_eq!(headings, ["A", "B"]);
}
