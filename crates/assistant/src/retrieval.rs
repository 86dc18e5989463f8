//! Policy and SOP answers from the merchant's own markdown documents, quoted:
//! Okapi BM25 over passages (heading sections, see `retrieval/markdown.rs`), with the
//! question's words folded, stop words dropped and lightly stemmed
//! ([`terms`]). No model and no network: the index is built once when the
//! folder is loaded and a search over a few hundred passages takes
//! microseconds.

mod markdown;
mod terms;

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::error::Error;
use crate::text::{close, distance, tokens};

pub use terms::terms;

/// BM25's term-frequency saturation.
const K1: f64 = 1.2;
/// BM25's length normalisation.
const B: f64 = 0.75;
/// How many times a word of the heading path counts: a section titled
/// "Gift wrap" is about gift wrap more than one that mentions it once.
const HEADING_WEIGHT: f64 = 2.0;
/// Share of the question's weight (its words' IDF, words the documents never
/// use at the highest IDF) the best passage must match for an answer: "book
/// me a flight to Reno" matches only "Reno" and gets no quote.
const MIN_COVERAGE: f64 = 0.4;
/// Share of the topic's weight the best passage must match when the topic
/// alone vouches for it (the understanding step found a policy question on
/// that topic, but the question's own words are not in the documents, e.g.
/// in another language).
const MIN_TOPIC_COVERAGE: f64 = 0.5;
/// Weight of each topic word added to the question: as if the user had
/// typed it, since the understanding step names the topic from the whole
/// question. It only adds: a question that names another section keeps it.
const TOPIC_WEIGHT: f64 = 1.0;
/// Words that name the library itself ("what's the exchange policy?"): when
/// the documents don't use them, they are left out of the question rather
/// than counted as a subject the documents don't cover. Stemmed.
const LIBRARY_WORDS: [&str; 5] = ["guidelin", "policy", "procedur", "rule", "sop"];
/// Weight of a word standing in for a typo ("refnd" → "refund"): half, as it
/// is a guess.
const CORRECTION_WEIGHT: f64 = 0.5;

/// A quotable piece of a document: one heading section, or part of a long one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Passage {
    /// The document's file name (`returns.md`).
    pub doc: String,
    /// The headings above it, outermost first (`Returns › Final-sale items`);
    /// empty before the first heading.
    pub heading: String,
    /// The text as it reads, without markdown emphasis, code or link syntax.
    pub text: String,
    /// Line (1-based) in the document where the text starts.
    pub line: usize,
}

/// A passage found for a query, with its BM25 score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit<'a> {
    pub passage: &'a Passage,
    /// Okapi BM25, higher is better; comparable only within one query.
    pub score: f64,
}

/// The answer to a policy question: the passage to quote and where it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    /// The document's file name.
    pub doc: String,
    /// The heading path, outermost first (`Shipping › PO boxes`).
    pub heading: String,
    /// The passage, to quote as it is.
    pub text: String,
    /// Line (1-based) in the document where the passage starts.
    pub line: usize,
    /// BM25 score, topic boost included.
    pub score: f64,
}

/// One word of the vocabulary: its inverse document frequency and the
/// passages that use it, in passage order, with its weighted count there.
#[derive(Debug, Clone)]
struct Term {
    text: String,
    idf: f64,
    postings: Vec<(u32, f64)>,
}

/// A word of a query: the vocabulary term it matches (`None` when the
/// documents never use it), how much it counts, and the weight it stands
/// for in the question's coverage.
#[derive(Debug, Clone, Copy)]
struct QueryTerm {
    term: Option<usize>,
    weight: f64,
    idf: f64,
}

/// The policy and SOP documents, split into passages and indexed for BM25.
#[derive(Debug, Clone)]
pub struct Library {
    documents: Vec<String>,
    passages: Vec<Passage>,
    ids: HashMap<String, usize>,
    terms: Vec<Term>,
    /// Per passage, `K1 · (1 − B + B · length / average length)`.
    norms: Vec<f64>,
    /// IDF of a word no passage uses.
    unseen_idf: f64,
}

