//! The words BM25 counts: the crate's tokens (folded: case and accents),
//! split at hyphens and underscores, English stop words dropped, and a light
//! stemmer so "boxes", "shipping" and "shipped" meet "box" and "ship".

use crate::text::tokens;

/// English function words, question words and chat filler: they say nothing
/// about which passage answers. "us" is kept on purpose (here it is mostly
/// the country), and so is "same" ("same day"). The contraction stubs
/// ("don", "won", "t") are there because tokens split at apostrophes.
/// Sorted, for `binary_search`.
#[rustfmt::skip]
const STOP_WORDS: [&str; 167] = [
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any", "anything", "are", "aren",
    "as", "at", "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "couldn",
    "did", "didn", "do", "does", "doesn", "doing", "don", "down", "during", "each", "eg", "etc", "ever", "everything", "few",
    "for", "from", "further", "get", "gets", "got", "had", "hadn", "has", "hasn", "have", "haven", "having", "he", "her",
    "here", "hers", "herself", "him", "himself", "his", "how", "i", "ie", "if", "in", "into", "is", "isn", "it", "its",
    "itself", "just", "let", "ll", "m", "many", "me", "might", "more", "most", "much", "must", "mustn", "my", "myself", "no",
    "nor", "not", "nothing", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out",
    "over", "own", "please", "re", "s", "she", "should", "shouldn", "so", "some", "something", "still", "such", "t", "than",
    "thanks", "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those",
    "through", "to", "too", "under", "until", "up", "ve", "very", "was", "wasn", "we", "were", "weren", "what", "when",
    "where", "which", "while", "who", "whom", "why", "will", "with", "won", "would", "wouldn", "y", "you", "your", "yours",
    "yourself", "yourselves",
];

/// The words BM25 indexes for `text`, in order: folded, split at hyphens and
/// underscores (a hyphenated compound also counts joined up, so "cut-off"
/// meets "cutoff"), stop words and single letters dropped, stemmed.
///
/// `terms("Final-sale items can't be exchanged")` is
/// `["final", "sale", "finalsale", "item", "exchang"]`.
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for token in tokens(text) {
        let (parts, compound) = split(&token.text);
        out.extend(parts.iter().filter_map(|p| keep(p)));
        out.extend(compound.as_deref().and_then(keep));
    }
    out
}

/// One folded token's words, and the hyphenated compound joined up when the
/// token is one (`same-day` → `[same, day]`, `sameday`). Dotted acronyms
/// become one word (`p.o` → `po`, `u.s` → `us`); a dot or comma between
/// digits stays (`6.95`).
pub(super) fn split(token: &str) -> (Vec<String>, Option<String>) {
    let dotted: Vec<&str> = token.trim_matches('.').split('.').collect();
    if dotted.len() >= 2 && dotted.iter().all(|p| p.chars().count() == 1 && p.chars().all(char::is_alphabetic)) {
        return (vec![dotted.concat()], None);
    }
    let chars: Vec<char> = token.chars().collect();
    let mut parts = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let between_digits = || i > 0 && chars[i - 1].is_ascii_digit() && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if c.is_alphanumeric() || (matches!(c, '.' | ',') && between_digits()) {
            current.push(c);
        } else if !current.is_empty() {
            parts.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    let compound = (parts.len() >= 2 && chars.iter().all(|c| c.is_alphabetic() || matches!(c, '-' | '_'))).then(|| parts.concat());
    (parts, compound)
}

/// A word as indexed, or `None` for a stop word or a lone letter.
pub(super) fn keep(word: &str) -> Option<String> {
    let lone_letter = word.chars().count() == 1 && !word.chars().all(|c| c.is_ascii_digit());
    if lone_letter || STOP_WORDS.binary_search(&word).is_ok() {
        return None;
    }
    Some(stem(word))
}

/// A light English stemmer: plurals (`s`, `es`, `ies`), `ing` and `ed`, then a
/// final silent `e`, so each family meets in one form ("damage", "damaged"
/// → `damag`; "shipping", "shipped", "ships" → `ship`; "timing", "time" →
/// `time`). Short words, words with digits and non-ASCII words stay as they
/// are. Close to step 1 of Porter's algorithm, without its later steps.
pub(super) fn stem(word: &str) -> String {
    if word.len() <= 3 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return word.to_owned();
    }
    let mut w = if let Some(s) = word.strip_suffix("ies").filter(|s| s.len() >= 2) {
        format!("{s}y")
    } else if ["sses", "shes", "ches", "xes"].iter().any(|e| word.ends_with(e)) {
        word[..word.len() - 2].to_owned()
    } else if word.ends_with('s') && !["ss", "us", "is"].iter().any(|e| word.ends_with(e)) {
        word[..word.len() - 1].to_owned()
    } else if let Some(s) = word.strip_suffix("ied").filter(|s| s.len() >= 2) {
        format!("{s}y")
    } else if word.ends_with("eed") {
        // "need", "speed", "agreed": the e is not part of an ending.
        word.to_owned()
    } else if let Some(s) = word
        .strip_suffix("ing")
        .or_else(|| word.strip_suffix("ed"))
        .filter(|s| s.len() >= 3 && has_vowel(s))
    {
        restore(s)
    } else {
        word.to_owned()
    };
    if w.len() > 4 && w.ends_with('e') && !w.ends_with("ee") {
        w.pop();
    }
    w
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u')
}

fn has_vowel(s: &str) -> bool {
    s.bytes().any(|c| is_vowel(c) || c == b'y')
}

/// After `ing`/`ed`: undouble a final consonant ("shipp" → "ship", but
/// "bill", "miss" stay) and give a short consonant-vowel-consonant stem its
/// `e` back ("tim" → "time", "pric" → "price"), as Porter's step 1b does.
fn restore(stem: &str) -> String {
    let b = stem.as_bytes();
    let n = b.len();
    let last = b[n - 1];
    if n >= 2 && last == b[n - 2] && !is_vowel(last) && !matches!(last, b'l' | b's' | b'z') {
        return stem[..n - 1].to_owned();
    }
    let cvc = n >= 3 && !is_vowel(b[n - 3]) && is_vowel(b[n - 2]) && !is_vowel(last) && !matches!(last, b'w' | b'x' | b'y');
    // One vowel group: "tim", "pric", "stor"; not "open" or "deliver".
    let groups = b
        .iter()
        .zip(b.iter().skip(1))
        .filter(|(a, c)| is_vowel(**a) && !is_vowel(**c))
        .count();
    if cvc && groups == 1 { format!("{stem}e") } else { stem.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn splitting_keeps_numbers_and_acronyms_whole() {
        assert_eq!(split("p.o"), (vec!["po".to_owned()], None));
        assert_eq!(split("$6.95"), (vec!["6.95".to_owned()], None));
        assert_eq!(split("cut-off").1.as_deref(), Some("cutoff"));
        assert_eq!(split("scan_failure").0, ["scan", "failure"]);
        assert_eq!(split("sku-123").1, None, "only words join into a compound");
    }
}
