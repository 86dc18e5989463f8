//! Text in the two base-14 fonts we use: WinAnsi encoding, widths and wrapping.
//!
//! Base-14 fonts are not embedded, so every reader has them and the files stay
//! small; the price is a fixed character set (WinAnsi), and anything outside it
//! prints as `?`. Widths come from the fonts' metrics so wrapped lines never run
//! past their box.

mod metrics;

/// One of the two fonts every page carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Font {
    Regular,
    Bold,
}

impl Font {
    /// Name of the font in each page's resources.
    pub(crate) fn resource(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
        }
    }

    /// PostScript name of the base-14 font.
    pub(crate) fn base_font(self) -> &'static str {
        match self {
            Font::Regular => "Helvetica",
            Font::Bold => "Helvetica-Bold",
        }
    }

    fn widths(self) -> &'static [u16; 224] {
        match self {
            Font::Regular => &metrics::HELVETICA,
            Font::Bold => &metrics::HELVETICA_BOLD,
        }
    }
}

/// `text` in WinAnsiEncoding: tabs become spaces, anything else WinAnsi cannot
/// show (control characters, other scripts, emoji) becomes `?`.
pub(crate) fn winansi(text: &str) -> Vec<u8> {
    text.chars().map(winansi_byte).collect()
}

fn winansi_byte(c: char) -> u8 {
    match c {
        '\t' => b' ',
        ' '..='~' | '\u{A0}'..='\u{FF}' => c as u8,
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '\u{2018}' => 0x91,
        '\u{2019}' => 0x92,
        '\u{201C}' => 0x93,
        '\u{201D}' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => b'?',
    }
}

/// Width in points of WinAnsi-encoded `text` set in `font` at `size`.
pub(crate) fn width(font: Font, size: f32, text: &[u8]) -> f32 {
    let units: u32 = text
        .iter()
        .map(|&b| match b {
            // Unmapped codes never come out of `winansi`; count them as an em to stay on the safe side.
            32.. => match font.widths()[usize::from(b - 32)] {
                0 => 1000,
                w => u32::from(w),
            },
            _ => 1000,
        })
        .sum();
    units as f32 * size / 1000.0
}

/// The largest size from `max` down to `min` (in half points) at which `text`
/// fits on one line of `max_width`; `min` if none does.
pub(crate) fn fit_size(text: &str, font: Font, max: f32, min: f32, max_width: f32) -> f32 {
    let encoded = winansi(text);
    let mut size = max;
    while size > min && width(font, size, &encoded) > max_width {
        size -= 0.5;
    }
    size.max(min)
}

