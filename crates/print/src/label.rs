//! The return label: a 4 x 6 in page the customer sticks on the parcel and the
//! returns centre scans on arrival.
//!
//! Both codes carry the RMA: the QR for phones and 2D imagers, Code 128 for the
//! laser scanners at receiving docks. The putaway instruction sits in a box so
//! whoever opens the parcel sees where it goes before reading anything else.

use qrcode::{Color, EcLevel, QrCode};

use crate::layout::{self, CAPTION, Style};
use crate::pdf::{self, Page};
use crate::text::{self, Font};
use crate::{Error, check, code128};

/// What a return label shows. Text outside WinAnsi (Latin-1 and a few
/// typographic signs) prints as `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnLabel {
    /// Return merchandise authorisation; carried by the QR and the barcode.
    pub rma: String,
    /// The order being returned, as the customer knows it.
    pub order: String,
    /// Customer address lines, masked or not: the caller decides.
    pub from: Vec<String>,
    /// Address lines of the returns centre.
    pub to: Vec<String>,
    /// The node receiving the return, e.g. `DC-EAST`.
    pub node: String,
    /// (SKU, quantity) of each line coming back.
    pub lines: Vec<(String, i64)>,
    pub reason: Option<String>,
    /// restock | inspect | refurbish | scrap
    pub disposition: String,
    /// What receiving does with the parcel, e.g. `Inspect in zone RET-INSPECT`.
    pub putaway: String,
    pub carrier: Option<String>,
    /// Date of issue, `YYYY-MM-DD`.
    pub issued_on: String,
}

const WIDTH: f32 = 288.0;
const HEIGHT: f32 = 432.0;
const MARGIN: f32 = 14.0;
/// Blank modules around the QR symbol (the standard asks for 4).
const QR_QUIET: usize = 4;
/// Largest box the QR symbol and its quiet zone take.
const QR_BOX: f32 = 96.0;
/// Blank modules either side of the barcode (the standard asks for 10).
const BAR_QUIET: usize = 10;
/// Paper left outside the barcode's quiet zones, at the page edge.
const BAR_EDGE: f32 = 4.0;
const BAR_HEIGHT: f32 = 40.0;
/// Narrowest bar: 1 pt is about 2 pixels at 150 dpi, what scanners and zbar read reliably.
const MIN_MODULE: f32 = 1.0;
const MAX_MODULE: f32 = 2.0;

/// Renders a return label as a one-page PDF, 4 x 6 in (288 x 432 pt).
///
/// The barcode runs across the foot of the label. An RMA too long for that at
/// 1 pt per module (over 21 characters; more fit when it has runs of digits,
/// which Code 128 packs two to a symbol) gets it running up the right edge
/// instead, and one too long for that too (over 33 characters, or more with
/// digit runs) is refused with [`Error::BarcodeTooLong`]. Blocks that could
/// grow without bound (addresses, lines, reason, putaway) are cut short with
/// an ellipsis rather than run off the label.
pub fn return_label(label: &ReturnLabel) -> Result<Vec<u8>, Error> {
    let page = draw(label)?;
    Ok(pdf::write(&[page], &format!("Return label {}", label.rma.trim())))
}

