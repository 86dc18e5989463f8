//! `inventory-csv`: one `inventory.snapshot` per row of `sku,node,on_hand[,unit][,as_of]`.
//!
//! The `csv` crate is not among the packages this project may use, so
//! records are read here, RFC 4180 style: quoted fields may hold commas,
//! doubled quotes and line breaks.

use jiff::Timestamp;
use model::event::InventorySnapshot;
use model::item::UnitOfMeasure;
use model::{Event, EventBody, NodeId, Quantity, Sku};
use sha2::{Digest, Sha256};

use super::report::Rejection;
use super::{Item, Parsed};

const REQUIRED: [&str; 3] = ["sku", "node", "on_hand"];
const COLUMNS: [&str; 5] = ["sku", "node", "on_hand", "unit", "as_of"];

/// One record and the line it starts on (a quoted field may span lines).
#[derive(Debug, PartialEq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Splits CSV text into records. Blank lines are skipped; a quote left open
/// at the end of the input is an error naming the line it opened on.
pub fn records(text: &str) -> Result<Vec<Record>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    // The field was quoted: what follows the closing quote is kept, as spreadsheets do.
    let mut was_quoted = false;
    let mut line = 1;
    let mut record_line = 1;
    let mut quote_line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
                quote_line = line;
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                fields.push(std::mem::take(&mut field));
                push_record(&mut out, record_line, std::mem::take(&mut fields));
                was_quoted = false;
                line += 1;
                record_line = line;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err(format!("line {quote_line}: a quoted field is never closed"));
    }
    if !field.is_empty() || !fields.is_empty() || was_quoted {
        fields.push(field);
        push_record(&mut out, record_line, fields);
    }
    Ok(out)
}

fn push_record(out: &mut Vec<Record>, line: usize, fields: Vec<String>) {
    // A line with nothing on it is spacing, not a record with one empty field.
    if fields.len() == 1 && fields[0].trim().is_empty() {
        return;
    }
    out.push(Record { line, fields });
}

/// Where each known column is in the header.
struct Header {
    index: [Option<usize>; COLUMNS.len()],
    width: usize,
}

impl Header {
    fn read(record: &Record) -> Result<Self, String> {
        let mut index = [None; COLUMNS.len()];
        for (at, raw) in record.fields.iter().enumerate() {
            let name = raw.trim().to_ascii_lowercase();
            let Some(column) = COLUMNS.iter().position(|c| *c == name) else {
                return Err(format!(
                    "line {}: unknown column `{}`; the columns are {} (unit and as_of optional)",
                    record.line,
                    raw.trim(),
                    COLUMNS.join(", ")
                ));
            };
            if index[column].replace(at).is_some() {
                return Err(format!("line {}: column `{name}` appears twice", record.line));
            }
        }
        if let Some(missing) = REQUIRED.iter().find(|c| index[column(c)].is_none()) {
            return Err(format!(
                "line {}: the header has no `{missing}` column; a header row `sku,node,on_hand` (plus optional `unit`, `as_of`) is required",
                record.line
            ));
        }
        Ok(Header {
            index,
            width: record.fields.len(),
        })
    }

    /// The trimmed value of `name` in `record`, `None` when the column is absent or the cell blank.
    fn get<'r>(&self, record: &'r Record, name: &str) -> Option<&'r str> {
        let at = self.index[column(name)]?;
        record.fields.get(at).map(|v| v.trim()).filter(|v| !v.is_empty())
    }
}

fn column(name: &str) -> usize {
    COLUMNS.iter().position(|c| *c == name).expect("a known column")
}

/// Reads an inventory CSV into snapshot events. `default_as_of` stamps rows
/// without `as_of` (the caller passes the file's modification time: when
/// the counts were written, and the same on every import of that file). A file without a usable header is an error; a bad row is
/// a rejection and the other rows still go.
pub fn parse(file_name: &str, text: &str, source: &str, default_as_of: Timestamp) -> Result<Parsed, String> {
    let all = records(text)?;
    let Some((head, rows)) = all.split_first() else {
        return Err("the file is empty; a header row `sku,node,on_hand` is required".to_owned());
    };
    let header = Header::read(head)?;
    let mut parsed = Parsed::default();
    for record in rows {
        match row(file_name, &header, record, source, default_as_of) {
            Ok(event) => parsed.items.push(Item {
                at: format!("line {}", record.line),
                event,
            }),
            Err((field, code, message)) => parsed.rejected.push(Rejection {
                file: file_name.to_owned(),
                at: format!("line {}", record.line),
                code: code.to_owned(),
                message,
                field: Some(field.to_owned()),
            }),
        }
    }
    Ok(parsed)
}

