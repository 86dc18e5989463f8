//! Checks on the caller's values before anything is drawn, each naming its field.

use crate::Error;

/// `value`, or [`Error::Missing`] when it is empty or only whitespace.
pub(crate) fn required<'a>(value: &'a str, field: &str, document: &'static str) -> Result<&'a str, Error> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::Missing {
            field: field.to_owned(),
            document,
        });
    }
    Ok(value)
}

/// A line quantity must be at least one unit.
pub(crate) fn quantity(quantity: i64, field: String) -> Result<i64, Error> {
    if quantity < 1 {
        return Err(Error::Quantity { field, quantity });
    }
    Ok(quantity)
}

/// A calendar date written `YYYY-MM-DD` (so `2026-02-30` is refused).
pub(crate) fn date(value: &str, field: &str) -> Result<(), Error> {
    let bad = || Error::Date {
        field: field.to_owned(),
        value: value.to_owned(),
    };
    let b = value.as_bytes();
    let shape = b.len() == 10 && b[4] == b'-' && b[7] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(bad());
    }
    let [year, month, day] = [&value[0..4], &value[5..7], &value[8..10]].map(|s| s.parse::<u32>().unwrap_or(0));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if year == 0 || day == 0 || day > days {
        return Err(bad());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        for ok in ["2026-05-15", "2024-02-29", "2000-02-29", "1999-12-31"] {
            assert_eq!(date(ok, "d"), Ok(()), "{ok}");
        }
        for bad in [
            "2026-5-15",
            "2026-02-30",
            "1900-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-05-00",
            "15/05/2026",
            "",
            "2026-05-15T00",
        ] {
            assert_eq!(
                date(bad, "issued_on"),
                Err(Error::Date {
                    field: "issued_on".into(),
                    value: bad.into()
                }),
                "{bad}"
            );
        }
    }

    #[test]
    fn required_and_quantity() {
        assert_eq!(required("  x ", "order", "label"), Ok("x"));
        assert_eq!(
            required(" \t", "order", "label"),
            Err(Error::Missing {
                field: "order".into(),
                document: "label"
            })
        );
        assert_eq!(
            quantity(0, "lines[2].quantity".into()),
            Err(Error::Quantity {
                field: "lines[2].quantity".into(),
                quantity: 0
            })
        );
        assert_eq!(quantity(3, "q".into()), Ok(3));
    }
}
