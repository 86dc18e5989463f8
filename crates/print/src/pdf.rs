//! A minimal PDF 1.4 writer: pages of text and filled rectangles, nothing else.
//!
//! Labels and slips need two fonts and black boxes (QR modules, barcode bars,
//! rules), so the writer stays small: uncompressed content streams, the two
//! base-14 Helvetica faces, and a classic cross-reference table whose offsets
//! are counted while writing.

use std::fmt::Write as _;

use crate::text::Font;

/// One page being drawn, in PDF points with the origin at the bottom left.
#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) width: f32,
    pub(crate) height: f32,
    content: String,
    /// Extent of everything drawn so far: `[min_x, min_y, max_x, max_y]`.
    bounds: Option<[f32; 4]>,
}

impl Page {
    pub(crate) fn new(width: f32, height: f32) -> Self {
        Self {
            width,
            height,
            content: String::new(),
            bounds: None,
        }
    }

    /// WinAnsi-encoded `text` with its baseline starting at (`x`, `y`).
    pub(crate) fn text(&mut self, x: f32, y: f32, font: Font, size: f32, text: &[u8]) {
        if text.is_empty() {
            return;
        }
        let w = crate::text::width(font, size, text);
        self.extend([x, y - 0.25 * size, x + w, y + 0.8 * size]);
        let _ = writeln!(
            self.content,
            "BT /{} {} Tf {} {} Td {} Tj ET",
            font.resource(),
            num(size),
            num(x),
            num(y),
            literal(text)
        );
    }

    /// Like [`Page::text`], turned a quarter counter-clockwise: it reads upwards
    /// from (`x`, `y`) and its glyphs stand to the left of that baseline.
    pub(crate) fn text_up(&mut self, x: f32, y: f32, font: Font, size: f32, text: &[u8]) {
        if text.is_empty() {
            return;
        }
        let w = crate::text::width(font, size, text);
        self.extend([x - 0.8 * size, y, x + 0.25 * size, y + w]);
        let _ = writeln!(
            self.content,
            "BT /{} {} Tf 0 1 -1 0 {} {} Tm {} Tj ET",
            font.resource(),
            num(size),
            num(x),
            num(y),
            literal(text)
        );
    }

    /// A black rectangle with its lower left corner at (`x`, `y`).
    pub(crate) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.extend([x, y, x + w, y + h]);
        let _ = writeln!(self.content, "{} {} {} {} re f", num(x), num(y), num(w), num(h));
    }

    /// The outline of a rectangle, `line` thick, drawn inside it.
    pub(crate) fn frame(&mut self, x: f32, y: f32, w: f32, h: f32, line: f32) {
        self.rect(x, y, w, line);
        self.rect(x, y + h - line, w, line);
        self.rect(x, y, line, h);
        self.rect(x + w - line, y, line, h);
    }

    /// Whether everything drawn lies on the page.
    #[cfg(test)]
    pub(crate) fn fits(&self) -> bool {
        self.bounds
            .is_none_or(|[x0, y0, x1, y1]| x0 >= 0.0 && y0 >= 0.0 && x1 <= self.width && y1 <= self.height)
    }

    fn extend(&mut self, [x0, y0, x1, y1]: [f32; 4]) {
        self.bounds = Some(match self.bounds {
            None => [x0, y0, x1, y1],
            Some([a, b, c, d]) => [a.min(x0), b.min(y0), c.max(x1), d.max(y1)],
        });
    }
}