/// Checks `label` and lays it out on its page.
fn draw(label: &ReturnLabel) -> Result<Page, Error> {
    const DOC: &str = "return label";
    let rma = check::required(&label.rma, "rma", DOC)?;
    let order = check::required(&label.order, "order", DOC)?;
    let node = check::required(&label.node, "node", DOC)?;
    let disposition = check::required(&label.disposition, "disposition", DOC)?;
    let putaway = check::required(&label.putaway, "putaway", DOC)?;
    check::date(label.issued_on.trim(), "issued_on")?;
    let to = layout::joined(&label.to);
    if to.is_empty() {
        return Err(Error::Missing {
            field: "to".into(),
            document: DOC,
        });
    }
    if label.lines.is_empty() {
        return Err(Error::Missing {
            field: "lines".into(),
            document: DOC,
        });
    }
    let mut units = 0i64;
    for (i, (sku, quantity)) in label.lines.iter().enumerate() {
        check::required(sku, &format!("lines[{i}].sku"), DOC)?;
        units = units.saturating_add(check::quantity(*quantity, format!("lines[{i}].quantity"))?);
    }

    let bars = code128::encode(rma, "rma")?;
    let barcode = Barcode::place(bars.len())?;
    let qr = QrCode::with_error_correction_level(rma.as_bytes(), EcLevel::M).map_err(|e| Error::Qr {
        field: "rma".into(),
        reason: e.to_string(),
    })?;

    let mut page = Page::new(WIDTH, HEIGHT);
    let right = barcode.draw(&mut page, &bars, rma);
    let width = right - MARGIN;

    // Top: heading, RMA and order on the left, the QR code on the right.
    let qr_top = HEIGHT - MARGIN;
    let qr_height = draw_qr(&mut page, &qr, right, qr_top);
    let left_width = width - qr_height - 4.0;
    let heading = Style::new(Font::Bold, text::fit_size("RETURN", Font::Bold, 26.0, 12.0, left_width));
    let mut top = layout::draw(&mut page, MARGIN, qr_top, heading, &[text::winansi("RETURN")]);
    top = caption(&mut page, top - 2.0, "RMA");
    let rma_style = Style::new(Font::Bold, text::fit_size(rma, Font::Bold, 20.0, 8.0, left_width));
    top = layout::draw(&mut page, MARGIN, top, rma_style, &layout::capped(rma, rma_style, left_width, 3));
    top = caption(&mut page, top - 2.0, "ORDER");
    let order_style = Style::new(Font::Bold, 11.0);
    top = layout::draw(
        &mut page,
        MARGIN,
        top,
        order_style,
        &layout::capped(order, order_style, left_width, 2),
    );
    let small = Style::new(Font::Regular, 8.0);
    let issued = format!("Issued {}", label.issued_on.trim());
    top = layout::draw(
        &mut page,
        MARGIN,
        top - 1.0,
        small,
        &[text::truncate(&issued, small.font, small.size, left_width)],
    );
    top = top.min(qr_top - qr_height) - 4.0;
    page.rect(MARGIN, top, width, 0.75);
    top -= 5.0;

    // Bottom, drawn first to know how much room the middle has: putaway box,
    // disposition and reason above it.
    let floor = barcode.floor();
    let pad = 5.0;
    let putaway_style = Style::new(Font::Bold, 11.0);
    let putaway_lines = layout::capped(putaway, putaway_style, width - 2.0 * pad, 3);
    let box_height = pad + CAPTION.line_height() + putaway_style.height(putaway_lines.len()) + pad;
    page.frame(MARGIN, floor, width, box_height, 1.5);
    let inner = caption_at(&mut page, MARGIN + pad, floor + box_height - pad, "PUTAWAY");
    layout::draw(&mut page, MARGIN + pad, inner, putaway_style, &putaway_lines);
    let disposition_style = Style::new(Font::Bold, 9.0);
    let disposition_line = text::truncate(
        &format!("Disposition: {disposition}"),
        disposition_style.font,
        disposition_style.size,
        width,
    );
    let reason_lines = match &label.reason {
        Some(reason) if !reason.trim().is_empty() => layout::capped(&format!("Reason: {}", reason.trim()), small, width, 2),
        _ => Vec::new(),
    };
    let bottom_top = floor + box_height + 4.0 + disposition_style.line_height() + small.height(reason_lines.len());
    let after = layout::draw(&mut page, MARGIN, bottom_top, disposition_style, &[disposition_line]);
    layout::draw(&mut page, MARGIN, after, small, &reason_lines);

    // Middle: from and to side by side, node and carrier, then the lines in
    // whatever room is left.
    let row = Style::new(Font::Regular, 9.0);
    let to_style = Style::new(Font::Bold, 10.0);
    let meta = match &label.carrier {
        Some(carrier) if !carrier.trim().is_empty() => format!("Node: {node} \u{b7} Carrier: {}", carrier.trim()),
        _ => format!("Node: {node}"),
    };
    let meta_lines = layout::capped(&meta, small, width, 2);
    let room = top - (bottom_top + 4.0);
    // Addresses give way before the lines do: keep room for three rows.
    let for_lines = CAPTION.line_height() + row.height(3);
    let address_room = room - small.height(meta_lines.len()) - 4.0 - for_lines - CAPTION.line_height();
    let from_width = (width * 0.42).floor();
    let to_x = MARGIN + from_width + 8.0;
    let to_width = right - to_x;
    let to_lines = layout::capped(&to, to_style, to_width, fit_lines(address_room, to_style, 6));
    let from = layout::joined(&label.from);
    let from_lines = if from.is_empty() {
        Vec::new()
    } else {
        layout::capped(&from, small, from_width, fit_lines(address_room, small, 6))
    };
    if !from_lines.is_empty() {
        let t = caption(&mut page, top, "FROM");
        layout::draw(&mut page, MARGIN, t, small, &from_lines);
    }
    let t = caption_at(&mut page, to_x, top, "TO");
    layout::draw(&mut page, to_x, t, to_style, &to_lines);
    top -= CAPTION.line_height() + small.height(from_lines.len()).max(to_style.height(to_lines.len())) + 2.0;
    top = layout::draw(&mut page, MARGIN, top, small, &meta_lines) - 4.0;

    let heading = format!(
        "ITEMS \u{b7} {} line{}, {units} unit{}",
        label.lines.len(),
        plural(label.lines.len() as i64),
        plural(units)
    );
    let room = top - CAPTION.line_height() - (bottom_top + 4.0);
    let fit = (room / row.line_height()).floor().max(0.0) as usize;
    top = caption(&mut page, top, &heading);
    // When not all fit, the last row says how many did not (the caption has the totals).
    let shown = if fit >= label.lines.len() {
        label.lines.len()
    } else {
        fit.saturating_sub(1)
    };
    for (sku, quantity) in &label.lines[..shown] {
        let line = text::truncate(&format!("{quantity} \u{d7} {}", sku.trim()), row.font, row.size, width);
        top = layout::draw(&mut page, MARGIN, top, row, &[line]);
    }
    if fit > 0 && shown < label.lines.len() {
        let rest = label.lines.len() - shown;
        let more = format!("\u{2026} and {rest} more line{}", plural(rest as i64));
        layout::draw(&mut page, MARGIN, top, row, &[text::winansi(&more)]);
    }

    Ok(page)
}

