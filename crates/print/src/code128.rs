//! Code 128 (ISO/IEC 15417), code sets B and C.
//!
//! Printable ASCII goes in set B; runs of digits switch to set C (two digits
//! per symbol) where that makes the symbol shorter, so numeric RMAs print
//! narrower. Set A (control characters) is not needed for anything we print.

use crate::Error;

/// Bar and space widths (bar first) of symbol values 0..=106, from the
/// standard's symbol table. 103..=105 are Start A/B/C, 106 is Stop (7 elements).
const PATTERNS: [&str; 107] = [
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213", // 0-9
    "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132", // 10-19
    "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211", // 20-29
    "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313", // 30-39
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331", // 40-49
    "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111", // 50-59
    "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214", // 60-69
    "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", // 70-79
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141", // 80-89
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141", // 90-99
    "114131", "311141", "411131", "211412", "211214", "211232", "2331112", // 100-106
];

const CODE_C: u8 = 99; // in set B: switch to set C
const CODE_B: u8 = 100; // in set C: switch to set B
const START_B: u8 = 104;
const START_C: u8 = 105;
const STOP: u8 = 106;

/// Encodes `data` as Code 128 modules (`true` = bar), start to stop, without
/// quiet zones: the caller leaves at least 10 modules blank on either side.
///
/// Every symbol is 11 modules wide and the stop symbol 13, so the result has
/// `11 * symbols + 2` modules.
pub fn code128(data: &str) -> Result<Vec<bool>, Error> {
    encode(data, "data")
}

/// [`code128`], naming `field` in errors.
pub(crate) fn encode(data: &str, field: &str) -> Result<Vec<bool>, Error> {
    let values = symbol_values(data, field)?;
    let mut modules = Vec::with_capacity(values.len() * 11 + 2);
    for &value in &values {
        let mut bar = true;
        for width in PATTERNS[usize::from(value)].bytes() {
            modules.extend(std::iter::repeat_n(bar, usize::from(width - b'0')));
            bar = !bar;
        }
    }
    Ok(modules)
}

/// The symbol values of `data`: start, data (with set switches), check, stop.
pub(crate) fn symbol_values(data: &str, field: &str) -> Result<Vec<u8>, Error> {
    if data.is_empty() {
        return Err(Error::Missing {
            field: field.to_owned(),
            document: "Code 128 barcode",
        });
    }
    if let Some((index, found)) = data.chars().enumerate().find(|(_, c)| !(' '..='~').contains(c)) {
        return Err(Error::NotBarcodable {
            field: field.to_owned(),
            index,
            found,
        });
    }
    // Only printable ASCII from here on, so bytes are characters.
    let bytes = data.as_bytes();
    let mut values = Vec::with_capacity(bytes.len() + 4);
    let mut set: Option<u8> = None; // START_B or START_C once started
    let mut i = 0;
    while i < bytes.len() {
        let run = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if run == 0 {
            to_set_b(&mut values, &mut set);
            values.push(bytes[i] - b' ');
            i += 1;
            continue;
        }
        let at_start = i == 0;
        let at_end = i + run == bytes.len();
        if use_set_c(run, at_start, at_end) {
            // An odd digit goes first, in set B, so the rest pairs up.
            if run % 2 == 1 {
                to_set_b(&mut values, &mut set);
                values.push(bytes[i] - b' ');
                i += 1;
            }
            match set {
                None => values.push(START_C),
                Some(START_C) => {}
                Some(_) => values.push(CODE_C),
            }
            set = Some(START_C);
            for pair in bytes[i..i + run / 2 * 2].chunks_exact(2) {
                values.push((pair[0] - b'0') * 10 + (pair[1] - b'0'));
            }
            i += run / 2 * 2;
        } else {
            to_set_b(&mut values, &mut set);
            values.extend(bytes[i..i + run].iter().map(|b| b - b' '));
            i += run;
        }
    }
    values.push(checksum(&values));
    values.push(STOP);
    Ok(values)
}

fn to_set_b(values: &mut Vec<u8>, set: &mut Option<u8>) {
    match set {
        None => values.push(START_B),
        Some(START_B) => {}
        Some(_) => values.push(CODE_B),
    }
    *set = Some(START_B);
}

/// Whether a run of `run` digits is shorter in set C than in set B, counting
/// the switches into and out of set C and an odd leading digit left in set B.
fn use_set_c(run: usize, at_start: bool, at_end: bool) -> bool {
    let odd = run % 2;
    // An even run at the very start begins with Start C: no switch symbol.
    let switch_in = usize::from(!(at_start && odd == 0));
    let switch_out = usize::from(!at_end);
    run / 2 + odd + switch_in + switch_out < run
}