/// `text` broken into lines no wider than `max_width`: at spaces where it can,
/// inside a word only when the word alone is too wide. A newline starts a new
/// line; blank lines between paragraphs are kept, leading and trailing ones dropped.
pub(crate) fn wrap(text: &str, font: Font, size: f32, max_width: f32) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    for paragraph in text.trim().lines() {
        let mut line: Vec<u8> = Vec::new();
        for word in paragraph.split_whitespace() {
            let word = winansi(word);
            let mut candidate = line.clone();
            if !candidate.is_empty() {
                candidate.push(b' ');
            }
            candidate.extend_from_slice(&word);
            if width(font, size, &candidate) <= max_width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word wider than the line is cut where it reaches the edge, or
            // after the last hyphen or slash before that (RMAs, SKUs, URLs).
            for &b in &word {
                line.push(b);
                if line.len() > 1 && width(font, size, &line) > max_width {
                    let cut = match line[..line.len() - 1].iter().rposition(|&c| c == b'-' || c == b'/') {
                        Some(i) if i > 0 => i + 1,
                        _ => line.len() - 1,
                    };
                    let rest = line.split_off(cut);
                    lines.push(std::mem::replace(&mut line, rest));
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// `text` on one line of at most `max_width`, cut short with an ellipsis if it is wider.
pub(crate) fn truncate(text: &str, font: Font, size: f32, max_width: f32) -> Vec<u8> {
    let encoded = winansi(text.trim());
    if width(font, size, &encoded) <= max_width {
        return encoded;
    }
    ellipsize(encoded, font, size, max_width)
}

/// `line` shortened until it fits `max_width` with an ellipsis after it, which
/// says that more followed.
pub(crate) fn ellipsize(mut line: Vec<u8>, font: Font, size: f32, max_width: f32) -> Vec<u8> {
    const ELLIPSIS: u8 = 0x85;
    let ellipsis = width(font, size, &[ELLIPSIS]);
    while !line.is_empty() && width(font, size, &line) + ellipsis > max_width {
        line.pop();
    }
    line.push(ELLIPSIS);
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_winansi_and_replaces_the_rest() {
        assert_eq!(winansi("Zoë – “hi” €5"), b"Zo\xEB \x96 \x93hi\x94 \x805");
        assert_eq!(winansi("東京\u{1F381}\u{7}x\ty"), b"????x y");
    }

    #[test]
    fn widths_follow_helvetica_metrics() {
        // Helvetica: H 722, e 556, l 222, o 556; Helvetica-Bold: H 722, e 556, l 278, o 611.
        assert_eq!(width(Font::Regular, 10.0, b"Hello"), (722 + 556 + 222 + 222 + 556) as f32 / 100.0);
        assert_eq!(width(Font::Bold, 10.0, b"Hello"), (722 + 556 + 278 + 278 + 611) as f32 / 100.0);
        assert_eq!(width(Font::Regular, 1000.0, b" "), 278.0);
    }

    #[test]
    fn wraps_within_width_and_keeps_every_word() {
        let text = "Please leave the parcel with the neighbour at number 12 if nobody answers the door.";
        let lines = wrap(text, Font::Regular, 10.0, 120.0);
        assert!(lines.len() >= 3, "{lines:?}");
        for line in &lines {
            assert!(width(Font::Regular, 10.0, line) <= 120.0, "{:?}", String::from_utf8_lossy(line));
        }
        let joined: Vec<String> = lines.iter().map(|l| String::from_utf8_lossy(l).into_owned()).collect();
        assert_eq!(joined.join(" "), text);
    }

    #[test]
    fn breaks_words_longer_than_the_line_and_keeps_paragraphs() {
        let lines = wrap("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA end\n\nsecond", Font::Bold, 12.0, 60.0);
        assert!(lines.iter().all(|l| width(Font::Bold, 12.0, l) <= 60.0));
        let text: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
        assert_eq!(text.concat().iter().filter(|&&b| b == b'A').count(), 30);
        assert_eq!(text[text.len() - 2..], [b"" as &[u8], b"second"]);
    }

    #[test]
    fn cuts_long_words_after_a_hyphen_when_it_can() {
        let lines = wrap("RMA-ACME-WEST-2026-000123", Font::Bold, 10.0, 100.0);
        let lines: Vec<String> = lines.iter().map(|l| String::from_utf8_lossy(l).into_owned()).collect();
        assert_eq!(lines, ["RMA-ACME-WEST-", "2026-000123"]);
    }

    #[test]
    fn truncates_with_an_ellipsis() {
        assert_eq!(truncate("short", Font::Regular, 10.0, 100.0), b"short");
        let cut = truncate("a rather long line of text", Font::Regular, 10.0, 50.0);
        assert_eq!(cut.last(), Some(&0x85));
        assert!(width(Font::Regular, 10.0, &cut) <= 50.0);
        assert_eq!(ellipsize(b"fits".to_vec(), Font::Regular, 10.0, 100.0), b"fits\x85");
    }

    #[test]
    fn fits_size_to_width() {
        let size = fit_size("RMA-2026-000123", Font::Bold, 24.0, 8.0, 150.0);
        assert!((8.0..24.0).contains(&size));
        assert!(width(Font::Bold, size, b"RMA-2026-000123") <= 150.0);
        assert!(width(Font::Bold, size + 0.5, b"RMA-2026-000123") > 150.0);
    }
}
