//! `daakhla export` and `daakhla digest` as a coordinator runs them, on a real store file.

mod support;
use daakhla_testkit::json::texts;
use support::Workspace;

fn demo() -> Workspace {
    let ws = Workspace::empty();
    ws.ok(&["init", "--demo", "--households", "30"]);
    ws
}

fn first_uc(ws: &Workspace) -> String {
    let list = ws.ok(&["--json", "list", "households"]).json();
    let village = list[0]["village_code"].as_str().unwrap();
    village.rsplit_once("-V").unwrap().0.to_string()
}

#[test]
fn every_kind_is_exported_with_urdu_labels_and_one_union_council_alone() {
    let ws = demo();
    let uc = first_uc(&ws);
    let folder = ws.dir.path().join("exports");
    let all = ws
        .ok(&[
            "--json",
            "--lang",
            "ur",
            "export",
            "all",
            "--format",
            "csv",
            "--out",
            folder.to_str().unwrap(),
        ])
        .json();
    let kinds = texts(&all, "/kind");
    assert_eq!(
        kinds,
        ["households", "children", "follow-ups", "schools", "needs"]
    );
    let households = std::fs::read_to_string(folder.join("households.csv")).unwrap();
    assert!(
        households.starts_with("\u{feff}آئی ڈی,ضلع,"),
        "a BOM, then Urdu headers"
    );
    assert_eq!(households.lines().count(), 31, "a header and 30 households");
    assert!(
        households.contains("(نمونہ)"),
        "demo places by their Urdu names"
    );

    let one = ws.dir.path().join("children.xlsx");
    let run = ws
        .ok(&[
            "--json",
            "export",
            "children",
            "--format",
            "xlsx",
            "--uc",
            &uc,
            "--out",
            one.to_str().unwrap(),
        ])
        .json();
    let rows = run[0]["rows"].as_u64().unwrap();
    let everywhere = std::fs::read_to_string(folder.join("children.csv"))
        .unwrap()
        .lines()
        .count() as u64
        - 1;
    assert!(
        rows > 0 && rows < everywhere,
        "{rows} of {everywhere} children are in {uc}"
    );
    let bytes = std::fs::read(&one).unwrap();
    assert_eq!(&bytes[..4], b"PK\x03\x04", "a zip");

    let map = ws.dir.path().join("schools.geojson");
    ws.ok(&[
        "export",
        "schools",
        "--format",
        "geojson",
        "--out",
        map.to_str().unwrap(),
    ]);
    let geo: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(map).unwrap()).unwrap();
    let point = &geo["features"][0]["geometry"];
    assert_eq!(point["type"], "Point");
    let lon = point["coordinates"][0].as_f64().unwrap();
    assert!((60.0..78.0).contains(&lon), "longitude first: {point}");
}

