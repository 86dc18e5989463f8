//! Markdown → passages. A passage is one heading section's paragraphs
//! (sections start at headings `#` to `####`); a section longer than
//! [`MAX_CHARS`] is split at blank lines, a paragraph longer than that at list
//! items or sentence ends, never inside a sentence. The text is stripped of
//! emphasis, code and link syntax so it can be quoted as it reads.

use super::Passage;

/// A passage's length limit in characters; a single sentence longer than
/// this stays whole.
pub(super) const MAX_CHARS: usize = 600;
/// Between the headings of a passage's heading path.
pub(super) const HEADING_SEPARATOR: &str = " › ";

/// One block of text: a paragraph, a list, or a fenced code block.
struct Paragraph {
    /// Line number (1-based) of its first line.
    line: usize,
    /// The text with every source line break kept as `\n`, to find lines.
    lined: String,
    /// The text as quoted: soft line breaks are spaces, list items and code
    /// lines stay on their own lines. Same byte length as `lined`.
    text: String,
    code: bool,
}

/// The passages of one document, in order.
pub(super) fn passages(doc: &str, markdown: &str) -> Vec<Passage> {
    let markdown = markdown.strip_prefix('\u{feff}').unwrap_or(markdown);
    let mut out = Vec::new();
    let mut headings: Vec<(usize, String)> = Vec::new();
    let mut section: Vec<Paragraph> = Vec::new();
    let mut block: Vec<String> = Vec::new();
    let mut block_start = 0;
    let mut fence: Option<String> = None;
    let mut in_comment = false;

    let end_block = |block: &mut Vec<String>, start: usize, code: bool, section: &mut Vec<Paragraph>| {
        if !block.is_empty() {
            section.extend(paragraph(start, &block.join("\n"), code));
            block.clear();
        }
    };
    let end_section = |headings: &[(usize, String)], section: &mut Vec<Paragraph>, out: &mut Vec<Passage>| {
        let heading: Vec<&str> = headings.iter().map(|(_, h)| h.as_str()).filter(|h| !h.is_empty()).collect();
        let heading = heading.join(HEADING_SEPARATOR);
        for (line, text) in chunk(section) {
            out.push(Passage {
                doc: doc.to_owned(),
                heading: heading.clone(),
                text,
                line,
            });
        }
        section.clear();
    };

    for (index, line) in markdown.lines().enumerate() {
        let number = index + 1;
        if let Some(marker) = &fence {
            if closes_fence(line, marker) {
                end_block(&mut block, block_start, true, &mut section);
                fence = None;
            } else {
                if block.is_empty() {
                    block_start = number;
                }
                block.push(line.trim_end().to_owned());
            }
            continue;
        }
        let trimmed = line.trim();
        if in_comment {
            in_comment = !trimmed.contains("-->");
            continue;
        }
        if trimmed.starts_with("<!--") {
            end_block(&mut block, block_start, false, &mut section);
            in_comment = !trimmed.contains("-->");
            continue;
        }
        if let Some(marker) = opens_fence(line) {
            end_block(&mut block, block_start, false, &mut section);
            fence = Some(marker);
            continue;
        }
        if let Some((level, title)) = heading(line) {
            end_block(&mut block, block_start, false, &mut section);
            if level <= 4 {
                end_section(&headings, &mut section, &mut out);
                headings.retain(|(l, _)| *l < level);
                headings.push((level, strip_inline(title)));
            } else {
                // `#####` and deeper are bold lines inside the section.
                section.extend(paragraph(number, title, false));
            }
            continue;
        }
        if trimmed.is_empty() || is_thematic_break(trimmed) || is_reference_definition(trimmed) || is_table_rule(trimmed) {
            end_block(&mut block, block_start, false, &mut section);
            continue;
        }
        if block.is_empty() {
            block_start = number;
        }
        block.push(block_content(line));
    }
    // An unclosed fence runs to the end of the document, as in CommonMark.
    end_block(&mut block, block_start, fence.is_some(), &mut section);
    end_section(&headings, &mut section, &mut out);
    out
}