type RowError = (&'static str, &'static str, String);

fn row(file_name: &str, header: &Header, record: &Record, source: &str, default_as_of: Timestamp) -> Result<Event, RowError> {
    if record.fields.len() > header.width {
        return Err((
            "row",
            "too_many_fields",
            format!(
                "The row has {} fields; the header has {}. Hint: quote values that contain commas.",
                record.fields.len(),
                header.width
            ),
        ));
    }
    let required = |name: &'static str| {
        header
            .get(record, name)
            .ok_or_else(|| (name, "missing_field", format!("`{name}` is missing or empty.")))
    };
    let model_error = |name: &'static str| move |e: model::Error| (name, e.code, e.message);
    let sku = Sku::parse(required("sku")?).map_err(model_error("sku"))?;
    let node = NodeId::parse(required("node")?).map_err(model_error("node"))?;
    let raw_on_hand = required("on_hand")?;
    let on_hand = raw_on_hand.parse::<i64>().map_err(|_| {
        (
            "on_hand",
            "invalid_quantity",
            format!("`{raw_on_hand}` is not a whole number of units."),
        )
    })?;
    let on_hand = Quantity::new(on_hand).map_err(model_error("on_hand"))?;
    let unit = header.get(record, "unit").map(unit).transpose()?;
    let occurred_at = match header.get(record, "as_of") {
        Some(raw) => raw.parse::<Timestamp>().map_err(|e| {
            (
                "as_of",
                "invalid_time",
                format!("`{raw}` is not an RFC 3339 time such as 2026-05-15T10:00:00Z: {e}."),
            )
        })?,
        None => default_as_of,
    };
    let event_id = event_id(file_name, &sku, &node, on_hand, unit, occurred_at);
    let event = Event {
        event_id,
        source: source.to_owned(),
        tenant: None,
        occurred_at,
        body: EventBody::InventorySnapshot(InventorySnapshot { node, sku, on_hand, unit }),
    };
    event.validate().map_err(|e| {
        // The model names `data.on_hand`; the person reading this knows the column.
        let field = match e.field.as_deref().and_then(|f| f.strip_prefix("data.")) {
            Some("sku") => "sku",
            Some("node") => "node",
            Some("unit") => "unit",
            _ => "on_hand",
        };
        (field, e.code, e.message)
    })?;
    Ok(event)
}

fn unit(raw: &str) -> Result<UnitOfMeasure, RowError> {
    let known = [UnitOfMeasure::Each, UnitOfMeasure::Case, UnitOfMeasure::Pallet];
    known.into_iter().find(|u| u.as_str().eq_ignore_ascii_case(raw)).ok_or_else(|| {
        let names: Vec<&str> = known.iter().map(|u| u.as_str()).collect();
        (
            "unit",
            "invalid_unit",
            format!("`{raw}` is not a unit; one of {}.", names.join(", ")),
        )
    })
}