/// The example merchant's policy and SOP documents (`examples/policies`),
/// built into the binary so the demo can write them where its server reads them.
pub const EXAMPLE_DOCUMENTS: [(&str, &str); 4] = [
    ("b2b.md", include_str!("../../../examples/policies/b2b.md")),
    ("exceptions.md", include_str!("../../../examples/policies/exceptions.md")),
    ("returns.md", include_str!("../../../examples/policies/returns.md")),
    ("shipping.md", include_str!("../../../examples/policies/shipping.md")),
];

impl Library {
    /// Reads every `*.md` file of `dir` (not its subfolders), in file-name
    /// order. A missing folder, an unreadable or non-UTF-8 file, or a folder
    /// without any markdown text is an error, so a wrong path fails at startup.
    pub fn load(dir: &Path) -> Result<Library, Error> {
        if !dir.is_dir() {
            return Err(Error::MissingFolder { path: dir.to_owned() });
        }
        let unreadable = |reason| Error::UnreadableFolder {
            path: dir.to_owned(),
            reason,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(unreadable)? {
            let path = entry.map_err(unreadable)?.path();
            if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("md")) && path.is_file() {
                files.push(path);
            }
        }
        files.sort();
        let mut documents = Vec::with_capacity(files.len());
        for path in files {
            let bytes = std::fs::read(&path).map_err(|reason| Error::UnreadableFile {
                path: path.clone(),
                reason,
            })?;
            let text = String::from_utf8(bytes).map_err(|e| {
                let valid = e.utf8_error().valid_up_to();
                let line = 1 + e.as_bytes()[..valid].iter().filter(|b| **b == b'\n').count();
                Error::NotUtf8 { path: path.clone(), line }
            })?;
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            documents.push((name, text));
        }
        let library = Library::from_documents(documents);
        if library.passages.is_empty() {
            return Err(Error::NoDocuments { path: dir.to_owned() });
        }
        Ok(library)
    }

    /// The example merchant's documents ([`EXAMPLE_DOCUMENTS`]).
    pub fn example() -> Library {
        Library::from_documents(EXAMPLE_DOCUMENTS.iter().map(|(n, t)| ((*n).to_owned(), (*t).to_owned())).collect())
    }

    /// Indexes documents given as (file name, markdown), in the order given.
    /// With none, every search finds nothing.
    pub fn from_documents(documents: Vec<(String, String)>) -> Library {
        let mut passages = Vec::new();
        let mut names = Vec::with_capacity(documents.len());
        for (name, markdown) in &documents {
            passages.extend(markdown::passages(name, markdown));
            names.push(name.clone());
        }
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut terms: Vec<Term> = Vec::new();
        let mut lengths = Vec::with_capacity(passages.len());
        for (index, passage) in passages.iter().enumerate() {
            let mut counts: Vec<(String, f64)> = Vec::new();
            let mut count = |word: String, weight: f64| match counts.iter_mut().find(|(w, _)| *w == word) {
                Some((_, n)) => *n += weight,
                None => counts.push((word, weight)),
            };
            for word in self::terms(&passage.heading) {
                count(word, HEADING_WEIGHT);
            }
            for word in self::terms(&passage.text) {
                count(word, 1.0);
            }
            lengths.push(counts.iter().map(|(_, n)| n).sum::<f64>());
            for (word, n) in counts {
                let id = *ids.entry(word.clone()).or_insert_with(|| {
                    terms.push(Term {
                        text: word,
                        idf: 0.0,
                        postings: Vec::new(),
                    });
                    terms.len() - 1
                });
                terms[id].postings.push((index as u32, n));
            }
        }
        let total = passages.len() as f64;
        // Okapi's IDF in Lucene's form: the `1 +` keeps it positive for a word
        // in more than half the passages ("order"), so no match ever lowers a score.
        let idf = |df: f64| (1.0 + (total - df + 0.5) / (df + 0.5)).ln();
        for term in &mut terms {
            term.idf = idf(term.postings.len() as f64);
        }
        let average = lengths.iter().sum::<f64>() / total.max(1.0);
        let norms = lengths
            .iter()
            .map(|length| K1 * (1.0 - B + B * if average > 0.0 { length / average } else { 1.0 }))
            .collect();
        Library {
            documents: names,
            passages,
            ids,
            terms,
            norms,
            unseen_idf: idf(0.0),
        }
    }

