//! `daakhla export` and `daakhla digest` as a coordinator runs them, on a real store file.

mod support;
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
    let kinds: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap())
        .collect();
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