/// Where the barcode goes and how wide its modules are.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Barcode {
    /// Across the foot of the label.
    Across { module: f32 },
    /// Up the right edge, for RMAs too long to go across.
    Up { module: f32 },
}

impl Barcode {
    fn place(modules: usize) -> Result<Self, Error> {
        let total = modules + 2 * BAR_QUIET;
        let module = |room: f32| layout::quarter((room / total as f32).min(MAX_MODULE));
        if module(WIDTH - 2.0 * BAR_EDGE) >= MIN_MODULE {
            return Ok(Barcode::Across {
                module: module(WIDTH - 2.0 * BAR_EDGE),
            });
        }
        if module(HEIGHT - 2.0 * BAR_EDGE) >= MIN_MODULE {
            return Ok(Barcode::Up {
                module: module(HEIGHT - 2.0 * BAR_EDGE),
            });
        }
        Err(Error::BarcodeTooLong {
            field: "rma".into(),
            modules: total,
            max: ((HEIGHT - 2.0 * BAR_EDGE) / MIN_MODULE) as usize,
        })
    }

    /// Lowest point the rest of the label may use.
    fn floor(self) -> f32 {
        match self {
            Barcode::Across { .. } => 20.0 + BAR_HEIGHT + 8.0,
            Barcode::Up { .. } => MARGIN,
        }
    }