/// An ATX heading: up to three spaces, 1 to 6 `#`, a space; the closing `#`s
/// are dropped.
fn heading(line: &str) -> Option<(usize, &str)> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let rest = &line[indent..];
    let level = rest.len() - rest.trim_start_matches('#').len();
    if indent > 3 || !(1..=6).contains(&level) {
        return None;
    }
    let title = &rest[level..];
    if !(title.is_empty() || title.starts_with([' ', '\t'])) {
        return None;
    }
    let title = title.trim();
    let closed = title.trim_end_matches('#');
    let title = if closed.is_empty() || closed.ends_with([' ', '\t']) {
        closed.trim_end()
    } else {
        title
    };
    Some((level, title))
}

fn opens_fence(line: &str) -> Option<String> {
    let trimmed = line.trim_start();
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    ['`', '~'].into_iter().find_map(|c| {
        let run = trimmed.len() - trimmed.trim_start_matches(c).len();
        (run >= 3).then(|| c.to_string().repeat(run))
    })
}

fn closes_fence(line: &str, marker: &str) -> bool {
    let trimmed = line.trim();
    let c = marker.chars().next().unwrap_or('`');
    let run = trimmed.len() - trimmed.trim_start_matches(c).len();
    run >= marker.len() && run == trimmed.len()
}

fn is_thematic_break(trimmed: &str) -> bool {
    ['-', '*', '_'].into_iter().any(|c| {
        let squeezed: String = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
        squeezed.len() >= 3 && squeezed.chars().all(|x| x == c)
    })
}

/// `[label]: https://…` defines a link target; it is not text.
fn is_reference_definition(trimmed: &str) -> bool {
    trimmed.starts_with('[') && trimmed.find("]:").is_some_and(|i| !trimmed[1..i].contains(']'))
}

/// A table's `|---|:--:|` row.
fn is_table_rule(trimmed: &str) -> bool {
    trimmed.contains('-') && trimmed.contains('|') && trimmed.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// A line without its block syntax: indentation, `>` quote markers; `*` and
/// `+` bullets become `-`.
fn block_content(line: &str) -> String {
    let mut rest = line.trim();
    while let Some(quoted) = rest.strip_prefix('>') {
        rest = quoted.trim_start();
    }
    for bullet in ["* ", "+ "] {
        if let Some(item) = rest.strip_prefix(bullet) {
            return format!("- {}", item.trim_start());
        }
    }
    rest.to_owned()
}

/// Whether a line of a block starts a list item (`- `, `1. `, `1) `).
fn is_item(line: &str) -> bool {
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    line.starts_with("- ") || (digits > 0 && (line[digits..].starts_with(". ") || line[digits..].starts_with(") ")))
}

/// The paragraph of a block of lines joined by `\n`.
fn paragraph(line: usize, raw: &str, code: bool) -> Option<Paragraph> {
    let lined = if code { raw.to_owned() } else { strip_inline(raw) };
    if lined.trim().is_empty() {
        return None;
    }
    let text = if code {
        lined.clone()
    } else {
        // A soft line break reads as a space; a list item keeps its line.
        let lines: Vec<&str> = lined.split('\n').collect();
        let mut text = String::with_capacity(lined.len());
        for (i, l) in lines.iter().enumerate() {
            if i > 0 {
                text.push(if is_item(l) { '\n' } else { ' ' });
            }
            text.push_str(l);
        }
        text
    };
    Some(Paragraph { line, lined, text, code })
}

/// How a unit is joined to the one before it in a passage.
#[derive(Clone, Copy)]
enum Joint {
    Paragraph,
    Line,
    Space,
}

impl Joint {
    fn as_str(self) -> &'static str {
        match self {
            Joint::Paragraph => "\n\n",
            Joint::Line => "\n",
            Joint::Space => " ",
        }
    }
}