    /// The documents' file names, in index order.
    pub fn documents(&self) -> &[String] {
        &self.documents
    }

    /// Every passage, in document order.
    pub fn passages(&self) -> &[Passage] {
        &self.passages
    }

    /// The `k` passages with the highest BM25 score for `query`, best first;
    /// only passages sharing at least one word with it.
    pub fn search(&self, query: &str, k: usize) -> Vec<Hit<'_>> {
        let question = self.question(query);
        self.rank(&question)
            .into_iter()
            .take(k)
            .map(|(index, score)| Hit {
                passage: &self.passages[index],
                score,
            })
            .collect()
    }

    /// The passage that answers `query`, or `None` when none is relevant
    /// enough: the best passage must match at least 40% of the question's
    /// weight and either two of its words or one word it is about (in its
    /// heading or used twice). A `topic` from the understanding step
    /// (`po_boxes`) adds its words to the question as a boost, not a filter;
    /// when the question's own words carry no answer (another language, say),
    /// the passage that best covers the topic is the answer.
    pub fn answer(&self, query: &str, topic: Option<&str>) -> Option<Quote> {
        let question = self.question(query);
        let topic: Vec<QueryTerm> = topic.map(|t| self.topic(t)).unwrap_or_default();
        let all: Vec<QueryTerm> = question.iter().chain(&topic).copied().collect();
        let ranked = self.rank(&all);
        let &(mut best, mut score) = ranked.first()?;
        if !self.question_matches(&question, best) {
            // Ranked on the topic alone: stray matches of the question's words
            // ("producto" read as "product") must not pick the section.
            best = self
                .rank(&topic)
                .first()
                .map(|&(p, _)| p)
                .filter(|&p| self.topic_matches(&topic, p))?;
            score = ranked.iter().find(|(p, _)| *p == best).map_or(0.0, |(_, s)| *s);
        }
        let passage = &self.passages[best];
        Some(Quote {
            doc: passage.doc.clone(),
            heading: passage.heading.clone(),
            text: passage.text.clone(),
            line: passage.line,
            score,
        })
    }

    /// The question's words, each once, matched to the vocabulary; a word the
    /// documents never use may stand for a close one ("refnd" → "refund").
    fn question(&self, query: &str) -> Vec<QueryTerm> {
        let mut out: Vec<QueryTerm> = Vec::new();
        let mut unseen: Vec<String> = Vec::new();
        for token in tokens(query) {
            let (parts, compound) = terms::split(&token.text);
            let mut words: Vec<String> = parts.iter().filter_map(|p| terms::keep(p)).collect();
            // "cut-off" also asks for "cutoff", when the documents spell it so.
            words.extend(compound.as_deref().and_then(terms::keep).filter(|c| self.ids.contains_key(c)));
            for word in words {
                let (term, weight) = match self.ids.get(&word) {
                    Some(&id) => (id, 1.0),
                    None => match self.correction(&word) {
                        Some(id) => (id, CORRECTION_WEIGHT),
                        None if LIBRARY_WORDS.contains(&word.as_str()) => continue,
                        None => {
                            if !unseen.contains(&word) {
                                unseen.push(word);
                                out.push(QueryTerm {
                                    term: None,
                                    weight: 0.0,
                                    idf: self.unseen_idf,
                                });
                            }
                            continue;
                        }
                    },
                };
                match out.iter_mut().find(|q| q.term == Some(term)) {
                    Some(q) => q.weight = q.weight.max(weight),
                    None => out.push(QueryTerm {
                        term: Some(term),
                        weight,
                        idf: self.terms[term].idf,
                    }),
                }
            }
        }
        out
    }

    /// The vocabulary word a typo most likely stands for: within the edit
    /// distance `text::close` allows, the closest, then the most used.
    fn correction(&self, word: &str) -> Option<usize> {
        if !word.chars().all(char::is_alphabetic) {
            return None;
        }
        let first = word.chars().next()?;
        let length = word.chars().count();
        self.terms
            .iter()
            .enumerate()
            .filter(|(_, t)| t.text.starts_with(first) && t.text.chars().count().abs_diff(length) <= 2 && close(word, &t.text))
            .min_by(|(_, a), (_, b)| {
                (distance(word, &a.text), std::cmp::Reverse(a.postings.len()), &a.text).cmp(&(
                    distance(word, &b.text),
                    std::cmp::Reverse(b.postings.len()),
                    &b.text,
                ))
            })
            .map(|(id, _)| id)
    }

    /// A topic slot's words (`po_boxes` → "po boxes") that the documents use.
    fn topic(&self, topic: &str) -> Vec<QueryTerm> {
        let mut out: Vec<QueryTerm> = Vec::new();
        for word in terms(&topic.replace('_', " ")) {
            if let Some(&id) = self.ids.get(&word)
                && !out.iter().any(|q| q.term == Some(id))
            {
                out.push(QueryTerm {
                    term: Some(id),
                    weight: TOPIC_WEIGHT,
                    idf: self.terms[id].idf,
                });
            }
        }
        out
    }

    /// Passages with a positive score, best first; ties in document order.
    fn rank(&self, query: &[QueryTerm]) -> Vec<(usize, f64)> {
        let mut scores = vec![0.0; self.passages.len()];
        let mut touched = Vec::new();
        for q in query {
            let Some(id) = q.term else { continue };
            let term = &self.terms[id];
            for &(passage, tf) in &term.postings {
                let p = passage as usize;
                if scores[p] == 0.0 {
                    touched.push(p);
                }
                scores[p] += q.weight * term.idf * tf * (K1 + 1.0) / (tf + self.norms[p]);
            }
        }
        let mut ranked: Vec<(usize, f64)> = touched.into_iter().map(|p| (p, scores[p])).filter(|(_, s)| *s > 0.0).collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
    }

    /// How often the term occurs in the passage (heading words count twice).
    fn frequency(&self, term: usize, passage: usize) -> f64 {
        let postings = &self.terms[term].postings;
        postings
            .binary_search_by_key(&(passage as u32), |(p, _)| *p)
            .map_or(0.0, |i| postings[i].1)
    }

    /// Whether the passage answers the question by its own words: it matches
    /// enough of the question's weight, and two of its words or one it is about.
    fn question_matches(&self, question: &[QueryTerm], passage: usize) -> bool {
        let total: f64 = question.iter().map(|q| q.idf).sum();
        let (mut matched, mut words, mut salient) = (0.0, 0, false);
        for q in question {
            let tf = q.term.map_or(0.0, |t| self.frequency(t, passage));
            if tf > 0.0 {
                matched += q.weight * q.idf;
                words += 1;
                // In the heading (counted twice) or used twice: what the passage is about.
                salient |= tf >= 2.0;
            }
        }
        total > 0.0 && matched / total >= MIN_COVERAGE && (words >= 2 || salient)
    }

    /// Whether the passage covers the topic's words.
    fn topic_matches(&self, topic: &[QueryTerm], passage: usize) -> bool {
        let total: f64 = topic.iter().map(|q| q.idf).sum();
        let matched: f64 = topic
            .iter()
            .filter(|q| q.term.is_some_and(|t| self.frequency(t, passage) > 0.0))
            .map(|q| q.idf)
            .sum();
        total > 0.0 && matched / total >= MIN_TOPIC_COVERAGE
    }
}
