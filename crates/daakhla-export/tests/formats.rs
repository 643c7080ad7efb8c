//! Every kind exported in every format, read back by real readers: the CSV as text, the XLSX
//! by Python (openpyxl when installed, else its zip and XML parsers), the GeoJSON as JSON.

use chrono::NaiveDate;
use daakhla_domain::child::Child;
use daakhla_domain::codes::{NeedCategory, SchoolGender, SchoolLevel, Severity};
use daakhla_domain::followup::{FollowUp, Outcome};
use daakhla_domain::geography::Level;
use daakhla_domain::geography::PlaceTree;
use daakhla_domain::household::{GpsFix, Household};
use daakhla_domain::lang::Bilingual;
use daakhla_domain::record::StoredRecord;
use daakhla_domain::school::{InfrastructureNeed, School};
use daakhla_domain::{Lang, RecordKind};
use daakhla_export::{ExportError, ExportKind, ExportRequest, Format, export};
use serde_json::{Value, json};
use std::process::Command;

fn places() -> PlaceTree {
    let mut p = PlaceTree::new();
    let name = |en: &str, ur: &str| Bilingual {
        en: en.into(),
        ur: ur.into(),
    };
    p.add("SD-THT", Level::District, None, name("Thatta", "ٹھٹہ"));
    p.add(
        "T-1",
        Level::Tehsil,
        Some("SD-THT"),
        name("Mirpur Sakro", "میرپور ساکرو"),
    );
    p.add(
        "UC-1",
        Level::UnionCouncil,
        Some("T-1"),
        name("Gharo", "گھارو"),
    );
    p.add(
        "V-1",
        Level::Village,
        Some("UC-1"),
        name("Goth Ali", "گوٹھ علی"),
    );
    p
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn household(number: &str, gps: bool) -> Household {
    Household {
        id: Default::default(),
        uc_code: "UC-1".into(),
        village_code: "V-1".into(),
        household_number: number.into(),
        landmark: Some("Near the well, \"big\" tree".into()),
        consent: true,
        gps: gps.then_some(GpsFix {
            latitude: 24.74,
            longitude: 67.61,
            accuracy_m: Some(8.0),
        }),
        respondent_name: None,
        respondent_relation: None,
        respondent_phone: None,
        head_name: Some("=محمد اسلم".into()),
        head_sex: None,
        mother_schooling: None,
        father_schooling: None,
        house_type: None,
        members: Some(7),
        surveyed_by: "Ayesha".into(),
        surveyed_on: day(2),
        deleted: false,
        merged_into: None,
    }
}

fn stored(kind: RecordKind, body: Value, parent: Option<Value>) -> StoredRecord {
    StoredRecord {
        kind,
        body,
        uc_code: "UC-1".into(),
        parent,
        stage: None,
        enrolled_on: None,
    }
}

fn records(kind: ExportKind) -> Vec<StoredRecord> {
    let with_gps = household("17", true);
    let without = household("18", false);
    let child: Child = serde_json::from_value(json!({
        "household_id": with_gps.id, "name": "ثنا", "sex": "girl", "age_years": 9,
        "schooling": {"status": "never_enrolled"}, "reasons_out_of_school": ["cost", "household_chores"]
    }))
    .unwrap();
    let school = School {
        id: Default::default(),
        emis_code: Some("408010203".into()),
        name: "GGPS Goth Ali".into(),
        level: SchoolLevel::Primary,
        gender: SchoolGender::Girls,
        functional: true,
        closed_reason: None,
        uc_code: "UC-1".into(),
        village_code: Some("V-1".into()),
        gps: Some(GpsFix {
            latitude: 24.75,
            longitude: 67.6,
            accuracy_m: None,
        }),
        teachers: Some(2),
        classrooms: Some(3),
        enrolment: Some(140),
        facilities: Default::default(),
    };
    let to = |v: &dyn erased::Ser| v.value();
    match kind {
        ExportKind::Households => vec![
            stored(RecordKind::Household, to(&with_gps), None),
            stored(RecordKind::Household, to(&without), None),
        ],
        ExportKind::Children => {
            let mut r = stored(RecordKind::Child, to(&child), Some(to(&with_gps)));
            r.stage = Some("following_up".into());
            vec![r]
        }
        ExportKind::FollowUps => {
            let f = FollowUp {
                id: Default::default(),
                child_id: child.id,
                visited_on: day(10),
                visited_by: "Ayesha".into(),
                outcome: Outcome::AdmissionPending {
                    why: "B-form, line\nbreak".into(),
                },
                notes: None,
                deleted: false,
            };
            vec![stored(RecordKind::FollowUp, to(&f), Some(to(&child)))]
        }
        ExportKind::Schools => vec![stored(RecordKind::School, to(&school), None)],
        ExportKind::Needs => {
            let n = InfrastructureNeed {
                id: Default::default(),
                school_id: school.id,
                category: NeedCategory::BoundaryWall,
                severity: Severity::High,
                description: None,
                photo: None,
                identified_on: day(3),
                reported_by: "Ayesha".into(),
                raised_on: Some(day(4)),
                raised_with: None,
                promised_on: None,
                resolved_on: None,
            };
            vec![stored(RecordKind::Need, to(&n), Some(to(&school)))]
        }
    }
}

mod erased {
    pub trait Ser {
        fn value(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn value(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap()
        }
    }
}

fn run(kind: ExportKind, format: Format, lang: Lang) -> Vec<u8> {
    let request = ExportRequest {
        kind,
        format,
        lang,
        uc: Some("UC-1".into()),
    };
    let (bytes, exported) = export(request, &places(), records(kind), Vec::new()).unwrap();
    assert!(exported.rows >= 1);
    bytes
}

#[test]
fn csv_starts_with_a_byte_order_mark_and_keeps_urdu_quotes_and_formulas_safe() {
    let bytes = run(ExportKind::Households, Format::Csv, Lang::Ur);
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert!(
        lines[0].starts_with("آئی ڈی,ضلع,یونین کونسل کوڈ,یونین کونسل,"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains(",ٹھٹہ,UC-1,گھارو,V-1,گوٹھ علی,17,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("\"Near the well, \"\"big\"\" tree\""));
    assert!(
        lines[1].contains(",ہاں,24.74,67.61,"),
        "yes in Urdu, the fix as numbers"
    );
    assert!(
        lines[1].contains("\"'=محمد اسلم\""),
        "a formula-like name stays text"
    );
    assert_eq!(lines.len(), 4, "header, two rows, and the last line end");

    let children = run(ExportKind::Children, Format::Csv, Lang::En);
    let text = String::from_utf8(children[3..].to_vec()).unwrap();
    assert!(text.contains(",ثنا,Girl,9,"), "{text}");
    assert!(text.contains("Never enrolled"));
    assert!(text.contains("Cost / poverty; Household chores"));
    assert!(text.contains("Out of school, being followed up"));

    let follow_ups = String::from_utf8(run(ExportKind::FollowUps, Format::Csv, Lang::En)).unwrap();
    assert!(follow_ups.contains("\"B-form, line\nbreak\""));
    assert!(follow_ups.contains(",ثنا,UC-1,Gharo,2026-11-10,Ayesha,Admission pending,"));
}

#[test]
fn geojson_has_points_for_records_with_a_fix_only() {
    let bytes = run(ExportKind::Households, Format::GeoJson, Lang::Ur);
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(doc["type"], "FeatureCollection");
    let features = doc["features"].as_array().unwrap();
    assert_eq!(features.len(), 1, "the household without a fix is left out");
    assert_eq!(
        features[0]["geometry"]["coordinates"],
        json!([67.61, 24.74])
    );
    assert_eq!(features[0]["properties"]["village"], "گوٹھ علی");
    assert_eq!(features[0]["properties"]["members"], 7.0);

    let schools: Value =
        serde_json::from_slice(&run(ExportKind::Schools, Format::GeoJson, Lang::En)).unwrap();
    assert_eq!(schools["features"][0]["properties"]["gender"], "Girls");
}

#[test]
fn bad_requests_are_refused_with_their_reason() {
    assert!(
        matches!(ExportKind::parse("pupils"), Err(ExportError::UnknownKind(k)) if k == "pupils")
    );
    assert!(matches!(
        Format::parse("pdf"),
        Err(ExportError::UnknownFormat(_))
    ));
    assert!(matches!(
        daakhla_export::parse_lang("fr"),
        Err(ExportError::UnknownLang(_))
    ));
    let request = |kind, format, uc: &str| ExportRequest {
        kind,
        format,
        lang: Lang::En,
        uc: Some(uc.into()),
    };
    let err = export(
        request(ExportKind::Children, Format::GeoJson, "UC-1"),
        &places(),
        [],
        Vec::new(),
    )
    .unwrap_err();
    assert!(matches!(err, ExportError::NotOnAMap(ExportKind::Children)));
    assert!(err.message(Lang::Ur).contains("GeoJSON"));
    let err = export(
        request(ExportKind::Children, Format::Csv, "V-1"),
        &places(),
        [],
        Vec::new(),
    )
    .unwrap_err();
    assert!(
        matches!(err, ExportError::UnknownPlace(code) if code == "V-1"),
        "a village is no UC"
    );
    let wrong = records(ExportKind::Schools);
    let err = export(
        request(ExportKind::Needs, Format::Csv, "UC-1"),
        &places(),
        wrong,
        Vec::new(),
    )
    .unwrap_err();
    assert!(matches!(err, ExportError::WrongKind { .. }), "{err}");
}

/// Reads the workbook with Python: every zip entry's CRC checked, every part parsed as XML,
/// and the sheet's cells printed as JSON rows (openpyxl, when installed, reads them instead).
const READ_XLSX: &str = r#"
import json, os, sys, zipfile, xml.etree.ElementTree as ET
path = sys.argv[1]
z = zipfile.ZipFile(path)
assert z.testzip() is None, "a CRC is wrong"
for name in z.namelist():
    ET.fromstring(z.read(name))
try:
    if os.environ.get("XLSX_READER") == "xml":
        raise ImportError("the plain XML reader was asked for")
    import openpyxl
    sheet = openpyxl.load_workbook(path).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    reader = "openpyxl"
    title = sheet.title
except ImportError:
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.iterfind(".//m:row", ns):
        cells = []
        for c in row.iterfind("m:c", ns):
            letters = "".join(ch for ch in c.get("r") if ch.isalpha())
            column = 0
            for ch in letters:
                column = column * 26 + ord(ch) - ord("A") + 1
            cells.extend([None] * (column - 1 - len(cells)))
            t = c.find("m:is/m:t", ns)
            v = c.find("m:v", ns)
            cells.append(t.text if t is not None else float(v.text))
        rows.append(cells)
    reader = "xml"
    title = ET.fromstring(z.read("xl/workbook.xml")).find(".//m:sheet", ns).get("name")
print(json.dumps({"reader": reader, "title": title, "rows": rows}, ensure_ascii=False))
"#;

fn read_xlsx(bytes: &[u8]) -> Value {
    read_xlsx_with(bytes, "any")
}

/// `reader` "xml" skips openpyxl even when it is installed.
fn read_xlsx_with(bytes: &[u8], reader: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.xlsx");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("python3")
        .args(["-c", READ_XLSX])
        .env("XLSX_READER", reader)
        .arg(&path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "python could not read the workbook: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn xlsx_opens_in_a_real_reader_with_urdu_headers_labels_and_numbers() {
    let households = run(ExportKind::Households, Format::Xlsx, Lang::Ur);
    for read in [read_xlsx(&households), read_xlsx_with(&households, "xml")] {
        eprintln!("read by {}", read["reader"]);
        households_read_back(&read);
    }
    for kind in ExportKind::ALL {
        for lang in Lang::ALL {
            let read = read_xlsx(&run(kind, Format::Xlsx, lang));
            let rows = read["rows"].as_array().unwrap();
            assert!(rows.len() >= 2, "{kind:?} {lang:?}");
        }
    }
    let needs = read_xlsx(&run(ExportKind::Needs, Format::Xlsx, Lang::En));
    let row = needs["rows"][1].as_array().unwrap().clone();
    assert!(row.contains(&json!("GGPS Goth Ali")));
    assert!(row.contains(&json!("Raised with an official")));
}

fn households_read_back(read: &Value) {
    assert_eq!(read["title"], "گھرانے");
    let rows = read["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0][0], "آئی ڈی");
    assert_eq!(rows[0][3], "یونین کونسل");
    assert_eq!(rows[1][1], "ٹھٹہ");
    assert_eq!(rows[1][5], "گوٹھ علی");
    assert_eq!(rows[1][8], "ہاں");
    assert_eq!(rows[1][9].as_f64(), Some(24.74));
    assert_eq!(
        rows[1][14], "=محمد اسلم",
        "text cells are never formulas in XLSX"
    );
}

#[test]
fn a_large_export_streams_and_stays_a_valid_workbook() {
    let one = records(ExportKind::Households).remove(0);
    let many = std::iter::repeat_n(one, 20_000);
    let request = ExportRequest {
        kind: ExportKind::Households,
        format: Format::Xlsx,
        lang: Lang::En,
        uc: None,
    };
    let (bytes, exported) = export(request, &places(), many, Vec::new()).unwrap();
    assert_eq!(exported.rows, 20_000);
    let read = read_xlsx(&bytes);
    assert_eq!(read["rows"].as_array().unwrap().len(), 20_001);
}