/// A section's paragraphs packed into passages of at most [`MAX_CHARS`]:
/// whole paragraphs while they fit; a paragraph too long on its own is cut
/// into list items or sentences first. Returns (first line, text).
fn chunk(section: &[Paragraph]) -> Vec<(usize, String)> {
    let mut units: Vec<(Joint, usize, &str)> = Vec::new();
    for p in section {
        if p.text.chars().count() <= MAX_CHARS {
            units.push((Joint::Paragraph, p.line, p.text.trim()));
            continue;
        }
        let mut start = 0;
        let mut joint = Joint::Paragraph;
        for (end, next) in cuts(&p.text, p.code) {
            let piece = p.text[start..end].trim();
            if !piece.is_empty() {
                let offset = start + (p.text[start..end].len() - p.text[start..end].trim_start().len());
                let line = p.line + p.lined[..offset].matches('\n').count();
                units.push((joint, line, piece));
                joint = next;
            }
            start = end;
        }
    }
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (joint, line, piece) in units {
        match &mut current {
            Some((_, text)) if text.chars().count() + joint.as_str().len() + piece.chars().count() <= MAX_CHARS => {
                text.push_str(joint.as_str());
                text.push_str(piece);
            }
            _ => {
                out.extend(current.take());
                current = Some((line, piece.to_owned()));
            }
        }
    }
    out.extend(current);
    out
}

/// Where a long paragraph may be cut: (end of a piece, how the next piece
/// joins it). Line breaks (list items, code lines) always; sentence ends in
/// prose. The last cut is the end of the text.
fn cuts(text: &str, code: bool) -> Vec<(usize, Joint)> {
    let mut out = Vec::new();
    for (i, c) in text.char_indices() {
        if c == '\n' {
            out.push((i, Joint::Line));
        } else if !code
            && matches!(c, '.' | '!' | '?')
            && let Some(end) = sentence_end(text, i)
        {
            out.push((end, Joint::Space));
        }
    }
    out.push((text.len(), Joint::Paragraph));
    out
}

/// Words whose trailing dot does not end a sentence.
const ABBREVIATIONS: [&str; 14] = [
    "approx", "co", "dept", "dr", "etc", "inc", "ltd", "mr", "mrs", "ms", "no", "st", "vs", "fig",
];

/// If the `.`, `!` or `?` at `i` ends a sentence, the index just after it
/// (and after a closing quote or bracket): it must be followed by a space and
/// a capital letter, a digit or an opening quote or bracket, and a dot must
/// not end an abbreviation ("P.O.", "e.g.", "No.") or a list number ("1.").
fn sentence_end(text: &str, i: usize) -> Option<usize> {
    let after = &text[i + 1..];
    let closing = after.len() - after.trim_start_matches([')', '"', '\'', '”', '’']).len();
    let rest = &after[closing..];
    let next = rest.trim_start_matches(' ').chars().next()?;
    if !rest.starts_with(' ') || !(next.is_uppercase() || next.is_ascii_digit() || matches!(next, '(' | '"' | '“')) {
        return None;
    }
    if text.as_bytes()[i] == b'.' {
        let word_start = text[..i].rfind(|c: char| c.is_whitespace() || c == '(').map_or(0, |s| s + 1);
        let word = text[word_start..i].to_lowercase();
        let before = text[..word_start].trim_end_matches(' ');
        let list_number = !word.is_empty() && word.chars().all(|c| c.is_ascii_digit()) && (before.is_empty() || before.ends_with('\n'));
        if word.chars().count() <= 1 || word.contains('.') || ABBREVIATIONS.contains(&word.as_str()) || list_number {
            return None;
        }
    }
    Some(i + 1 + closing)
}