/// The check symbol: start value plus each data value times its position, mod 103.
pub(crate) fn checksum(values: &[u8]) -> u8 {
    let sum: u32 = values.iter().enumerate().map(|(i, &v)| u32::from(v) * (i as u32).max(1)).sum();
    (sum % 103) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bits(modules: &[bool]) -> String {
        modules.iter().map(|&b| if b { '1' } else { '0' }).collect()
    }

    /// Reads modules back into symbol values through the pattern table.
    fn values_of(modules: &[bool]) -> Vec<u8> {
        let stop_at = modules.len() - 13;
        let mut values: Vec<u8> = modules[..stop_at]
            .chunks(11)
            .map(|symbol| {
                let mut widths = String::new();
                let mut run = 1;
                for pair in symbol.windows(2) {
                    if pair[0] == pair[1] {
                        run += 1;
                    } else {
                        widths.push(char::from(b'0' + run));
                        run = 1;
                    }
                }
                widths.push(char::from(b'0' + run));
                PATTERNS.iter().position(|p| *p == widths).expect("a known symbol") as u8
            })
            .collect();
        assert_eq!(PATTERNS.iter().position(|p| *p == "2331112"), Some(106));
        assert_eq!(bits(&modules[stop_at..]), "1100011101011", "stop pattern");
        values.push(STOP);
        values
    }

    /// Turns symbol values back into text, following the set switches.
    fn text_of(values: &[u8]) -> String {
        let mut set_c = match values[0] {
            START_B => false,
            START_C => true,
            other => panic!("unexpected start symbol {other}"),
        };
        let mut text = String::new();
        for &v in &values[1..values.len() - 2] {
            match (set_c, v) {
                (false, CODE_C) => set_c = true,
                (true, CODE_B) => set_c = false,
                (true, v) => text.push_str(&format!("{v:02}")),
                (false, v) => text.push(char::from(v + b' ')),
            }
        }
        text
    }

    #[test]
    fn patterns_are_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for (value, pattern) in PATTERNS.iter().enumerate() {
            let widths: Vec<u32> = pattern.bytes().map(|b| u32::from(b - b'0')).collect();
            let total: u32 = widths.iter().sum();
            assert_eq!(total, if value == 106 { 13 } else { 11 }, "width of symbol {value}");
            // Bars of every symbol add up to an even number of modules (the code's parity check).
            let bars: u32 = widths.iter().step_by(2).sum();
            assert_eq!(bars % 2, 0, "bar parity of symbol {value}");
            assert!(widths.iter().all(|w| (1..=4).contains(w)), "element widths of symbol {value}");
            assert!(seen.insert(pattern), "symbol {value} repeats an earlier pattern");
        }
    }

    /// Module strings from an independent encoder (python-barcode 0.16.1,
    /// `Code128(s).build()`), for inputs where both pick the same code sets.
    #[test]
    fn matches_known_encodings() {
        let known = [
            (
                "Wikipedia",
                "11010010000111010001101000011010011000010010100001101001010011110010110010000100001001101000011010010010110000111100100101100011101011",
            ),
            (
                "PJJ123C",
                "1101001000011101110110101101110001011011100010011100110110011100101100101110010001000110111010001101100011101011",
            ),
            ("123456", "11010011100101100111001000101100011100010110100011011101100011101011"),
            (
                "RMA-000123",
                "110100100001100010111010111011000101000110001001101110010111011110110110011001100110110011101101110110111010001100011101011",
            ),
            (
                "x0123456789y",
                "11010010000111100100101011101111011001101100111011011101011101100010000101100110110111101011110111011011011110110001010001100011101011",
            ),
            (
                "Hello, World!",
                "1101001000011000101000101100100001100101000011001010000100011110101011001110011011001100111010001101000111101010010011110110010100001000010011011001101100110010100001100011101011",
            ),
        ];
        for (data, expected) in known {
            assert_eq!(bits(&code128(data).unwrap()), expected, "encoding of {data:?}");
        }
    }

    #[test]
    fn checksum_is_weighted_sum_mod_103() {
        // Start B (104), then "PJJ123C" in set B: P=48 J=42 J=42 1=17 2=18 3=19 C=35.
        // 104 + 48 + 84 + 126 + 68 + 90 + 114 + 245 = 879 = 8 * 103 + 55.
        let values = symbol_values("PJJ123C", "data").unwrap();
        assert_eq!(values, [104, 48, 42, 42, 17, 18, 19, 35, 55, 106]);
        // Start C (105), 12 34 56: 105 + 12 + 68 + 168 = 353 = 3 * 103 + 44.
        assert_eq!(symbol_values("123456", "data").unwrap(), [105, 12, 34, 56, 44, 106]);
    }

    #[test]
    fn digit_runs_use_set_c_only_when_shorter() {
        // Three digits in the middle cost more in set C (switch in and out): stay in B.
        assert_eq!(symbol_values("A123B", "data").unwrap()[..6], [START_B, 33, 17, 18, 19, 34]);
        // Four trailing digits: B, Code C, two pairs.
        assert_eq!(
            symbol_values("RMA1234", "data").unwrap()[..7],
            [START_B, 50, 45, 33, CODE_C, 12, 34]
        );
        // An odd leading run: its first digit in B, then set C, then back to B for the text.
        assert_eq!(
            symbol_values("1234567X", "data").unwrap()[..8],
            [START_B, 17, CODE_C, 23, 45, 67, CODE_B, 56]
        );
        // Five leading digits then text tie with set B: set B, no switches.
        assert_eq!(symbol_values("12345X", "data").unwrap().len(), 6 + 3);
        // Two digits alone: Start C and one pair.
        assert_eq!(symbol_values("42", "data").unwrap(), [START_C, 42, (105 + 42) % 103, STOP]);
    }

    #[test]
    fn refuses_what_it_cannot_carry() {
        assert_eq!(
            code128("RMA-é1"),
            Err(Error::NotBarcodable {
                field: "data".into(),
                index: 4,
                found: 'é'
            })
        );
        assert!(matches!(code128("a\tb"), Err(Error::NotBarcodable { index: 1, .. })));
        assert!(matches!(code128(""), Err(Error::Missing { .. })));
        assert_eq!(encode("", "rma").unwrap_err().field(), "rma");
    }

    proptest! {
        #[test]
        fn round_trips_through_table_and_checksum(data in "[ -~]{1,60}") {
            let modules = code128(&data).unwrap();
            prop_assert_eq!((modules.len() - 2) % 11, 0);
            let values = values_of(&modules);
            let check = values[values.len() - 2];
            prop_assert_eq!(checksum(&values[..values.len() - 2]), check);
            prop_assert_eq!(text_of(&values), data.clone());
            // Never longer than plain set B.
            prop_assert!(values.len() <= data.len() + 3);
        }
    }
}