    /// Draws the bars and the RMA in plain text beside them; returns the right
    /// edge left for everything else.
    fn draw(self, page: &mut Page, bars: &[bool], rma: &str) -> f32 {
        let style = Style::new(Font::Regular, 8.0);
        let total = (bars.len() + 2 * BAR_QUIET) as f32;
        match self {
            Barcode::Across { module } => {
                let x0 = (WIDTH - total * module) / 2.0 + BAR_QUIET as f32 * module;
                for (start, len) in layout::runs(bars) {
                    page.rect(x0 + start as f32 * module, 20.0, len as f32 * module, BAR_HEIGHT);
                }
                let readable = text::truncate(rma, style.font, style.size, WIDTH - 2.0 * BAR_EDGE);
                let w = text::width(style.font, style.size, &readable);
                page.text((WIDTH - w) / 2.0, 9.0, style.font, style.size, &readable);
                WIDTH - MARGIN
            }
            Barcode::Up { module } => {
                let y0 = (HEIGHT - total * module) / 2.0 + BAR_QUIET as f32 * module;
                let x = WIDTH - MARGIN - BAR_HEIGHT;
                for (start, len) in layout::runs(bars) {
                    page.rect(x, y0 + start as f32 * module, BAR_HEIGHT, len as f32 * module);
                }
                let readable = text::truncate(rma, style.font, style.size, HEIGHT - 2.0 * BAR_EDGE);
                let w = text::width(style.font, style.size, &readable);
                page.text_up(x - 3.0, (HEIGHT - w) / 2.0, style.font, style.size, &readable);
                x - 3.0 - style.size - 6.0
            }
        }
    }
}

/// Draws the QR symbol with its quiet zone in a square whose top right corner
/// is (`right`, `top`); returns the side of that square.
fn draw_qr(page: &mut Page, qr: &QrCode, right: f32, top: f32) -> f32 {
    let n = qr.width();
    let module = layout::quarter((QR_BOX / (n + 2 * QR_QUIET) as f32).min(3.0));
    let side = (n + 2 * QR_QUIET) as f32 * module;
    let x0 = right - side + QR_QUIET as f32 * module;
    let y0 = top - QR_QUIET as f32 * module;
    let dark: Vec<bool> = qr.to_colors().into_iter().map(|c| c == Color::Dark).collect();
    for (y, row) in dark.chunks(n).enumerate() {
        for (start, len) in layout::runs(row) {
            page.rect(
                x0 + start as f32 * module,
                y0 - (y + 1) as f32 * module,
                len as f32 * module,
                module,
            );
        }
    }
    side
}

/// How many lines of `style` fit in `room`, between 1 and `max`.
fn fit_lines(room: f32, style: Style, max: usize) -> usize {
    ((room / style.line_height()).floor().max(1.0) as usize).min(max)
}

fn caption(page: &mut Page, top: f32, text: &str) -> f32 {
    caption_at(page, MARGIN, top, text)
}

fn caption_at(page: &mut Page, x: f32, top: f32, text: &str) -> f32 {
    layout::draw(page, x, top, CAPTION, &[text::winansi(text)])
}

fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ReturnLabel {
        ReturnLabel {
            rma: "RMA-2026-000123".into(),
            order: "SO-2024-78910".into(),
            from: vec!["J. D***".into(), "12 Elm Street".into(), "Springfield, IL 62701".into()],
            to: vec![
                "Acme Returns Centre".into(),
                "400 Dock Road, Door 7".into(),
                "Columbus, OH 43215".into(),
            ],
            node: "DC-EAST".into(),
            lines: vec![("SKU-1".into(), 2), ("SKU-22".into(), 1)],
            reason: Some("Arrived damaged".into()),
            disposition: "inspect".into(),
            putaway: "Inspect in zone RET-INSPECT".into(),
            carrier: Some("UPS Ground".into()),
            issued_on: "2026-05-15".into(),
        }
    }

    /// Whether everything on the label lies on the page.
    fn fits(label: &ReturnLabel) -> bool {
        draw(label).expect("a valid label").fits()
    }

    #[test]
    fn places_the_barcode_by_length() {
        // 15 characters, set B then a set C tail: across at a module of at least 1 pt.
        let across = Barcode::place(code128::code128("RMA-2026-000123").unwrap().len()).unwrap();
        assert!(matches!(across, Barcode::Across { module } if module >= 1.0));
        // 30 letters: too wide to go across at 1 pt, so up the edge.
        let up = Barcode::place(code128::code128(&"R".repeat(30)).unwrap().len()).unwrap();
        assert!(matches!(up, Barcode::Up { module } if module >= 1.0));
        // 40 letters need 11 * 43 + 2 + 20 = 495 modules: more than the 424 pt the label has.
        assert_eq!(
            Barcode::place(code128::code128(&"R".repeat(40)).unwrap().len()),
            Err(Error::BarcodeTooLong {
                field: "rma".into(),
                modules: 495,
                max: 424
            })
        );
    }

    #[test]
    fn everything_stays_on_the_label() {
        assert!(fits(&sample()));
        let long = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore. ";
        let crowded = ReturnLabel {
            rma: "X".repeat(33),
            order: "ORDER-".repeat(12),
            from: vec![long.repeat(3); 8],
            to: vec![long.repeat(2); 9],
            node: "N".repeat(80),
            lines: (0..200).map(|i| (format!("SKU-{i}-{}", "W".repeat(60)), i + 1)).collect(),
            reason: Some(long.repeat(5)),
            disposition: "D".repeat(90),
            putaway: long.repeat(4),
            carrier: Some("C".repeat(120)),
            issued_on: "2026-05-15".into(),
        };
        assert!(fits(&crowded));
        assert!(fits(&ReturnLabel {
            rma: "7".repeat(60),
            ..crowded.clone()
        }));
        assert!(fits(&ReturnLabel {
            from: vec![],
            reason: None,
            carrier: None,
            lines: vec![("A".into(), 1)],
            ..sample()
        }));
    }

    #[test]
    fn names_the_field_at_fault() {
        let field = |label: ReturnLabel| return_label(&label).unwrap_err().field().to_owned();
        assert_eq!(
            field(ReturnLabel {
                rma: " ".into(),
                ..sample()
            }),
            "rma"
        );
        assert_eq!(
            field(ReturnLabel {
                rma: "RMA-ü".into(),
                ..sample()
            }),
            "rma"
        );
        assert_eq!(
            field(ReturnLabel {
                rma: "R".repeat(40),
                ..sample()
            }),
            "rma"
        );
        assert_eq!(
            field(ReturnLabel {
                order: String::new(),
                ..sample()
            }),
            "order"
        );
        assert_eq!(
            field(ReturnLabel {
                to: vec![" ".into()],
                ..sample()
            }),
            "to"
        );
        assert_eq!(field(ReturnLabel { lines: vec![], ..sample() }), "lines");
        assert_eq!(
            field(ReturnLabel {
                lines: vec![("A".into(), 1), ("B".into(), 0)],
                ..sample()
            }),
            "lines[1].quantity"
        );
        assert_eq!(
            field(ReturnLabel {
                lines: vec![("".into(), 1)],
                ..sample()
            }),
            "lines[0].sku"
        );
        assert_eq!(
            field(ReturnLabel {
                issued_on: "15/05/2026".into(),
                ..sample()
            }),
            "issued_on"
        );
        assert_eq!(
            field(ReturnLabel {
                putaway: "".into(),
                ..sample()
            }),
            "putaway"
        );
        assert_eq!(
            field(ReturnLabel {
                disposition: "".into(),
                ..sample()
            }),
            "disposition"
        );
        assert_eq!(
            field(ReturnLabel {
                node: "".into(),
                ..sample()
            }),
            "node"
        );
    }
}