/// Inline markdown as plain text: `**bold**`, `*em*`, `_em_`, `~~struck~~`
/// lose their delimiters (matched in pairs, so `2 * 3` and `SCAN_FAILURE`
/// stay), `` `code` `` its backticks, `[text](url)`, `[text][ref]` and
/// `![alt](src)` become their text, `<https://…>` its address, and `\*` is a
/// literal `*`. Line breaks are kept.
pub(super) fn strip_inline(text: &str) -> String {
    enum Piece {
        Text(String),
        Delimiter {
            c: char,
            run: usize,
            open: bool,
            close: bool,
            matched: bool,
        },
    }
    let chars: Vec<char> = text.chars().collect();
    let mut pieces: Vec<Piece> = Vec::new();
    let push = |pieces: &mut Vec<Piece>, s: &str| match pieces.last_mut() {
        Some(Piece::Text(t)) => t.push_str(s),
        _ => pieces.push(Piece::Text(s.to_owned())),
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let run = chars[i..].iter().take_while(|x| **x == c).count();
        match c {
            '\\' if chars.get(i + 1).is_some_and(char::is_ascii_punctuation) => {
                push(&mut pieces, &chars[i + 1].to_string());
                i += 2;
            }
            '`' => {
                match (i + run..chars.len()).find(|&j| chars[j..].iter().take_while(|x| **x == '`').count() == run && chars[j - 1] != '`') {
                    Some(end) => {
                        let code: String = chars[i + run..end].iter().collect();
                        let code = match code.strip_prefix(' ').and_then(|c| c.strip_suffix(' ')) {
                            Some(inner) if !inner.trim().is_empty() => inner.to_owned(),
                            _ => code,
                        };
                        push(&mut pieces, &code);
                        i = end + run;
                    }
                    None => {
                        push(&mut pieces, &"`".repeat(run));
                        i += run;
                    }
                }
            }
            '[' | '!' if c == '[' || chars.get(i + 1) == Some(&'[') => {
                let open = if c == '!' { i + 1 } else { i };
                match link(&chars, open) {
                    Some((label, next)) => {
                        push(&mut pieces, &strip_inline(&label));
                        i = next;
                    }
                    None => {
                        push(&mut pieces, &c.to_string());
                        i += 1;
                    }
                }
            }
            '<' => match autolink(&chars, i) {
                Some((address, next)) => {
                    push(&mut pieces, &address);
                    i = next;
                }
                None => {
                    push(&mut pieces, "<");
                    i += 1;
                }
            },
            '*' | '_' | '~' if c != '~' || run == 2 => {
                let before = i.checked_sub(1).map(|p| chars[p]);
                let after = chars.get(i + run).copied();
                let mut open = after.is_some_and(|a| !a.is_whitespace());
                let mut close = before.is_some_and(|b| !b.is_whitespace());
                if c == '_' {
                    // Inside a word an underscore is a character: SCAN_FAILURE.
                    open &= !before.is_some_and(char::is_alphanumeric);
                    close &= !after.is_some_and(char::is_alphanumeric);
                }
                pieces.push(Piece::Delimiter {
                    c,
                    run,
                    open,
                    close,
                    matched: false,
                });
                i += run;
            }
            _ => {
                push(&mut pieces, &chars[i..i + run].iter().collect::<String>());
                i += run;
            }
        }
    }
    // Pair each closer with the nearest opener of the same kind and length;
    // openers left between them stay literal.
    let mut openers: Vec<usize> = Vec::new();
    for k in 0..pieces.len() {
        let Piece::Delimiter { c, run, open, close, .. } = pieces[k] else {
            continue;
        };
        let partner = close
            .then(|| {
                openers
                    .iter()
                    .rposition(|&o| matches!(pieces[o], Piece::Delimiter { c: oc, run: or, .. } if oc == c && or == run))
            })
            .flatten();
        if let Some(position) = partner {
            for m in [openers[position], k] {
                if let Piece::Delimiter { matched, .. } = &mut pieces[m] {
                    *matched = true;
                }
            }
            openers.truncate(position);
        } else if open {
            openers.push(k);
        }
    }
    let mut out = String::with_capacity(text.len());
    for piece in &pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Delimiter { matched: true, .. } => {}
            Piece::Delimiter { c, run, .. } => out.extend(std::iter::repeat_n(*c, *run)),
        }
    }
    out
}