/// The PDF file of `pages`, titled `title` in its document information.
pub(crate) fn write(pages: &[Page], title: &str) -> Vec<u8> {
    // Objects: 1 catalog, 2 page tree, 3 and 4 the fonts, 5 document info,
    // then each page followed by its content stream.
    let page_id = |i: usize| 6 + 2 * i;
    let mut objects: Vec<Vec<u8>> = Vec::with_capacity(5 + 2 * pages.len());
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    let kids: Vec<String> = (0..pages.len()).map(|i| format!("{} 0 R", page_id(i))).collect();
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {} >>", kids.join(" "), pages.len()).into_bytes());
    for font in [Font::Regular, Font::Bold] {
        objects.push(
            format!(
                "<< /Type /Font /Subtype /Type1 /BaseFont /{} /Encoding /WinAnsiEncoding >>",
                font.base_font()
            )
            .into_bytes(),
        );
    }
    objects.push(format!("<< /Title {} /Producer (crossdock) >>", literal(&crate::text::winansi(title))).into_bytes());
    for (i, page) in pages.iter().enumerate() {
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
                num(page.width),
                num(page.height),
                page_id(i) + 1
            )
            .into_bytes(),
        );
        let mut stream = format!("<< /Length {} >>\nstream\n", page.content.len()).into_bytes();
        stream.extend_from_slice(page.content.as_bytes());
        stream.extend_from_slice(b"\nendstream");
        objects.push(stream);
    }

    // The binary comment tells transfer tools the file is not text.
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    // Each entry is exactly 20 bytes, ending in space + newline.
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        let _ = writeln!(table, "{offset:010} 00000 n ");
    }
    let _ = write!(
        table,
        "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out.extend_from_slice(table.as_bytes());
    out
}

/// A PDF literal string: `(`, `)` and `\` escaped, bytes outside printable ASCII in octal.
fn literal(text: &[u8]) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('(');
    for &b in text {
        match b {
            b'(' | b')' | b'\\' => {
                s.push('\\');
                s.push(char::from(b));
            }
            b' '..=b'~' => s.push(char::from(b)),
            _ => {
                let _ = write!(s, "\\{b:03o}");
            }
        }
    }
    s.push(')');
    s
}

/// A number as PDF writes it: at most two decimals, no trailing zeros.
fn num(v: f32) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".to_owned() } else { s.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_literal_strings() {
        assert_eq!(literal(b"a(b)c\\d"), r"(a\(b\)c\\d)");
        assert_eq!(literal(b"Zo\xEB \x85\n"), r"(Zo\353 \205\012)");
    }

    #[test]
    fn writes_numbers_compactly() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.5), "12.5");
        assert_eq!(num(0.126), "0.13");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(288.0), "288");
    }

    #[test]
    fn writes_objects_xref_and_trailer() {
        let mut page = Page::new(100.0, 50.0);
        page.text(10.0, 20.0, Font::Bold, 12.0, b"Hi (there)");
        page.rect(1.0, 2.0, 3.0, 4.0);
        let pdf = write(&[page], "Test");
        let find = |needle: &str| pdf.windows(needle.len()).position(|w| w == needle.as_bytes()).unwrap();
        let text = String::from_utf8_lossy(&pdf);
        assert!(pdf.starts_with(b"%PDF-1.4\n"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        assert!(text.contains("BT /F2 12 Tf 10 20 Td (Hi \\(there\\)) Tj ET\n1 2 3 4 re f\n"));
        assert!(text.contains("/BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding"));
        // The stream length matches what sits between `stream` and `endstream`.
        let start = find("stream\n") + "stream\n".len();
        let end = find("\nendstream");
        assert!(text.contains(&format!("/Length {}", end - start)));
        // Seven objects plus the free entry; each xref entry 20 bytes.
        let xref = find("xref\n");
        assert!(pdf[xref..].starts_with(b"xref\n0 8\n0000000000 65535 f \n"));
        let trailer = find("trailer");
        assert_eq!(trailer - xref - "xref\n0 8\n".len(), 8 * 20);
        assert!(text.ends_with(&format!("startxref\n{xref}\n%%EOF\n")));
    }

    #[test]
    fn tracks_what_leaves_the_page() {
        let mut page = Page::new(100.0, 50.0);
        page.rect(10.0, 10.0, 20.0, 20.0);
        page.text(5.0, 30.0, Font::Regular, 10.0, b"inside");
        assert!(page.fits());
        page.text(80.0, 30.0, Font::Regular, 10.0, b"too far right");
        assert!(!page.fits());
    }
}