/// Derived from the row's content, so importing the same file again sends
/// the same ids and the server reports duplicates instead of applying the
/// counts twice; a later export of the same counts is a later time, so a
/// new snapshot.
fn event_id(file_name: &str, sku: &Sku, node: &NodeId, on_hand: Quantity, unit: Option<UnitOfMeasure>, as_of: Timestamp) -> String {
    let mut hash = Sha256::new();
    for part in [
        file_name,
        sku.as_str(),
        node.as_str(),
        &on_hand.to_string(),
        unit.map_or("", UnitOfMeasure::as_str),
        &as_of.to_string(),
    ] {
        hash.update(part.as_bytes());
        // A separator no field can hold, so `a,bc` and `ab,c` differ.
        hash.update([0]);
    }
    format!("csv-{}", hex::encode(hash.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<(usize, Vec<String>)> {
        records(text).unwrap().into_iter().map(|r| (r.line, r.fields)).collect()
    }

    fn rec(line: usize, fields: &[&str]) -> (usize, Vec<String>) {
        (line, fields.iter().map(|f| (*f).to_owned()).collect())
    }

    #[test]
    fn quoted_fields_hold_commas_quotes_and_line_breaks() {
        let text = "sku,node,on_hand\r\n\"A,1\",DC,\"say \"\"hi\"\"\"\n\"multi\nline\",DC,3\n\nlast,DC,4";
        assert_eq!(
            fields(text),
            vec![
                rec(1, &["sku", "node", "on_hand"]),
                rec(2, &["A,1", "DC", "say \"hi\""]),
                rec(3, &["multi\nline", "DC", "3"]),
                rec(6, &["last", "DC", "4"]),
            ]
        );
    }

    #[test]
    fn empty_quoted_field_and_trailing_empty_field_are_kept() {
        assert_eq!(fields("\"\",b,\n"), vec![rec(1, &["", "b", ""])]);
    }

    #[test]
    fn an_unclosed_quote_names_its_line() {
        let err = records("sku,node,on_hand\nA,DC,1\n\"B,DC,2\n").unwrap_err();
        assert!(err.starts_with("line 3:"), "{err}");
    }

    fn now() -> Timestamp {
        "2026-05-15T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn rows_become_snapshots_and_bad_rows_are_rejected_with_their_line() {
        let text = "SKU,Node,on_hand,unit,as_of\nA-1,DC-EAST,5,,\nA 2,DC-EAST,1,,\nA-3,DC-EAST,1.5,,\nA-4,DC-EAST,2,box,\nA-5,,2,,\nA-6,DC-EAST,7,case,2026-01-02T03:04:05Z\nA-7,DC-EAST,-1,,\n";
        let parsed = parse("stock.csv", text, "csv-import", now()).unwrap();
        let ok: Vec<(&str, String)> = parsed.items.iter().map(|i| (i.at.as_str(), i.event.event_id.clone())).collect();
        assert_eq!(ok.len(), 2, "{ok:?}");
        assert_eq!((ok[0].0, ok[1].0), ("line 2", "line 7"));
        let EventBody::InventorySnapshot(s) = &parsed.items[1].event.body else {
            panic!("not a snapshot")
        };
        assert_eq!((s.sku.as_str(), s.on_hand.units(), s.unit), ("A-6", 7, Some(UnitOfMeasure::Case)));
        assert_eq!(
            parsed.items[1].event.occurred_at,
            "2026-01-02T03:04:05Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(parsed.items[0].event.occurred_at, now());
        let rejected: Vec<(&str, &str, Option<&str>)> = parsed
            .rejected
            .iter()
            .map(|r| (r.at.as_str(), r.code.as_str(), r.field.as_deref()))
            .collect();
        assert_eq!(
            rejected,
            vec![
                ("line 3", "invalid_sku", Some("sku")),
                ("line 4", "invalid_quantity", Some("on_hand")),
                ("line 5", "invalid_unit", Some("unit")),
                ("line 6", "missing_field", Some("node")),
                ("line 8", "invalid_quantity", Some("on_hand")),
            ]
        );
    }

    #[test]
    fn ids_depend_on_the_content_and_its_time() {
        let text = "sku,node,on_hand\nA-1,DC-EAST,5\n";
        let first = parse("stock.csv", text, "csv-import", now()).unwrap();
        let again = parse("stock.csv", text, "csv-import", now()).unwrap();
        assert_eq!(first.items[0].event.event_id, again.items[0].event.event_id);
        let later = parse("stock.csv", text, "csv-import", Timestamp::now()).unwrap();
        assert_ne!(first.items[0].event.event_id, later.items[0].event.event_id);
        let changed = parse("stock.csv", "sku,node,on_hand\nA-1,DC-EAST,6\n", "csv-import", now()).unwrap();
        assert_ne!(first.items[0].event.event_id, changed.items[0].event.event_id);
        let other_file = parse("other.csv", text, "csv-import", now()).unwrap();
        assert_ne!(first.items[0].event.event_id, other_file.items[0].event.event_id);
    }

    #[test]
    fn a_header_is_required_and_checked() {
        assert!(parse("s.csv", "", "x", now()).unwrap_err().contains("empty"));
        assert!(
            parse("s.csv", "A-1,DC-EAST,5\n", "x", now())
                .unwrap_err()
                .contains("unknown column `A-1`")
        );
        assert!(
            parse("s.csv", "sku,node\nA,B\n", "x", now())
                .unwrap_err()
                .contains("no `on_hand` column")
        );
        assert!(parse("s.csv", "sku,node,on_hand,sku\n", "x", now()).unwrap_err().contains("twice"));
    }

    #[test]
    fn a_row_longer_than_the_header_is_rejected() {
        let parsed = parse("s.csv", "sku,node,on_hand\nA,1,000,DC-EAST,5\n", "x", now()).unwrap();
        assert_eq!(parsed.rejected[0].code, "too_many_fields");
    }
}