/// `[label](destination)`, `[label][ref]` or `[label][]` starting at the `[`
/// at `open`: the label and the index after the link.
fn link(chars: &[char], open: usize) -> Option<(String, usize)> {
    let close = matching(chars, open, '[', ']')?;
    let label: String = chars[open + 1..close].iter().collect();
    match chars.get(close + 1) {
        Some('(') => matching(chars, close + 1, '(', ')').map(|end| (label, end + 1)),
        Some('[') => matching(chars, close + 1, '[', ']').map(|end| (label, end + 1)),
        _ => None,
    }
}

/// The index of the bracket closing the one at `open`, skipping escapes and nesting.
fn matching(chars: &[char], open: usize, left: char, right: char) -> Option<usize> {
    let mut depth = 0;
    let mut i = open;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            c if c == left => depth += 1,
            c if c == right => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `<https://…>` or `<someone@example.com>`: the address and the index after it.
fn autolink(chars: &[char], open: usize) -> Option<(String, usize)> {
    let close = open + chars[open..].iter().position(|c| *c == '>')?;
    let inner: String = chars[open + 1..close].iter().collect();
    let address = inner.strip_prefix("mailto:").unwrap_or(&inner);
    let is_link = ["http://", "https://"].iter().any(|p| inner.starts_with(p)) || (address.contains('@') && address.contains('.'));
    (is_link && !inner.contains(char::is_whitespace)).then(|| (address.to_owned(), close + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_markup_is_stripped_and_literals_stay() {
        assert_eq!(
            strip_inline("**Final Sale** items, *clearance* and __gift cards__: see [the policy](https://x.example/p \"t\")."),
            "Final Sale items, clearance and gift cards: see the policy."
        );
        assert_eq!(strip_inline("SCAN_FAILURE and ORDER_HOLD"), "SCAN_FAILURE and ORDER_HOLD");
        assert_eq!(
            strip_inline("2 * 3 = 6, ~5 days, a ~~struck~~ word"),
            "2 * 3 = 6, ~5 days, a struck word"
        );
        assert_eq!(
            strip_inline("the `VIP` tag, ![logo](l.png), <ops@example.com>, [ref link][r]"),
            "the VIP tag, logo, ops@example.com, ref link"
        );
        assert_eq!(
            strip_inline(r"an escaped \*star\* and *unclosed"),
            "an escaped *star* and *unclosed"
        );
        assert_eq!(strip_inline("***both*** and **nested *em* here**"), "both and nested em here");
    }

    #[test]
    fn sentences_end_at_a_capital_but_not_after_abbreviations() {
        let text = "Ship to a P.O. Box by USPS. UPS cannot! Costs $6.95 e.g. Priority. 2 days.";
        let ends: Vec<usize> = text
            .char_indices()
            .filter(|(_, c)| matches!(c, '.' | '!' | '?'))
            .filter_map(|(i, _)| sentence_end(text, i))
            .collect();
        let pieces: Vec<&str> = std::iter::once(0)
            .chain(ends.iter().copied())
            .zip(ends.iter().copied())
            .map(|(a, b)| text[a..b].trim())
            .collect();
        assert_eq!(pieces, ["Ship to a P.O. Box by USPS.", "UPS cannot!", "Costs $6.95 e.g. Priority."]);
    }

    #[test]
    fn headings_need_a_space_and_lose_closing_hashes() {
        assert_eq!(heading("## Gift wrap ##"), Some((2, "Gift wrap")));
        assert_eq!(heading("#1001 is an order"), None);
        assert_eq!(heading("    # indented code"), None);
        assert_eq!(heading("###### Six"), Some((6, "Six")));
        assert_eq!(heading("####### seven"), None);
    }
}
