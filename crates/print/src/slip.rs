//! The packing slip: one per fulfilment, packed in the parcel.
//!
//! Gift messages and special instructions come before the lines, marked with a
//! bar in the margin, so the packer reads them before packing. Lines continue
//! on further pages under a repeated table header; every page carries the order
//! and its page number, since slips get separated from each other at packing.

use crate::layout::{self, CAPTION, Style};
use crate::pdf::{self, Page};
use crate::text::{self, Font};
use crate::{Error, check};

/// What a packing slip shows. Text outside WinAnsi (Latin-1 and a few
/// typographic signs) prints as `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackingSlip {
    /// The order, as the customer knows it.
    pub order: String,
    /// Tracking number of the shipment, once there is one.
    pub shipment: Option<String>,
    /// Delivery address lines.
    pub ship_to: Vec<String>,
    /// The node packing the fulfilment, e.g. `DC-EAST`.
    pub node: String,
    pub lines: Vec<SlipLine>,
    /// Printed as written, wrapped; newlines start new lines.
    pub gift_message: Option<String>,
    /// Instructions for the packer or the carrier, wrapped.
    pub instructions: Option<String>,
    /// Ship date, `YYYY-MM-DD`.
    pub shipped_on: Option<String>,
}

/// One line of a packing slip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlipLine {
    pub sku: String,
    /// Product name, when known.
    pub name: Option<String>,
    pub quantity: i64,
}

const WIDTH: f32 = 612.0;
const HEIGHT: f32 = 792.0;
const MARGIN: f32 = 40.0;
/// Nothing but the footer goes below this.
const BOTTOM: f32 = MARGIN + 18.0;
const RIGHT: f32 = WIDTH - MARGIN;

// Table columns: line number, SKU, item name, quantity (right-aligned).
const COL_SKU: f32 = MARGIN + 26.0;
const COL_NAME: f32 = COL_SKU + 160.0;
const QTY_WIDTH: f32 = 50.0;
const CELL_GAP: f32 = 10.0;

const BODY: Style = Style::new(Font::Regular, 10.0);
const CELL: Style = Style::new(Font::Regular, 9.5);
const HEAD: Style = Style::new(Font::Bold, 9.0);

/// Renders a packing slip as a PDF of US Letter pages (612 x 792 pt), as
/// many as its lines need.
pub fn packing_slip(slip: &PackingSlip) -> Result<Vec<u8>, Error> {
    let pages = draw(slip)?;
    Ok(pdf::write(&pages, &format!("Packing slip {}", slip.order.trim())))
}