#[test]
fn a_bad_export_request_says_why_and_writes_nothing() {
    let ws = demo();
    let out = ws.dir.path().join("x.csv");
    let unknown = ws.run(&[
        "export",
        "children",
        "--uc",
        "UC-NOWHERE",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(unknown.code, 4, "{}", unknown.stderr);
    assert!(
        unknown
            .stderr
            .contains("no union council with code UC-NOWHERE")
    );
    let urdu = ws.run(&[
        "--lang",
        "ur",
        "export",
        "needs",
        "--format",
        "geojson",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(urdu.code, 3);
    assert!(
        urdu.stderr
            .contains("GeoJSON صرف گھرانوں اور اسکولوں کے لیے ہے"),
        "{}",
        urdu.stderr
    );
    assert!(!out.exists());
    let format = ws.run(&[
        "export",
        "children",
        "--format",
        "pdf",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(format.code, 2, "clap names the formats: {}", format.stderr);
    assert!(format.stderr.contains("xlsx"));
}

#[test]
fn the_digest_prints_one_sms_in_english_and_counts_urdu_parts() {
    let ws = demo();
    let uc = first_uc(&ws);
    let english = ws.ok(&["--json", "digest", "--uc", &uc]).json();
    assert_eq!(english["sms"]["encoding"], "gsm7");
    assert_eq!(english["sms"]["parts"], 1);
    let text = english["text"].as_str().unwrap();
    assert!(
        text.contains("OSC found girls") && text.contains("open school needs"),
        "{text}"
    );
    let urdu = ws.ok(&["--lang", "ur", "digest", "--uc", &uc]).stdout;
    assert!(urdu.contains("اسکول سے باہر بچے ملے"), "{urdu}");
    assert!(urdu.contains("UCS-2"), "{urdu}");
    let missing = ws.run(&["digest", "--uc", "UC-NOWHERE"]);
    assert_eq!(missing.code, 4);
}

/// A survey whose names and landmark are typed as spreadsheet formulas.
const ATTACK: &str = r#"{
  "household": {
    "uc_code": "UC-T1", "village_code": "V-1", "household_number": "9",
    "landmark": "-2+3", "consent": true,
    "respondent_name": "Shazia Bibi", "respondent_relation": "mother",
    "head_name": "+1+1", "head_sex": "man", "members": 5,
    "surveyed_by": "Ayesha (CRP)", "surveyed_on": "2026-11-02"
  },
  "children": [
    {"name": "=HYPERLINK(\"http://evil.example\",\"x\")", "sex": "girl", "age_years": 9,
     "relation_to_head": "child", "schooling": {"status": "never_enrolled"},
     "reasons_out_of_school": ["cost"]},
    {"name": "@SUM(1)", "sex": "boy", "age_years": 11, "relation_to_head": "child",
     "schooling": {"status": "never_enrolled"}, "reasons_out_of_school": ["child_works"]}
  ]
}"#;

const TYPED: [&str; 4] = [
    "=HYPERLINK(\"http://evil.example\",\"x\")",
    "@SUM(1)",
    "+1+1",
    "-2+3",
];

/// The cells of a CSV file (RFC 4180: quoted fields may hold commas, quotes and line ends).
fn csv_cells(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (mut rows, mut row, mut cell) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

/// No cell of `csv` would start a formula, and what was typed is still there whole.
fn assert_formula_safe(what: &str, csv: &str, typed: &[&str]) {
    let cells = csv_cells(csv);
    assert!(cells.len() > 1, "{what}: no rows in {csv}");
    for cell in cells.iter().flatten() {
        let first = cell.trim_start_matches(' ').chars().next();
        assert!(
            !matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')),
            "{what}: the cell {cell:?} would be read as a formula"
        );
    }
    for text in typed {
        let guarded = format!("'{text}");
        assert!(
            cells.iter().flatten().any(|c| *c == guarded),
            "{what}: {text:?} is not there in full as text: {csv}"
        );
    }
}

#[test]
fn names_typed_as_formulas_stay_text_in_every_csv() {
    let ws = Workspace::with_test_geography();
    let saved = ws.run_with_stdin(&["household", "add"], ATTACK);
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    let children = &TYPED[..2];
    let household = &TYPED[2..];

    for values in ["codes", "en", "ur"] {
        let csv = ws
            .ok(&["export", "csv", "--kind", "children", "--values", values])
            .stdout;
        assert_formula_safe(&format!("export csv children {values}"), &csv, children);
        let csv = ws
            .ok(&["export", "csv", "--kind", "households", "--values", values])
            .stdout;
        assert_formula_safe(&format!("export csv households {values}"), &csv, household);
    }

    let one = ws.dir.path().join("children.csv");
    ws.ok(&[
        "export",
        "children",
        "--format",
        "csv",
        "--out",
        one.to_str().unwrap(),
    ]);
    let csv = std::fs::read_to_string(&one).unwrap();
    assert_formula_safe("export children --format csv", &csv, children);

    let folder = ws.dir.path().join("all");
    for lang in ["en", "ur"] {
        ws.ok(&[
            "--lang",
            lang,
            "export",
            "all",
            "--format",
            "csv",
            "--out",
            folder.to_str().unwrap(),
        ]);
        for (file, typed) in [("children.csv", children), ("households.csv", household)] {
            let csv = std::fs::read_to_string(folder.join(file)).unwrap();
            assert_formula_safe(&format!("export all {lang} {file}"), &csv, typed);
        }
    }
}
