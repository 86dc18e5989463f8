use std::collections::BTreeSet;

use model::order::{Address, OrderData};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::address::{check, normalise, validate_postal_code};
use super::*;

// ---- helpers ----

fn addr(line1: &str, city: &str, region: Option<&str>, postal: &str, country: &str) -> Address {
    Address {
        line1: Some(line1.into()),
        city: Some(city.into()),
        region: region.map(Into::into),
        postal_code: Some(postal.into()),
        country: Some(country.into()),
        ..Address::default()
    }
}

fn line1_only(line1: &str) -> Address {
    addr(line1, "Springfield", Some("IL"), "62701", "US")
}

fn codes(reasons: &[Reason]) -> Vec<&'static str> {
    reasons.iter().map(|r| r.code.as_str()).collect()
}

const CASES: &str = include_str!("cases.json");

fn merged(base: &Value, overrides: Option<&Value>) -> Value {
    let mut out = base.clone();
    if let (Some(obj), Some(Value::Object(over))) = (out.as_object_mut(), overrides) {
        for (k, v) in over {
            // `null` means "absent": the field's default applies.
            if v.is_null() {
                obj.remove(k);
            } else {
                obj.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

struct Case {
    id: String,
    raw: Value,
    order: OrderData,
    ctx: TriageContext,
    class: Class,
    reasons: BTreeSet<String>,
}

fn load_cases() -> Vec<Case> {
    let doc: Value = serde_json::from_str(CASES).expect("cases.json parses");
    let defaults = &doc["defaults"];
    doc["cases"]
        .as_array()
        .expect("cases is a list")
        .iter()
        .map(|c| {
            let id = c["id"].as_str().expect("id").to_string();
            let order = serde_json::from_value(merged(&defaults["order"], c.get("order"))).unwrap_or_else(|e| panic!("{id}: order: {e}"));
            let ctx =
                serde_json::from_value(merged(&defaults["context"], c.get("context"))).unwrap_or_else(|e| panic!("{id}: context: {e}"));
            let class = serde_json::from_value(c["class"].clone()).unwrap_or_else(|e| panic!("{id}: class: {e}"));
            let reasons: BTreeSet<String> = c["reasons"]
                .as_array()
                .expect("reasons")
                .iter()
                .map(|r| r.as_str().expect("code").to_string())
                .collect();
            for r in &reasons {
                assert!(ReasonCode::parse(r).is_some(), "{id}: unknown reason code {r}");
            }
            Case {
                id,
                raw: c.clone(),
                order,
                ctx,
                class,
                reasons,
            }
        })
        .collect()
}

/// What is wrong with triage's answer to one case, if anything.
fn judge(case: &Case, got: &Triage) -> Vec<String> {
    let mut problems = Vec::new();
    if got.class != case.class {
        problems.push(format!("class {:?}, expected {:?}", got.class, case.class));
    }
    let got_codes: BTreeSet<String> = got.reasons.iter().map(|r| r.code.as_str().to_string()).collect();
    if got_codes != case.reasons {
        problems.push(format!("reasons {got_codes:?}, expected {:?}", case.reasons));
    }
    if let Some(field) = case.raw.get("field").and_then(Value::as_str)
        && !got.reasons.iter().any(|r| r.field.as_deref() == Some(field))
    {
        problems.push(format!("no reason names field {field}"));
    }
    for (key, pick) in [
        (
            "normalised_postal_code",
            (|a: &Address| a.postal_code.clone()) as fn(&Address) -> Option<String>,
        ),
        ("normalised_region", |a| a.region.clone()),
        ("normalised_country", |a| a.country.clone()),
    ] {
        if let Some(want) = case.raw.get(key).and_then(Value::as_str) {
            let have = got.suggested_ship_to.as_ref().and_then(pick);
            if have.as_deref() != Some(want) {
                problems.push(format!("{key} {have:?}, expected {want}"));
            }
        }
    }
    problems
}

// ---- the labelled evaluation set ----

#[test]
fn labelled_cases_are_all_triaged_as_specified() {
    let cases = load_cases();
    assert!(cases.len() >= 150, "only {} cases", cases.len());
    let mut failures = Vec::new();
    let mut class_right = 0;
    let mut confusion = std::collections::BTreeMap::<(Class, Class), usize>::new();
    for case in &cases {
        let got = triage(&case.order, &case.ctx);
        if got.class == case.class {
            class_right += 1;
        }
        *confusion.entry((case.class, got.class)).or_default() += 1;
        let problems = judge(case, &got);
        if !problems.is_empty() {
            failures.push(format!("{}: {}", case.id, problems.join("; ")));
        }
    }
    let n = cases.len() as f64;
    println!(
        "triage cases: {} | class accuracy {:.1}% | exact (class + reason codes + fields) {:.1}%",
        cases.len(),
        class_right as f64 / n * 100.0,
        (cases.len() - failures.len()) as f64 / n * 100.0
    );
    println!("confusion (expected → got): {confusion:?}");
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn the_cases_cover_every_reason_code_and_class() {
    let cases = load_cases();
    let used: BTreeSet<&str> = cases.iter().flat_map(|c| c.reasons.iter().map(String::as_str)).collect();
    for code in ReasonCode::ALL {
        assert!(used.contains(code.as_str()), "no case expects `{code}`");
    }
    let ids: BTreeSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), cases.len(), "case ids are unique");
    let international = cases.iter().filter(|c| c.reasons.contains("international")).count();
    assert!(international >= 20, "{international} international cases");
}

/// Latency of one triage over the labelled cases. Run with
/// `cargo test -p engine --release triage_latency -- --ignored --nocapture`.
#[test]
#[ignore]
fn triage_latency() {
    let cases = load_cases();
    let mut samples = Vec::new();
    for _ in 0..200 {
        for case in &cases {
            let start = std::time::Instant::now();
            let t = triage(&case.order, &case.ctx);
            samples.push(start.elapsed().as_nanos() as u64);
            std::hint::black_box(t);
        }
    }
    samples.sort_unstable();
    let pct = |p: f64| samples[((samples.len() - 1) as f64 * p) as usize] as f64 / 1000.0;
    println!(
        "triage latency over {} runs: p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        samples.len(),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
}

// ---- postal codes, country by country ----

fn assert_postal(country: &str, valid: &[(&str, &str)], invalid: &[&str]) {
    for (raw, canonical) in valid {
        assert_eq!(validate_postal_code(country, raw).as_deref(), Ok(*canonical), "{country} `{raw}`");
    }
    for raw in invalid {
        assert!(validate_postal_code(country, raw).is_err(), "{country} `{raw}` should be invalid");
    }
}

#[test]
fn us_zip_codes() {
    assert_postal(
        "US",
        &[
            ("10118", "10118"),
            ("20500-0003", "20500-0003"),
            ("627011234", "62701-1234"),
            ("90210 1234", "90210-1234"),
            ("00501", "00501"),
            ("99950", "99950"),
            (" 02116 ", "02116"),
        ],
        &[
            "2116",
            "9021O",
            "100011",
            "00000",
            "00412",
            "1234-5678",
            "ABCDE",
            "",
            "10118-12",
            "10118-123456",
        ],
    );
    assert_eq!(
        validate_postal_code("US", "1234").unwrap_err(),
        "Postal code `1234` is not a valid US ZIP code (expected 12345 or 12345-6789)."
    );
}

#[test]
fn us_territories_use_zip_codes() {
    assert_postal("PR", &[("00901", "00901")], &["PR 00901X"]);
    assert_postal("GU", &[("96910", "96910")], &["9691"]);
}

#[test]
fn canadian_postal_codes() {
    assert_postal(
        "CA",
        &[
            ("K1A 0B1", "K1A 0B1"),
            ("k1a0b1", "K1A 0B1"),
            ("K1A-0B1", "K1A 0B1"),
            ("M5V 3L9", "M5V 3L9"),
            ("H3B 2Y5", "H3B 2Y5"),
            ("V6Z 2H7", "V6Z 2H7"),
            ("X0A 0H0", "X0A 0H0"),
            ("T2P 1J9", "T2P 1J9"),
        ],
        &[
            "K1A 0B", "D1A 1A1", "W1A 1A1", "Z1A 1A1", "K1O 1A1", "K1A 1U1", "KIA 0B1", "10118", "K1A 0B1X",
        ],
    );
}

#[test]
fn uk_postcodes_follow_the_full_grammar() {
    assert_postal(
        "GB",
        &[
            ("SW1A 1AA", "SW1A 1AA"),
            ("sw1a1aa", "SW1A 1AA"),
            ("EC1A 1BB", "EC1A 1BB"),
            ("W1A 0AX", "W1A 0AX"),
            ("M1 1AE", "M1 1AE"),
            ("B33 8TH", "B33 8TH"),
            ("CR2 6XH", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("GIR 0AA", "GIR 0AA"),
            ("gir0aa", "GIR 0AA"),
            ("BFPO 801", "BFPO 801"),
            ("BFPO1", "BFPO 1"),
            ("BT1 5GS", "BT1 5GS"),
            ("E1W 1AA", "E1W 1AA"),
            ("NW1W 9AA", "NW1W 9AA"),
        ],
        &[
            "SW1A 1AAA",
            "QA1 1AA",
            "VA1 1AA",
            "XA1 1AA",
            "AI1 1AA",
            "AJ1 1AA",
            "AZ1 1AA",
            "AB1 1CI",
            "AB1 1AK",
            "A1I 1AA",
            "AB1C 1AA",
            "12345",
            "SW1A",
            "BFPO 12345",
            "BFPO",
            "GIR 0AB",
        ],
    );
    // Crown dependencies use the same grammar.
    assert_postal("JE", &[("JE2 3AB", "JE2 3AB")], &["JE2"]);
}

#[test]
fn german_postleitzahlen() {
    assert_postal(
        "DE",
        &[
            ("10117", "10117"),
            ("01067", "01067"),
            ("80331", "80331"),
            ("D-10117", "10117"),
            ("DE-80331", "80331"),
            ("99998", "99998"),
        ],
        &["1011", "00123", "99999", "101171", "1O117", "D-1011"],
    );
}

#[test]
fn french_codes_postaux_and_corsica() {
    assert_postal(
        "FR",
        &[
            ("75008", "75008"),
            ("F-75008", "75008"),
            ("01000", "01000"),
            ("20000", "20000"),
            ("20090", "20090"),
            ("20137", "20137"),
            ("20200", "20200"),
            ("20600", "20600"),
            ("97110", "97110"),
            ("97400", "97400"),
            ("98800", "98800"),
        ],
        &[
            "2A004", "2B033", "20400", "20700", "96000", "00100", "97900", "98100", "7500", "750080",
        ],
    );
    let err = validate_postal_code("FR", "2A004").unwrap_err();
    assert!(err.contains("Corsican department code") && err.contains("start with 20"), "{err}");
    assert_eq!(postal::corsican_department("20167"), Some("2A"));
    assert_eq!(postal::corsican_department("20220"), Some("2B"));
    assert_eq!(postal::corsican_department("20620"), Some("2B"));
    assert_eq!(postal::corsican_department("75008"), None);
}

#[test]
fn australian_postcodes() {
    assert_postal(
        "AU",
        &[
            ("3128", "3128"),
            ("2000", "2000"),
            ("0800", "0800"),
            ("0200", "0200"),
            ("6000", "6000"),
            ("7001", "7001"),
        ],
        &["200", "0100", "30000", "3l28", "VIC 3000"],
    );
}

#[test]
fn dutch_postcodes() {
    assert_postal(
        "NL",
        &[
            ("1012 JS", "1012 JS"),
            ("1012js", "1012 JS"),
            ("NL-1012 JS", "1012 JS"),
            ("9999 ZZ", "9999 ZZ"),
        ],
        &["0123 AB", "1234 SA", "1234 SD", "1234 SS", "1012", "1012 J", "12345 AB", "AB 1012"],
    );
}

#[test]
fn brazilian_ceps() {
    assert_postal(
        "BR",
        &[
            ("01310-100", "01310-100"),
            ("01310100", "01310-100"),
            ("20090-003", "20090-003"),
            ("69010-001", "69010-001"),
        ],
        &["1310-100", "01310-10", "00100-000", "01310-1000", "ABCDE-FGH"],
    );
}

#[test]
fn japanese_postal_codes() {
    assert_postal(
        "JP",
        &[
            ("100-0001", "100-0001"),
            ("1000001", "100-0001"),
            ("１００－０００１", "100-0001"),
            ("〒150-0002", "150-0002"),
            ("100ー0001", "100-0001"),
        ],
        &["100-001", "100-00001", "ABC-DEFG", "1OO-0001"],
    );
}

#[test]
fn other_countries_get_a_permissive_check() {
    assert_postal("IE", &[("D02 X285", "D02 X285")], &["D02@X285"]);
    assert_postal("SE", &[("590 12", "590 12"), ("59012", "59012")], &["5", "12345678901"]);
    assert_postal("AR", &[("C1425DKA", "C1425DKA")], &["C1425 DKA !"]);
    // Names of countries are accepted where a code is expected.
    assert_eq!(validate_postal_code("Canada", "k1a0b1").as_deref(), Ok("K1A 0B1"));
}

// ---- required fields, regions, normalisation ----

#[test]
fn required_fields_depend_on_the_country() {
    let fields = |a: &Address| -> Vec<String> { check(a, "ship_to", None, &[]).reasons.into_iter().filter_map(|r| r.field).collect() };
    assert_eq!(
        fields(&Address::default()),
        ["ship_to.country", "ship_to.line1", "ship_to.city", "ship_to.postal_code"]
    );
    let mut us = addr("1 Main St", "Austin", None, "78701", "US");
    assert_eq!(fields(&us), ["ship_to.region"]);
    us.region = Some("TX".into());
    assert!(fields(&us).is_empty());
    // Hong Kong has neither postal codes nor a separate city.
    let hk = Address {
        line1: Some("1 Queen's Road Central".into()),
        country: Some("HK".into()),
        ..Address::default()
    };
    assert!(fields(&hk).is_empty());
    // Germany has no regions to give.
    assert!(fields(&addr("Marienplatz 8", "München", None, "80331", "DE")).is_empty());
}

#[test]
fn messages_name_the_value_and_the_rule() {
    let report = check(&addr("1 Main St", "Boston", Some("MA"), "2116", "US"), "ship_to", None, &[]);
    assert_eq!(
        report.reasons[0].message,
        "Postal code `2116` is not a valid US ZIP code (expected 12345 or 12345-6789)."
    );
    assert_eq!(report.reasons[0].field.as_deref(), Some("ship_to.postal_code"));
    let report = check(
        &addr("1 Main St", "Cupertino", Some("Calfornia"), "95014", "US"),
        "ship_to",
        None,
        &[],
    );
    assert_eq!(
        report.reasons[0].message,
        "Region `Calfornia` is not a US state or territory (expected a code such as CA or California)."
    );
    let report = check(
        &addr("9500 Wilshire Blvd", "Beverly Hills", Some("NY"), "90210", "US"),
        "ship_to",
        None,
        &[],
    );
    assert_eq!(
        report.reasons[0].message,
        "Postal code `90210` belongs to California (CA), not New York (NY)."
    );
    assert_eq!(report.reasons[0].confidence, 0.8);
    let report = check(&addr("1 Main St", "Poseidonia", None, "12345", "Atlantis"), "bill_to", None, &[]);
    assert_eq!(report.reasons[0].field.as_deref(), Some("bill_to.country"));
    assert!(report.reasons[0].message.contains("`Atlantis`"));
}

#[test]
fn normalisation_suggests_the_canonical_form() {
    let raw = Address {
        name: Some("  Jane   Doe ".into()),
        line1: Some("80  Wellington St".into()),
        line2: Some("   ".into()),
        city: Some("Ottawa".into()),
        region: Some("ontario".into()),
        postal_code: Some("k1a0b1".into()),
        country: Some("canada".into()),
        ..Address::default()
    };
    let n = normalise(&raw);
    assert_eq!(n.name.as_deref(), Some("Jane Doe"));
    assert_eq!(n.line1.as_deref(), Some("80 Wellington St"));
    assert_eq!(n.line2, None);
    assert_eq!(n.region.as_deref(), Some("ON"));
    assert_eq!(n.postal_code.as_deref(), Some("K1A 0B1"));
    assert_eq!(n.country.as_deref(), Some("CA"));
    let report = check(&raw, "ship_to", None, &[]);
    assert_eq!(codes(&report.reasons), ["address_normalised"]);
    assert_eq!(
        report.reasons[0].message,
        "The address reads better normalised: region `ontario` → `ON`; postal code `k1a0b1` → `K1A 0B1`; country `canada` → `CA`."
    );
    let fields: Vec<&str> = report.changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["name", "line1", "line2", "region", "postal_code", "country"]);
    // An invalid code is only cleaned, never guessed at.
    assert_eq!(
        normalise(&addr("x", "y", None, " 2a004 ", "FR")).postal_code.as_deref(),
        Some("2A004")
    );
}

// ---- PO boxes ----

#[test]
fn po_boxes_in_many_spellings() {
    let boxes = [
        "PO Box 1234",
        "P.O. Box 1234",
        "p.o.box 77",
        "P O Box 5",
        "POBox 12",
        "POBOX12",
        "Post Office Box 5",
        "PO Box No. 9",
        "PO Box #44",
        "GPO Box 1234",
        "PO Drawer 8",
        "Locked Bag 9",
        "Private Bag 92019",
        "POB 12",
        "Postfach 10 01 23",
        "Postfach",
        "Boîte postale 12",
        "BOITE POSTALE 4",
        "BP 45",
        "B.P. 7",
        "Apartado de Correos 1234",
        "Apartado 55",
        "Apdo. 19",
        "Apartado Postal 1",
        "Apartado Aéreo 100",
        "Caixa Postal 123",
        "Cx. Postal 9",
        "Casilla de Correo 4",
        "Casella Postale 12",
        "Postbus 1234",
        "Postboks 9",
        "Skrytka pocztowa 5",
        "東京中央郵便局私書箱123号",
        "8 The Green, PMB 402",
        "Box 7",
        "Unit 5, Box 12",
        "PO Box",
    ];
    for b in boxes {
        let m = detect_po_box(&line1_only(b)).unwrap_or_else(|| panic!("`{b}` is a PO box"));
        assert_eq!(m.field, "line1");
        assert!(m.confidence > 0.6 && m.confidence <= 0.95, "{b}: {}", m.confidence);
    }
}

#[test]
fn streets_that_look_like_boxes_are_not_boxes() {
    let streets = [
        "12 Pobox Street",
        "45 Box Elder Dr",
        "Box Hill Central, 1 Main St",
        "Box Canyon Rd 12",
        "700 Boxwood Ln",
        "1 Post Office Square",
        "10 Postal Way",
        "Boxhagener Straße 12",
        "BP Service Station, 12 Hills Rd",
        "Calle Mayor 5, apartamento 3",
        "Postfachstraße 3",
        "12 Poboxer Road",
        "Unit 2050 Box 4190",
        "15 Caixa D'Água Rd",
        "PO Box Lane 4",
    ];
    for s in streets {
        assert_eq!(detect_po_box(&line1_only(s)), None, "`{s}` is a street");
    }
    // A town called Box Hill is fine: only street lines are read.
    assert_eq!(detect_po_box(&addr("12 Station St", "Box Hill", Some("VIC"), "3128", "AU")), None);
}

#[test]
fn spelled_out_boxes_are_surer_than_abbreviations() {
    let conf = |s: &str| detect_po_box(&line1_only(s)).map(|m| m.confidence).unwrap_or(0.0);
    assert!(conf("PO Box 12") > conf("POB 12"));
    assert!(conf("POB 12") > conf("Box 12"));
    assert!(conf("PO Box 12") > conf("PO Box"));
    let military = detect_po_box(&addr("Unit 2050 Box 4190", "APO", Some("AE"), "09456", "US")).unwrap();
    assert_eq!((military.field.as_str(), military.confidence), ("city", 1.0));
}

#[test]
fn the_carrier_decides_what_a_po_box_means() {
    let po = line1_only("PO Box 1234");
    let ups = CarrierCapabilities {
        name: "UPS Ground".into(),
        po_boxes: false,
    };
    let usps = CarrierCapabilities {
        name: "USPS".into(),
        po_boxes: true,
    };
    let with = |c: Option<&CarrierCapabilities>, a: &Address| check(a, "ship_to", c, &[]).reasons;
    let r = with(Some(&ups), &po);
    assert_eq!((r[0].code, r[0].severity), (ReasonCode::PoBoxUndeliverable, Severity::Exception));
    assert_eq!(
        r[0].message,
        "Line 1 `PO Box 1234` is a PO box, and UPS Ground does not deliver to PO boxes."
    );
    assert_eq!(r[0].field.as_deref(), Some("ship_to.line1"));
    assert_eq!(r[0].confidence, 0.95);
    let r = with(Some(&usps), &po);
    assert_eq!((r[0].code, r[0].severity), (ReasonCode::PoBoxAddress, Severity::Info));
    let r = with(None, &po);
    assert_eq!((r[0].code, r[0].severity), (ReasonCode::PoBoxAddress, Severity::Flag));
    // A street address on the other line: the carrier may still deliver.
    let mut both = addr("2130 Fulton Street", "San Francisco", Some("CA"), "94117", "US");
    both.line2 = Some("PO Box 55".into());
    let r = with(Some(&ups), &both);
    assert_eq!((r[0].code, r[0].severity), (ReasonCode::PoBoxAddress, Severity::Flag));
    assert_eq!(r[0].field.as_deref(), Some("ship_to.line2"));
}

// ---- freight forwarders ----

#[test]
fn forwarder_names_and_markers() {
    let with = |company: Option<&str>, line2: Option<&str>| {
        let mut a = addr("1000 E William St", "Carson City", Some("NV"), "89701", "US");
        a.company = company.map(Into::into);
        a.line2 = line2.map(Into::into);
        detect_forwarder(&a, &[])
    };
    for name in [
        "Shipito",
        "MyUS.com",
        "Stackry",
        "Planet Express",
        "Borderlinx",
        "Ship2Me",
        "Acme Forwarder",
        "Viabox",
    ] {
        let m = with(Some(name), None).unwrap_or_else(|| panic!("{name}"));
        assert_eq!(m.confidence, 0.9, "{name}");
    }
    assert_eq!(with(Some("Shipito"), Some("Suite #SH12345")).unwrap().confidence, 0.95);
    assert_eq!(with(None, Some("c/o Borderlinx")).unwrap().confidence, 0.95);
    assert_eq!(with(None, Some("c/o Lee Wong, Suite #QX48213")).unwrap().confidence, 0.5);
    for name in [
        "Planet Fitness",
        "Express Lane Deli",
        "Forward Motion Physio",
        "Shipley Do-Nuts",
        "Mayus Bakery",
    ] {
        assert_eq!(with(Some(name), None), None, "{name}");
    }
    assert_eq!(with(None, Some("c/o Grandma Rose")), None);
    assert_eq!(with(None, Some("Suite 1200")), None);
    assert_eq!(with(None, Some("Suite #12345")), None, "an id without c/o is no signal");
}

#[test]
fn the_callers_forwarder_list() {
    let a = addr("15600 NE Airport Way", "Portland", Some("OR"), "97230", "US");
    let listed = |line1: Option<&str>, country: Option<&str>| KnownForwarder {
        name: Some("PDX reshipper".into()),
        country: country.map(Into::into),
        postal_code: "97230".into(),
        line1: line1.map(Into::into),
    };
    let m = detect_forwarder(&a, &[listed(Some("15600 NE Airport Way"), Some("US"))]).unwrap();
    assert_eq!(m.confidence, 1.0);
    assert!(m.evidence.contains("PDX reshipper"), "{}", m.evidence);
    assert_eq!(detect_forwarder(&a, &[listed(None, Some("us"))]).unwrap().confidence, 0.8);
    assert_eq!(detect_forwarder(&a, &[listed(Some("16000 NE Halsey St"), None)]), None);
    assert_eq!(detect_forwarder(&a, &[listed(None, Some("CA"))]), None);
}

// ---- triage ----

fn ctx() -> TriageContext {
    serde_json::from_value(json!({
        "home_country": "US",
        "items": {"TEE-M": {}, "FUEL-230": {"hazmat": true}, "CANDLE": {"gift_wrap": false}},
        "atp": {"TEE-M": 10, "FUEL-230": 5, "CANDLE": 3},
        "high_value_threshold": {"amount": "500.00", "currency": "USD"},
        "carrier": {"name": "UPS Ground", "po_boxes": false}
    }))
    .unwrap()
}

fn order(v: Value) -> OrderData {
    let mut base = json!({
        "order_id": "T-1",
        "ship_to": {"line1": "350 Fifth Avenue", "city": "New York", "region": "NY", "postal_code": "10118", "country": "US"},
        "lines": [{"sku": "TEE-M", "quantity": 1, "unit_price": {"amount": "25.00", "currency": "USD"}}],
        "payment_state": "paid"
    });
    for (k, val) in v.as_object().unwrap() {
        base[k] = val.clone();
    }
    serde_json::from_value(base).unwrap()
}

fn explained(t: &Triage) -> String {
    let mut out = format!("{:?} (confidence {})\n", t.class, t.confidence);
    for f in &t.explanation {
        out.push_str(&format!("{:.3} {}\n", f.weight, f.description));
    }
    out
}

#[test]
fn a_standard_order_explains_the_checks_it_passed() {
    let t = triage(&order(json!({})), &ctx());
    assert_eq!((t.class, t.confidence), (Class::Standard, 1.0));
    assert!(t.reasons.is_empty() && t.suggested_ship_to.is_none());
    insta::assert_snapshot!(explained(&t), @r"
    Standard (confidence 1)
    0.143 The ship-to address (10118, US) is complete and valid.
    0.143 Ships domestically within US.
    0.143 SKU `TEE-M` is known.
    0.143 Every known SKU has enough stock across the network.
    0.143 Payment is captured.
    0.143 Fraud risk is not assessed yet.
    0.143 Order value 25.00 USD is below the high-value threshold of 500.00 USD.
    ");
}

#[test]
fn an_exception_explains_what_blocks_it_first() {
    let o = order(json!({
        "ship_to": {"line1": "PO Box 1234", "city": "Springfield", "region": "IL", "postal_code": "62701", "country": "US"},
        "lines": [{"sku": "TEE-M", "quantity": 1}, {"sku": "NOPE-1", "quantity": 2}],
        "payment_state": "pending",
        "gift_message": "Happy birthday, Sam!"
    }));
    let t = triage(&o, &ctx());
    assert_eq!(t.class, Class::Exception);
    assert_eq!(t.confidence, 1.0, "the unknown SKU and the pending payment are certain");
    assert_eq!(t.order_flags(), [OrderFlag::GiftWrap, OrderFlag::Exception]);
    insta::assert_snapshot!(explained(&t), @r"
    Exception (confidence 1)
    0.299 SKU `NOPE-1` (line 2) is not known: no source has reported it.
    0.299 Payment is pending: nothing is authorised yet, so the order is on payment hold.
    0.284 Line 1 `PO Box 1234` is a PO box, and UPS Ground does not deliver to PO boxes.
    0.119 Gift message to print: “Happy birthday, Sam!”.
    0.000 Ships domestically within US.
    0.000 Every known SKU has enough stock across the network.
    0.000 Fraud risk is not assessed yet.
    ");
}

#[test]
fn a_flagged_international_order_names_every_handling_need() {
    let o = order(json!({
        "ship_to": {"name": "Jean Martin", "line1": "55 Rue du Faubourg Saint-Honoré", "city": "Paris", "postal_code": "75008", "country": "FR"},
        "lines": [{"sku": "FUEL-230", "quantity": 2, "unit_price": {"amount": "300.00", "currency": "USD"}}],
        "flags": ["gift_wrap"],
        "po_number": "PO-7781"
    }));
    let t = triage(&o, &ctx());
    assert_eq!(t.class, Class::Flagged);
    assert_eq!(
        t.order_flags(),
        [
            OrderFlag::GiftWrap,
            OrderFlag::Hazmat,
            OrderFlag::International,
            OrderFlag::HighValue,
            OrderFlag::B2b
        ]
    );
    insta::assert_snapshot!(explained(&t), @r"
    Flagged (confidence 1)
    0.167 Ships to FR from home country US: an international shipment.
    0.167 Needs a customs declaration: FR is in the EU customs union, outside the US customs territory.
    0.167 SKU `FUEL-230` is hazardous material: it needs a hazmat-capable node and ground service.
    0.167 Gift wrap requested: pack at a node with gift wrapping.
    0.167 Order value 600.00 USD is at or above the high-value threshold of 500.00 USD.
    0.167 B2B order: PO number `PO-7781`.
    0.000 The ship-to address (75008, FR) is complete and valid.
    0.000 SKU `FUEL-230` is known.
    0.000 Every known SKU has enough stock across the network.
    0.000 Payment is captured.
    0.000 Fraud risk is not assessed yet.
    ");
}

#[test]
fn heuristic_outcomes_are_less_certain_than_rules() {
    let mut c = ctx();
    c.carrier = None;
    let fwd = order(
        json!({"ship_to": {"line1": "701 N Broad St", "line2": "c/o Lee Wong, Suite #QX48213", "city": "Middletown", "region": "DE", "postal_code": "19709", "country": "US"}}),
    );
    let t = triage(&fwd, &c);
    assert_eq!((t.class, t.confidence), (Class::Flagged, 0.5));
    let bare_box =
        order(json!({"ship_to": {"line1": "Box 1234", "city": "Anchorage", "region": "AK", "postal_code": "99501", "country": "US"}}));
    let t = triage(&bare_box, &ctx());
    assert_eq!((t.class, t.confidence), (Class::Exception, 0.7));
    // One certain flag makes the class certain, whatever heuristics add.
    let both = order(
        json!({"gift_message": "Hi", "ship_to": {"line1": "1 Main St", "city": "Carson City", "region": "NV", "postal_code": "89701", "country": "US", "company": "Shipito"}}),
    );
    assert_eq!(triage(&both, &ctx()).confidence, 1.0);
}

#[test]
fn partial_stock_and_unknown_skus_name_their_lines() {
    let o = order(json!({"lines": [
        {"sku": "TEE-M", "quantity": 6}, {"sku": "CANDLE", "quantity": 1}, {"sku": "TEE-M", "quantity": 6}, {"sku": "GHOST", "quantity": 1}, {"sku": "GHOST", "quantity": 1}
    ]}));
    let t = triage(&o, &ctx());
    assert_eq!(codes(&t.reasons), ["unknown_sku", "partial_stock"], "one reason per SKU");
    assert_eq!(t.reasons[0].field.as_deref(), Some("lines[3].sku"));
    assert_eq!(t.reasons[1].field.as_deref(), Some("lines[0].quantity"));
    assert_eq!(
        t.reasons[1].message,
        "Only 10 of 12 units of SKU `TEE-M` are available across the network."
    );
}

#[test]
fn reason_codes_are_documented_and_round_trip() {
    let docs = include_str!("mod.rs");
    for code in ReasonCode::ALL {
        let row = docs
            .lines()
            .find(|l| l.starts_with(&format!("//! | `{code}` |")))
            .unwrap_or_else(|| panic!("`{code}` is missing from the table in the module docs"));
        assert!(row.split('|').count() >= 4, "{row}");
        assert_eq!(ReasonCode::parse(code.as_str()), Some(code));
        assert_eq!(serde_json::to_value(code).unwrap(), json!(code.as_str()));
    }
    let rows = docs.lines().filter(|l| l.starts_with("//! | `")).count();
    assert_eq!(rows, ReasonCode::ALL.len(), "one row per code");
}

#[test]
fn the_context_round_trips_and_rejects_bad_countries() {
    let c = ctx();
    let back: TriageContext = serde_json::from_value(serde_json::to_value(&c).unwrap()).unwrap();
    assert_eq!(back, c);
    let err = serde_json::from_value::<TriageContext>(json!({"home_country": "Atlantis"})).unwrap_err();
    assert!(err.to_string().contains("ISO 3166-1 alpha-2"), "{err}");
    assert_eq!(CountryCode::parse("usa").unwrap().as_str(), "US");
    assert_eq!(CountryCode::parse("").unwrap_err().code, "invalid_country");
    let t = triage(&order(json!({})), &c);
    let v = serde_json::to_value(&t).unwrap();
    assert_eq!(v["class"], "standard");
}

// ---- invariants ----

fn any_text() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        any::<String>().prop_map(Some),
        "[ A-Za-z0-9.,#/-]{0,30}".prop_map(Some),
        prop::sample::select(vec![
            "PO Box 12",
            "k1a0b1",
            "２Ａ００４",
            "〒１５０",
            "BFPO",
            " usa ",
            "Box",
            "Ｐ.Ｏ. Ｂｏｘ"
        ])
        .prop_map(|s| Some(s.to_string())),
    ]
}

fn any_country() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        any_text(),
        prop::sample::select(vec![
            "US", "CA", "GB", "DE", "FR", "AU", "NL", "BR", "JP", "MC", "IE", "us", "Canada", "UK"
        ])
        .prop_map(|s| Some(s.to_string())),
    ]
}

fn any_address() -> impl Strategy<Value = Address> {
    (
        any_text(),
        any_text(),
        any_text(),
        any_text(),
        any_text(),
        any_text(),
        any_text(),
        any_country(),
    )
        .prop_map(|(name, company, line1, line2, city, region, postal_code, country)| Address {
            name,
            company,
            line1,
            line2,
            city,
            region,
            postal_code,
            country,
            ..Address::default()
        })
}

proptest! {
    #[test]
    fn normalisation_is_idempotent(a in any_address()) {
        let once = normalise(&a);
        prop_assert_eq!(normalise(&once), once.clone());
        // And a normalised address needs no further normalising.
        let report = check(&once, "ship_to", None, &[]);
        prop_assert!(report.changes.is_empty(), "{:?}", report.changes);
    }

    #[test]
    fn triage_never_panics_and_the_class_is_the_worst_severity(a in any_address(), gift in any_text(), po in any_text()) {
        let mut o = order(json!({}));
        o.ship_to = a;
        o.gift_message = gift;
        o.po_number = po;
        let t = triage(&o, &ctx());
        let worst = t.reasons.iter().map(|r| r.severity.class()).max().unwrap_or(Class::Standard);
        prop_assert_eq!(t.class, worst);
        prop_assert!((0.0..=1.0).contains(&t.confidence));
        prop_assert!(t.reasons.iter().all(|r| (0.0..=1.0).contains(&r.confidence) && !r.message.is_empty()));
        let sum: f64 = t.explanation.iter().map(|f| f.weight).sum();
        prop_assert!((sum - 1.0).abs() < 0.01, "weights sum to {}", sum);
    }

    #[test]
    fn postal_checks_never_panic_and_canonical_codes_stay_valid(country in any_country(), raw in any::<String>()) {
        let country = country.unwrap_or_default();
        if let Ok(canonical) = validate_postal_code(&country, &raw) {
            prop_assert_eq!(validate_postal_code(&country, &canonical), Ok(canonical.clone()));
        }
    }

    #[test]
    fn detectors_never_panic(a in any_address()) {
        let _ = detect_po_box(&a);
        let _ = detect_forwarder(&a, &[KnownForwarder { name: None, country: None, postal_code: "X".into(), line1: Some("1".into()) }]);
    }
}