/// Checks `slip` and lays it out on as many pages as it takes.
fn draw(slip: &PackingSlip) -> Result<Vec<Page>, Error> {
    const DOC: &str = "packing slip";
    let order = check::required(&slip.order, "order", DOC)?;
    let node = check::required(&slip.node, "node", DOC)?;
    let ship_to = layout::joined(&slip.ship_to);
    if ship_to.is_empty() {
        return Err(Error::Missing {
            field: "ship_to".into(),
            document: DOC,
        });
    }
    if slip.lines.is_empty() {
        return Err(Error::Missing {
            field: "lines".into(),
            document: DOC,
        });
    }
    let mut units = 0i64;
    for (i, line) in slip.lines.iter().enumerate() {
        check::required(&line.sku, &format!("lines[{i}].sku"), DOC)?;
        units = units.saturating_add(check::quantity(line.quantity, format!("lines[{i}].quantity"))?);
    }
    if let Some(date) = &slip.shipped_on {
        check::date(date.trim(), "shipped_on")?;
    }

    let mut flow = Flow::new(order);
    let page = flow.page();

    // Heading on the left, the order's particulars right-aligned.
    let heading = Style::new(Font::Bold, 22.0);
    layout::draw(page, MARGIN, HEIGHT - MARGIN, heading, &[text::winansi("PACKING SLIP")]);
    let mut facts = vec![(Style::new(Font::Bold, 11.0), format!("Order {order}"))];
    if let Some(date) = &slip.shipped_on {
        facts.push((BODY, format!("Shipped {}", date.trim())));
    }
    if let Some(tracking) = slip.shipment.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        facts.push((BODY, format!("Tracking {tracking}")));
    }
    facts.push((BODY, format!("From {node}")));
    let facts_width = RIGHT - MARGIN - text::width(heading.font, heading.size, b"PACKING SLIP") - 20.0;
    let mut top = HEIGHT - MARGIN;
    for (style, fact) in &facts {
        layout::draw_right(page, RIGHT, top, *style, &text::truncate(fact, style.font, style.size, facts_width));
        top -= style.line_height();
    }
    flow.top = top.min(HEIGHT - MARGIN - heading.line_height()) - 6.0;
    flow.rule();

    flow.caption("SHIP TO");
    let address = Style::new(Font::Bold, 11.0);
    flow.paragraph(MARGIN, address, &text::wrap(&ship_to, address.font, address.size, 300.0));
    flow.top -= 8.0;

    let notes = [
        ("GIFT MESSAGE", Style::new(Font::Regular, 11.0), &slip.gift_message),
        ("SPECIAL INSTRUCTIONS", Style::new(Font::Bold, 10.0), &slip.instructions),
    ];
    for (caption, style, note) in notes {
        let Some(note) = note.as_deref().filter(|n| !n.trim().is_empty()) else {
            continue;
        };
        flow.caption(caption);
        let lines = text::wrap(note, style.font, style.size, RIGHT - MARGIN - 10.0);
        flow.marked(style, &lines);
        flow.top -= 8.0;
    }

    flow.table_header();
    for (i, line) in slip.lines.iter().enumerate() {
        let number = text::winansi(&(i + 1).to_string());
        let sku = text::wrap(&line.sku, CELL.font, CELL.size, COL_NAME - COL_SKU - CELL_GAP);
        let name = line
            .name
            .as_deref()
            .map(|n| text::wrap(n, CELL.font, CELL.size, RIGHT - QTY_WIDTH - COL_NAME))
            .unwrap_or_default();
        let quantity = text::winansi(&line.quantity.to_string());
        let rows = sku.len().max(name.len()).max(1);
        let height = CELL.height(rows) + 4.0;
        if flow.ensure(height) {
            flow.table_header();
        }
        let top = flow.top - 2.0;
        let page = flow.page();
        layout::draw(page, MARGIN, top, CELL, &[number]);
        layout::draw(page, COL_SKU, top, CELL, &sku);
        layout::draw(page, COL_NAME, top, CELL, &name);
        layout::draw_right(page, RIGHT, top, CELL, &quantity);
        flow.top -= height;
    }
    flow.ensure(HEAD.line_height() + 6.0);
    flow.rule();
    let total = format!(
        "{} line{}, {units} unit{}",
        slip.lines.len(),
        plural(slip.lines.len()),
        if units == 1 { "" } else { "s" }
    );
    let top = flow.top;
    layout::draw_right(flow.page(), RIGHT, top, HEAD, &text::winansi(&total));

    Ok(flow.finish())
}

/// Pages filled from the top down, starting a new one when the next block
/// would reach the footer.
struct Flow {
    pages: Vec<Page>,
    /// Where the next block starts on the last page.
    top: f32,
    order: String,
}

impl Flow {
    fn new(order: &str) -> Self {
        Self {
            pages: vec![Page::new(WIDTH, HEIGHT)],
            top: HEIGHT - MARGIN,
            order: order.to_owned(),
        }
    }

    fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("a flow always has a page")
    }

    /// Makes room for `height`; true when that took a new page.
    fn ensure(&mut self, height: f32) -> bool {
        if self.top - height >= BOTTOM {
            return false;
        }
        self.pages.push(Page::new(WIDTH, HEIGHT));
        let style = Style::new(Font::Bold, 11.0);
        let heading = format!("PACKING SLIP \u{b7} Order {} (continued)", self.order);
        let line = text::truncate(&heading, style.font, style.size, RIGHT - MARGIN);
        self.top = layout::draw(self.page(), MARGIN, HEIGHT - MARGIN, style, &[line]) - 4.0;
        self.rule();
        true
    }

    fn rule(&mut self) {
        let top = self.top;
        self.page().rect(MARGIN, top - 0.75, RIGHT - MARGIN, 0.75);
        self.top -= 6.0;
    }

    /// A caption, kept on the same page as at least one line after it.
    fn caption(&mut self, text: &str) {
        self.ensure(CAPTION.line_height() + 14.0);
        let top = self.top;
        self.top = layout::draw(self.page(), MARGIN, top, CAPTION, &[text::winansi(text)]) - 1.0;
    }

    /// Lines at `x`, each moved to a new page if it does not fit.
    fn paragraph(&mut self, x: f32, style: Style, lines: &[Vec<u8>]) {
        for line in lines {
            self.ensure(style.line_height());
            let top = self.top;
            self.top = layout::draw(self.page(), x, top, style, std::slice::from_ref(line));
        }
    }

    /// A paragraph with a bar in the left margin, so it stands out.
    fn marked(&mut self, style: Style, lines: &[Vec<u8>]) {
        for line in lines {
            self.ensure(style.line_height());
            let top = self.top;
            let page = self.page();
            page.rect(MARGIN, top - style.line_height(), 3.0, style.line_height());
            self.top = layout::draw(page, MARGIN + 10.0, top, style, std::slice::from_ref(line));
        }
    }

    fn table_header(&mut self) {
        self.ensure(HEAD.line_height() + 6.0 + CELL.height(1) + 4.0);
        let top = self.top;
        let page = self.page();
        for (x, title) in [(MARGIN, "#"), (COL_SKU, "SKU"), (COL_NAME, "ITEM")] {
            layout::draw(page, x, top, HEAD, &[text::winansi(title)]);
        }
        layout::draw_right(page, RIGHT, top, HEAD, b"QTY");
        self.top -= HEAD.line_height() + 2.0;
        self.rule();
    }

    /// The pages, each with its footer.
    fn finish(mut self) -> Vec<Page> {
        let count = self.pages.len();
        let style = Style::new(Font::Regular, 8.0);
        for (i, page) in self.pages.iter_mut().enumerate() {
            let footer = format!("Order {} \u{b7} Page {} of {count}", self.order, i + 1);
            let line = text::truncate(&footer, style.font, style.size, RIGHT - MARGIN);
            let w = text::width(style.font, style.size, &line);
            page.text((WIDTH - w) / 2.0, MARGIN - 8.0, style.font, style.size, &line);
        }
        self.pages
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PackingSlip {
        PackingSlip {
            order: "SO-2024-78910".into(),
            shipment: Some("1Z999AA10123456784".into()),
            ship_to: vec!["Jane Doe".into(), "12 Elm Street".into(), "Springfield, IL 62701".into()],
            node: "DC-EAST".into(),
            lines: vec![
                SlipLine {
                    sku: "SKU-1".into(),
                    name: Some("Blue mug".into()),
                    quantity: 2,
                },
                SlipLine {
                    sku: "SKU-22".into(),
                    name: None,
                    quantity: 1,
                },
            ],
            gift_message: Some("Happy birthday!".into()),
            instructions: Some("Fragile: pack with extra paper.".into()),
            shipped_on: Some("2026-05-15".into()),
        }
    }

    #[test]
    fn short_slip_is_one_page_and_long_ones_continue() {
        let pages = draw(&sample()).unwrap();
        assert_eq!(pages.len(), 1);
        assert!(pages[0].fits());
        let many = PackingSlip {
            lines: (1..=80)
                .map(|i| SlipLine {
                    sku: format!("SKU-{i:03}"),
                    name: Some(format!("Item number {i}")),
                    quantity: i,
                })
                .collect(),
            ..sample()
        };
        let pages = draw(&many).unwrap();
        assert!(pages.len() >= 2, "{} pages", pages.len());
        assert!(pages.iter().all(Page::fits));
    }

    #[test]
    fn long_notes_and_cells_stay_on_the_pages() {
        let long = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore. ";
        let slip = PackingSlip {
            order: "O".repeat(200),
            shipment: Some("T".repeat(300)),
            ship_to: vec![long.repeat(3); 5],
            gift_message: Some(long.repeat(60)),
            instructions: Some(format!("{}\n\n{}", "X".repeat(500), long.repeat(30))),
            lines: (0..30)
                .map(|i| SlipLine {
                    sku: format!("SKU-{}", "W".repeat(40 + i)),
                    name: Some(long.repeat(2)),
                    quantity: 1,
                })
                .collect(),
            ..sample()
        };
        let pages = draw(&slip).unwrap();
        assert!(pages.len() >= 3);
        assert!(pages.iter().all(Page::fits));
    }

    #[test]
    fn names_the_field_at_fault() {
        let field = |slip: PackingSlip| packing_slip(&slip).unwrap_err().field().to_owned();
        assert_eq!(
            field(PackingSlip {
                order: " ".into(),
                ..sample()
            }),
            "order"
        );
        assert_eq!(
            field(PackingSlip {
                node: "".into(),
                ..sample()
            }),
            "node"
        );
        assert_eq!(
            field(PackingSlip {
                ship_to: vec![],
                ..sample()
            }),
            "ship_to"
        );
        assert_eq!(field(PackingSlip { lines: vec![], ..sample() }), "lines");
        let bad_quantity = vec![SlipLine {
            sku: "A".into(),
            name: None,
            quantity: -1,
        }];
        assert_eq!(
            field(PackingSlip {
                lines: bad_quantity,
                ..sample()
            }),
            "lines[0].quantity"
        );
        let no_sku = vec![SlipLine {
            sku: " ".into(),
            name: None,
            quantity: 1,
        }];
        assert_eq!(field(PackingSlip { lines: no_sku, ..sample() }), "lines[0].sku");
        assert_eq!(
            field(PackingSlip {
                shipped_on: Some("tomorrow".into()),
                ..sample()
            }),
            "shipped_on"
        );
    }
}
