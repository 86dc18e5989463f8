//! Placing wrapped text on a page, top down.

use crate::pdf::Page;
use crate::text::{self, Font};

/// A font at a size.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub(crate) font: Font,
    pub(crate) size: f32,
}

impl Style {
    pub(crate) const fn new(font: Font, size: f32) -> Self {
        Self { font, size }
    }

    /// Distance from one baseline to the next.
    pub(crate) fn line_height(self) -> f32 {
        self.size * 1.2
    }

    /// Height of `lines` lines set in this style.
    pub(crate) fn height(self, lines: usize) -> f32 {
        lines as f32 * self.line_height()
    }
}

/// Small bold capitals above a block: `SHIP TO`, `ITEMS`.
pub(crate) const CAPTION: Style = Style::new(Font::Bold, 7.0);

/// `text` wrapped to `width`, at most `max_lines` lines (at least one); when it
/// needs more, the last line shown ends in an ellipsis.
pub(crate) fn capped(text: &str, style: Style, width: f32, max_lines: usize) -> Vec<Vec<u8>> {
    let mut lines = text::wrap(text, style.font, style.size, width);
    let max_lines = max_lines.max(1);
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        let last = lines.pop().unwrap_or_default();
        lines.push(text::ellipsize(last, style.font, style.size, width));
    }
    lines
}

/// Draws `lines` from `top` down (the first line's glyphs start just under
/// `top`) and returns the top of whatever comes next.
pub(crate) fn draw(page: &mut Page, x: f32, top: f32, style: Style, lines: &[Vec<u8>]) -> f32 {
    let mut top = top;
    for line in lines {
        page.text(x, top - 0.9 * style.size, style.font, style.size, line);
        top -= style.line_height();
    }
    top
}

/// Draws one line right-aligned at `right`, its glyphs just under `top`.
pub(crate) fn draw_right(page: &mut Page, right: f32, top: f32, style: Style, line: &[u8]) {
    let w = text::width(style.font, style.size, line);
    page.text(right - w, top - 0.9 * style.size, style.font, style.size, line);
}

/// Non-blank entries of `lines`, one per line.
pub(crate) fn joined(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Rounds a size down to a quarter point, so modules land on a regular grid.
pub(crate) fn quarter(v: f32) -> f32 {
    (v * 4.0).floor() / 4.0
}

/// Runs of `true` in `cells`, as (start, length): adjacent dark modules are
/// drawn as one rectangle, which leaves no hairline seams between them.
pub(crate) fn runs(cells: &[bool]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < cells.len() {
        if cells[i] {
            let len = cells[i..].iter().take_while(|&&c| c).count();
            out.push((i, len));
            i += len;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_lines_with_an_ellipsis() {
        let style = Style::new(Font::Regular, 10.0);
        let lines = capped("one two three four five six seven eight nine ten", style, 40.0, 2);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].last(), Some(&0x85));
        assert!(lines.iter().all(|l| text::width(style.font, style.size, l) <= 40.0));
        assert_eq!(capped("short", style, 40.0, 2), [b"short".to_vec()]);
    }

    #[test]
    fn finds_runs() {
        assert_eq!(runs(&[true, true, false, true, false, false, true]), [(0, 2), (3, 1), (6, 1)]);
        assert!(runs(&[false, false]).is_empty());
    }

    #[test]
    fn joins_non_blank_lines() {
        assert_eq!(joined(&["A".into(), "  ".into(), " B ".into()]), "A\nB");
    }
}
