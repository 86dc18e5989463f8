//! Text normalisation for understanding questions: lower case, accents
//! folded, tokens split so that order numbers, SKUs and tracking numbers
//! survive intact.

use unicode_normalization::UnicodeNormalization;

/// Lower case without accents (`¿Dónde está?` → `¿donde esta?`); `ß` → `ss`.
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .fold(String::new(), |mut out, c| {
            if c == 'ß' {
                out.push_str("ss");
            } else {
                out.push(c);
            }
            out
        })
}

/// One word of a question, folded, with its original spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Folded, trimmed of surrounding punctuation.
    pub text: String,
    /// As typed (trimmed the same way).
    pub raw: String,
}

/// Splits on whitespace and on punctuation that never sits inside an id
/// (`,;:!?()"'`), then trims a trailing `.`; `#`, `-`, `@` and inner `.`
/// stay (`#1001`, `SKU-123`, `ada@example.com`, `p.o.`).
pub fn tokens(text: &str) -> Vec<Token> {
    let separators = |c: char| c.is_whitespace() || ",;:!?()\"'¿¡/[]{}<>|*".contains(c) || c == '\u{2019}';
    text.split(separators)
        .filter_map(|raw| {
            let raw = raw.trim_end_matches(['.', '-']).trim_start_matches(['-']);
            (!raw.is_empty()).then(|| Token {
                text: fold(raw),
                raw: raw.to_owned(),
            })
        })
        .collect()
}

/// Levenshtein distance, for typos in names ("brookyln", "umbrela").
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb {
                previous
            } else {
                1 + previous.min(row[j]).min(row[j + 1])
            };
            previous = current;
        }
    }
    row[b.len()]
}

/// Whether `word` is `target` or a plausible typo of it: one edit for words
/// of 4 to 7 letters, two for longer ones; short words must match exactly.
pub fn close(word: &str, target: &str) -> bool {
    if word == target {
        return true;
    }
    let n = target.chars().count();
    let allowed = match n {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    };
    allowed > 0 && word.chars().next() == target.chars().next() && distance(word, target) <= allowed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_and_tokens() {
        assert_eq!(fold("¿Dónde está el PEDIDO?"), "¿donde esta el pedido?");
        assert_eq!(fold("Straße"), "strasse");
        let t: Vec<String> = tokens("Where's #1001, SKU-123 (ada@example.com)?")
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(t, ["where", "s", "#1001", "sku-123", "ada@example.com"]);
    }

    #[test]
    fn typos_are_close_short_words_are_exact() {
        assert!(close("brookyln", "brooklyn"));
        assert!(close("umbrela", "umbrella"));
        assert!(close("acmee", "acme"));
        assert!(!close("amce", "acme"), "a swap is two edits: too far for a short word");
        assert!(!close("la", "le"));
        assert!(!close("ordr", "year"));
    }
}
