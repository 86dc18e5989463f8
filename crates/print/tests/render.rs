//! The documents as a reader sees them: the PDF's own structure, then what
//! poppler renders and extracts and what zbar decodes from the rendering.
//!
//! Needs `pdftoppm`, `pdftotext`, `pdfinfo` (poppler-utils) and `zbarimg`
//! (zbar-tools); `.ci/run` installs them. Without them these tests fail, they do not skip.

use std::path::{Path, PathBuf};
use std::process::Command;

use print::{Error, PackingSlip, ReturnLabel, SlipLine, code128, packing_slip, return_label};
use proptest::prelude::*;

const INSTALL: &str = "install zbar-tools and poppler-utils: apt-get install -y zbar-tools poppler-utils";

/// Runs `tool` with `args` and returns its standard output; fails the test
/// with the install hint when the tool is missing.
fn run(tool: &str, args: &[&str]) -> String {
    let output = match Command::new(tool).args(args).output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!("`{tool}` is not installed; {INSTALL}"),
        Err(e) => panic!("cannot run `{tool}`: {e}"),
    };
    // zbarimg exits 4 when it finds no symbol: the caller's assertion says more than the status.
    assert!(
        output.status.success() || (tool == "zbarimg" && output.status.code() == Some(4)),
        "`{tool} {}` failed with {}: {}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The first page of `pdf` rendered at `dpi` as a PNG.
fn render(pdf: &Path, dpi: u32) -> PathBuf {
    let prefix = pdf.with_extension(format!("{dpi}"));
    run(
        "pdftoppm",
        &[
            "-r",
            &dpi.to_string(),
            "-png",
            "-f",
            "1",
            "-singlefile",
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    prefix.with_extension(format!("{dpi}.png"))
}

/// Symbols zbar finds in `image`, each as `Symbology:data` (one per line).
fn decode(image: &Path) -> Vec<String> {
    run("zbarimg", &["-q", image.to_str().unwrap()])
        .lines()
        .map(str::to_owned)
        .collect()
}

fn text_of(pdf: &Path) -> String {
    run("pdftotext", &[pdf.to_str().unwrap(), "-"])
}

/// Whitespace (line breaks from wrapping included) folded to single spaces.
fn folded(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks the file's skeleton the way a reader finds objects: `startxref`
/// points at the xref table, every in-use entry's offset at `N 0 obj`, every
/// stream's `/Length` at its `endstream`, and the trailer's root at the
/// catalog. Returns the number of objects.
fn check_structure(pdf: &[u8]) -> Result<usize, String> {
    let text = String::from_utf8_lossy(pdf);
    if !pdf.starts_with(b"%PDF-1.4\n") {
        return Err("no %PDF-1.4 header".into());
    }
    let tail = text.rsplit("startxref\n").next().ok_or("no startxref")?;
    let xref: usize = tail
        .trim_end()
        .strip_suffix("%%EOF")
        .ok_or("no %%EOF")?
        .trim()
        .parse()
        .map_err(|e| format!("startxref: {e}"))?;
    let table = pdf.get(xref..).ok_or("startxref past the end")?;
    let table = std::str::from_utf8(table).map_err(|_| "xref table is not text")?;
    let rest = table
        .strip_prefix("xref\n")
        .ok_or_else(|| format!("startxref {xref} does not point at `xref`"))?;
    let (header, rest) = rest.split_once('\n').ok_or("no subsection header")?;
    let count: usize = header
        .strip_prefix("0 ")
        .ok_or("subsection does not start at 0")?
        .parse()
        .map_err(|e| format!("xref count: {e}"))?;
    if !rest.starts_with("0000000000 65535 f \n") {
        return Err("entry 0 is not the free head".into());
    }
    for id in 1..count {
        let entry = rest
            .get(id * 20..id * 20 + 20)
            .ok_or_else(|| format!("entry {id} is missing or not 20 bytes"))?;
        let offset: usize = entry[..10].parse().map_err(|e| format!("entry {id}: {e}"))?;
        if &entry[10..] != " 00000 n \n" {
            return Err(format!("entry {id} is `{entry}`"));
        }
        let object = &pdf[offset..];
        let start = format!("{id} 0 obj\n");
        if !object.starts_with(start.as_bytes()) {
            return Err(format!("entry {id} points at byte {offset}, not at `{id} 0 obj`"));
        }
        let body = &text_at(object)[start.len()..];
        let end = body.find("\nendobj").ok_or_else(|| format!("object {id} has no endobj"))?;
        let body = &body[..end];
        if let Some(stream) = body.find("\nstream\n") {
            let length: usize = body
                .split("/Length ")
                .nth(1)
                .and_then(|l| l.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|l| l.parse().ok())
                .ok_or_else(|| format!("object {id} has a stream without /Length"))?;
            let data = stream + "\nstream\n".len();
            if body.get(data + length..) != Some("\nendstream") {
                return Err(format!("object {id}: /Length {length} does not end at endstream"));
            }
        }
        if id == 1 && !body.contains("/Type /Catalog") {
            return Err("object 1 is not the catalog".into());
        }
    }
    let trailer = &rest[count * 20..];
    if !trailer.starts_with(&format!("trailer\n<< /Size {count} /Root 1 0 R")) {
        return Err(format!("trailer does not follow the {count} entries"));
    }
    Ok(count - 1)
}

fn text_at(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn label(rma: &str) -> ReturnLabel {
    ReturnLabel {
        rma: rma.into(),
        order: "SO-2024-78910".into(),
        from: vec!["J. D***".into(), "12 Elm Street".into(), "Springfield, IL 62701".into()],
        to: vec![
            "Acme Returns Centre (Zoë 東京)".into(),
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

fn slip(lines: usize) -> PackingSlip {
    PackingSlip {
        order: "SO-2024-78910".into(),
        shipment: Some("1Z999AA10123456784".into()),
        ship_to: vec!["Jane Doe".into(), "12 Elm Street".into(), "Springfield, IL 62701".into()],
        node: "DC-EAST".into(),
        lines: (1..=lines)
            .map(|i| SlipLine {
                sku: format!("SKU-{i:03}"),
                name: Some(format!("Ceramic mug, colour {i}")),
                quantity: 1 + i as i64 % 3,
            })
            .collect(),
        gift_message: Some("Happy birthday, Zoë!\nLove, Grandma".into()),
        instructions: Some(LONG_INSTRUCTION.into()),
        shipped_on: Some("2026-05-15".into()),
    }
}

const LONG_INSTRUCTION: &str = "Fragile glassware: wrap each glass in two layers of bubble wrap, fill every gap with paper, \
     mark the box THIS WAY UP on all four sides and leave it with the concierge if nobody answers the door.";

#[test]
fn label_codes_decode_to_the_rma() {
    let dir = tempfile::tempdir().unwrap();
    // Across the foot; with set C runs; long enough to run up the edge, with PDF-special characters.
    for rma in [
        "RMA-2026-000123",
        "R7",
        "RMA1234567890123456789012",
        r"RMA-ACME-WEST/(2026)\RETURN-XYZ",
    ] {
        let pdf = write(dir.path(), "label.pdf", &return_label(&label(rma)).unwrap());
        for dpi in [150, 200] {
            let symbols = decode(&render(&pdf, dpi));
            assert!(
                symbols.contains(&format!("QR-Code:{rma}")),
                "QR of {rma:?} at {dpi} dpi: {symbols:?}"
            );
            assert!(
                symbols.contains(&format!("CODE-128:{rma}")),
                "Code 128 of {rma:?} at {dpi} dpi: {symbols:?}"
            );
            assert_eq!(symbols.len(), 2, "{symbols:?}");
        }
        let raw = run("zbarimg", &["--raw", "-q", render(&pdf, 200).to_str().unwrap()]);
        assert_eq!(raw.lines().collect::<Vec<_>>(), [rma, rma]);
    }
}

#[test]
fn label_shows_what_receiving_needs() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), "label.pdf", &return_label(&label("RMA-2026-000123")).unwrap());
    assert_eq!(
        run("pdfinfo", &[pdf.to_str().unwrap()])
            .lines()
            .find(|l| l.starts_with("Page size"))
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()[2..5],
        ["288", "x", "432"]
    );
    let text = folded(&text_of(&pdf));
    for expected in [
        "RETURN",
        "RMA-2026-000123",
        "SO-2024-78910",
        "Issued 2026-05-15",
        "J. D***",
        "Springfield, IL 62701",
        // Outside WinAnsi prints as `?`.
        "Acme Returns Centre (Zoë ??)",
        "Columbus, OH 43215",
        "Node: DC-EAST · Carrier: UPS Ground",
        "2 lines, 3 units",
        "2 × SKU-1",
        "1 × SKU-22",
        "Disposition: inspect",
        "Reason: Arrived damaged",
        "PUTAWAY Inspect in zone RET-INSPECT",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text:?}");
    }
}

#[test]
fn code128_alone_decodes() {
    let dir = tempfile::tempdir().unwrap();
    let printable: String = (' '..='~').collect();
    let mut samples: Vec<String> = ["RMA-000123", "12345", "1234567X", "A123B", "x0123456789y", "00", "RMA-12345-67"]
        .map(String::from)
        .to_vec();
    // Every printable character, in pieces without edge spaces.
    samples.extend(
        printable
            .trim()
            .as_bytes()
            .chunks(24)
            .map(|c| String::from_utf8_lossy(c).trim().to_owned()),
    );
    for (i, data) in samples.iter().enumerate() {
        let modules = code128(data).unwrap();
        // A bitmap at 3 pixels per module with the 10-module quiet zones.
        let width = (modules.len() + 20) * 3;
        let mut row = vec![b'0'; width];
        for (m, _) in modules.iter().enumerate().filter(|(_, bar)| **bar) {
            row[(m + 10) * 3..(m + 11) * 3].fill(b'1');
        }
        let mut pbm = format!("P1\n{width} 60\n").into_bytes();
        for _ in 0..60 {
            pbm.extend_from_slice(&row);
            pbm.push(b'\n');
        }
        let image = write(dir.path(), &format!("code{i}.pbm"), &pbm);
        assert_eq!(decode(&image), [format!("CODE-128:{data}")], "{data:?}");
    }
}

#[test]
fn slip_shows_notes_and_spans_pages() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = write(dir.path(), "slip.pdf", &packing_slip(&slip(80)).unwrap());
    let info = run("pdfinfo", &[pdf.to_str().unwrap()]);
    let pages: usize = info.lines().find_map(|l| l.strip_prefix("Pages:")).unwrap().trim().parse().unwrap();
    assert!(pages >= 2, "{info}");
    assert!(info.contains("612 x 792 pts"), "{info}");

    let raw = text_of(&pdf);
    let text = folded(&raw);
    for expected in [
        "PACKING SLIP",
        "Order SO-2024-78910",
        "Tracking 1Z999AA10123456784",
        "Shipped 2026-05-15",
        "Jane Doe",
        "GIFT MESSAGE Happy birthday, Zoë! Love, Grandma",
        "SPECIAL INSTRUCTIONS",
        LONG_INSTRUCTION,
        "SKU-001",
        "Ceramic mug, colour 1",
        "SKU-080",
        "(continued)",
        &format!("Page {pages} of {pages}"),
        "80 lines, 161 units",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text:?}");
    }
    // The instruction is longer than the page is wide, so it was wrapped.
    assert!(
        !raw.lines().any(|l| l.contains(LONG_INSTRUCTION)),
        "the instruction was not wrapped"
    );
    assert!(raw.lines().all(|l| l.len() < 140));

    let pdf = write(dir.path(), "short.pdf", &packing_slip(&slip(3)).unwrap());
    assert!(
        run("pdfinfo", &[pdf.to_str().unwrap()])
            .lines()
            .any(|l| l.split_whitespace().eq(["Pages:", "1"]))
    );
}

#[test]
fn files_have_a_sound_structure() {
    // Catalog, page tree, two fonts, info, then a page and its content stream per page.
    assert_eq!(check_structure(&return_label(&label("RMA-2026-000123")).unwrap()), Ok(7));
    let pages = 5 + 2 * 3;
    let slip = packing_slip(&slip(80)).unwrap();
    assert!(check_structure(&slip).unwrap() >= pages);
    // And the checker notices offsets that point elsewhere: swap those of objects 1 and 2.
    let mut broken = return_label(&label("RMA-1")).unwrap();
    let table = broken.windows(9).position(|w| w == b"xref\n0 8\n").unwrap() + 9;
    let (first, second) = broken[table + 20..table + 60].split_at_mut(20);
    first[..10].swap_with_slice(&mut second[..10]);
    let error = check_structure(&broken).unwrap_err();
    assert!(error.contains("not at `1 0 obj`"), "{error}");
}

proptest! {
    #[test]
    fn any_printable_rma_makes_a_sound_label(rma in "[ -~]{1,40}") {
        let trimmed = rma.trim();
        let modules = if trimmed.is_empty() { None } else { Some(code128(trimmed).unwrap()) };
        match return_label(&label(&rma)) {
            Ok(pdf) => {
                prop_assert_eq!(check_structure(&pdf), Ok(7));
                let modules = modules.unwrap();
                // Start B or C, whole symbols, then the stop pattern.
                let bits: String = modules.iter().map(|&b| if b { '1' } else { '0' }).collect();
                prop_assert!(bits.starts_with("11010010000") || bits.starts_with("11010011100"), "{}", bits);
                prop_assert!(bits.ends_with("1100011101011"));
                prop_assert_eq!((modules.len() - 13) % 11, 0);
            }
            Err(Error::Missing { field, .. }) => {
                prop_assert!(trimmed.is_empty());
                prop_assert_eq!(field, "rma");
            }
            Err(Error::BarcodeTooLong { field, modules: needed, max }) => {
                prop_assert_eq!(field, "rma");
                prop_assert!(trimmed.len() > 33, "{} characters should fit", trimmed.len());
                prop_assert_eq!(needed, modules.unwrap().len() + 20);
                prop_assert!(needed > max);
            }
            Err(other) => prop_assert!(false, "unexpected {other}"),
        }
    }
}
