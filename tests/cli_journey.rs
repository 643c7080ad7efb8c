//! A coordinator's day from the command line: add a household with three children (two out
//! of school), find the two on the follow-up list, enrol one, and read the UC report with
//! girls and boys apart.

mod support;

use daakhla_testkit::json::texts;
use serde_json::{Value, json};
use support::Workspace;

const HOUSEHOLD: &str = r#"{
  "household": {
    "uc_code": "UC-T1", "village_code": "V-1", "household_number": "17",
    "landmark": "Near the green mosque", "consent": true,
    "respondent_name": "Shazia Bibi", "respondent_relation": "mother", "respondent_phone": "03001234567",
    "head_name": "Muhammad Aslam", "head_sex": "man", "mother_schooling": "none", "father_schooling": "primary",
    "house_type": "katcha", "members": 7, "surveyed_by": "Ayesha (CRP)", "surveyed_on": "2026-11-02"
  },
  "children": [
    {"name": "Sana", "sex": "girl", "age_years": 9, "relation_to_head": "child",
     "schooling": {"status": "never_enrolled"}, "reasons_out_of_school": ["cost", "household_chores"]},
    {"name": "Bilal", "sex": "boy", "date_of_birth": "2013-03-15", "relation_to_head": "child",
     "schooling": {"status": "dropped_out", "last_class_passed": 3, "year_left": 2024},
     "reasons_out_of_school": ["child_works"]},
    {"name": "Hina", "sex": "girl", "age_years": 7, "relation_to_head": "child",
     "schooling": {"status": "enrolled", "school": {"name": "GGPS Goth Ali"}, "class": 2}}
  ]
}"#;

fn child_id(saved: &Value, name: &str) -> String {
    saved["saved"][0]["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{name} not saved: {saved}"))["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The names on the union council's follow-up list, in its order.
fn osc_names(ws: &Workspace) -> Vec<String> {
    let due = ws.ok(&["--json", "list", "osc", "--uc", "UC-T1"]).json();
    due.as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_household_is_surveyed_followed_up_and_reported() {
    let ws = Workspace::with_test_geography();

    let saved = ws.run_with_stdin(&["--json", "household", "add"], HOUSEHOLD);
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    let saved = saved.json();
    assert_eq!(saved["households"], 1);
    assert_eq!(saved["children"], 3);
    assert_eq!(saved["out_of_school"], 2);

    let names = osc_names(&ws);
    assert_eq!(names, ["Sana", "Bilal"]);

    let sana = child_id(&saved, "Sana");
    let follow_up = format!(
        r#"{{"child_id": "{sana}", "visited_on": "2026-11-10", "visited_by": "Ayesha (CRP)",
            "outcome": {{"kind": "enrolled", "school": {{"name": "GGPS Goth Ali"}}, "class": 1, "admitted_on": "2026-11-09"}}}}"#
    );
    let file = ws.file("follow-up.json", &follow_up);
    ws.ok(&["followup", "add", file.to_str().unwrap()]);

    let names = osc_names(&ws);
    assert_eq!(
        names,
        ["Bilal"],
        "an enrolled child leaves the follow-up list"
    );

    let story = ws.ok(&["--json", "child", "show", &sana]).json();
    assert_eq!(story["lifecycle"]["stage"], "enrolled");
    assert_eq!(story["follow_ups"].as_array().unwrap().len(), 1);
    assert_eq!(story["lifecycle"]["retention"][0]["due_on"], "2026-12-09");

    let report = ws.ok(&["--json", "report", "UC-T1"]).json();
    assert_eq!(report["households"], 1);
    assert_eq!(
        report["children"],
        serde_json::json!({"girls": 2, "boys": 1, "transgender": 0})
    );
    assert_eq!(
        report["out_of_school"],
        serde_json::json!({"girls": 1, "boys": 1, "transgender": 0})
    );
    assert_eq!(
        report["enrolled"],
        serde_json::json!({"girls": 1, "boys": 0, "transgender": 0})
    );
    assert_eq!(
        report["still_to_follow_up"],
        serde_json::json!({"girls": 0, "boys": 1, "transgender": 0})
    );
    let reasons = texts(&report["reasons"], "/reason/code");
    assert_eq!(
        reasons,
        ["cost", "child_works", "household_chores"],
        "one child each: in the order of the list"
    );

    let human = ws.ok(&["report", "UC-T1"]).stdout;
    assert!(human.contains("Girls") && human.contains("Boys"), "{human}");
    assert!(
        human.contains("50%"),
        "one of two out-of-school children enrolled: {human}"
    );
    let urdu = ws.ok(&["--lang", "ur", "report", "UC-T1"]).stdout;
    assert!(
        urdu.contains("لڑکیاں") && urdu.contains("آزمائشی یونین کونسل"),
        "{urdu}"
    );
}

#[test]
fn households_are_listed_searched_edited_and_exported() {
    let ws = Workspace::with_test_geography();
    let saved = ws
        .run_with_stdin(&["--json", "household", "add", "-"], HOUSEHOLD)
        .json();
    let household_id = saved["saved"][0]["id"].as_str().unwrap().to_string();

    let list = ws
        .ok(&["--json", "list", "households", "--village", "V-1"])
        .json();
    assert_eq!(list[0]["household_number"], "17");
    assert_eq!(list[0]["children"], 3);
    assert_eq!(list[0]["to_follow_up"], 2);
    let empty = ws.ok(&["list", "households", "--village", "V-2"]).stdout;
    assert!(empty.contains("No households"), "{empty}");

    for text in ["17", "aslam", "Bilal"] {
        let hits = ws.ok(&["--json", "list", "search", text]).json();
        assert_eq!(hits.as_array().unwrap().len(), 1, "search {text}: {hits}");
        assert_eq!(hits[0]["household_id"], household_id.as_str());
    }

    let edit = format!(
        r#"{{"household": {{"id": "{household_id}", "head_name": "Muhammad Aslam Khan"}}}}"#
    );
    let edited = ws.run_with_stdin(&["household", "edit"], &edit);
    assert_eq!(edited.code, 0, "{}", edited.stderr);
    let shown = ws
        .ok(&["--json", "household", "show", &household_id])
        .json();
    assert_eq!(shown["household"]["head_name"], "Muhammad Aslam Khan");
    assert_eq!(shown["household"]["landmark"], "Near the green mosque");
    assert_eq!(shown["children"].as_array().unwrap().len(), 3);

    let csv = ws.ok(&["export", "csv", "--kind", "children"]).stdout;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "header and three children: {csv}");
    assert!(lines[0].starts_with("id,household_id,"));
    assert!(
        csv.contains("never_enrolled") && csv.contains("cost; household_chores"),
        "{csv}"
    );
    let urdu_csv = ws
        .ok(&["export", "csv", "--kind", "children", "--values", "ur"])
        .stdout;
    assert!(urdu_csv.contains("لڑکی"), "{urdu_csv}");
    let out = ws.dir.path().join("households.csv");
    ws.ok(&[
        "export",
        "csv",
        "--kind",
        "households",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read_to_string(out).unwrap().lines().count(), 2);
}

#[test]
fn a_demo_store_has_places_households_and_follow_ups() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("demo.sqlite");
    let run = std::process::Command::new(support::daakhla_binary())
        .args([
            "--json",
            "--store",
            store.to_str().unwrap(),
            "init",
            "--demo",
            "--households",
            "120",
        ])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let counts: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(counts["households"], 120);
    assert!(counts["children"].as_u64().unwrap() > 120);
    assert!(counts["follow_ups"].as_u64().unwrap() > 0);
    assert!(counts["places"].as_u64().unwrap() > 18);
}

#[test]
fn duplicate_households_are_merged_and_mistakes_deleted() {
    let ws = Workspace::with_test_geography();
    let first = ws
        .run_with_stdin(&["--json", "household", "add"], HOUSEHOLD)
        .json();
    let again = HOUSEHOLD.replace(
        "\"household_number\": \"17\"",
        "\"household_number\": \"17-A\"",
    );
    let second = ws
        .run_with_stdin(&["--json", "household", "add"], &again)
        .json();
    let (a, b) = (
        first["saved"][0]["id"].as_str().unwrap().to_string(),
        second["saved"][0]["id"].as_str().unwrap().to_string(),
    );
    assert_eq!(
        osc_names(&ws).len(),
        4,
        "the same two children, surveyed twice"
    );

    // Listed as a likely pair, with why, in the user's language.
    let pairs = ws
        .ok(&["--json", "household", "duplicates", "--uc", "UC-T1"])
        .json();
    assert_eq!(pairs.as_array().unwrap().len(), 1, "{pairs:#}");
    let ids = [
        &pairs[0]["first"]["household"]["id"],
        &pairs[0]["second"]["household"]["id"],
    ];
    assert!(ids.contains(&&json!(a)) && ids.contains(&&json!(b)));
    let urdu = ws.ok(&["--lang", "ur", "household", "duplicates"]).stdout;
    assert!(urdu.contains("سربراہ کا نام ملتا جلتا ہے"), "{urdu}");

    let merged = ws.ok(&["--json", "household", "merge", &b, &a]).json();
    assert_eq!(
        merged["children_recorded_twice"].as_array().unwrap().len(),
        3,
        "{merged:#}"
    );
    let list = ws
        .ok(&["--json", "list", "households", "--uc", "UC-T1"])
        .json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(
        list[0]["children"], 3,
        "the merged household's children moved over, each child once"
    );
    assert_eq!(osc_names(&ws).len(), 2);
    assert!(
        ws.ok(&["household", "duplicates"])
            .stdout
            .contains("No likely duplicates")
    );

    let bad = ws.run(&["household", "merge", &a, &b]);
    assert_eq!(bad.code, 3, "{}", bad.stderr);
    assert!(bad.stderr.contains("merged_into"), "{}", bad.stderr);

    ws.ok(&["household", "delete", &a]);
    assert!(
        ws.ok(&["list", "households", "--uc", "UC-T1"])
            .stdout
            .contains("No households")
    );
    assert_eq!(
        ws.ok(&["--json", "report", "UC-T1"]).json()["households"],
        0
    );
}

#[test]
fn a_school_and_its_need_are_recorded_and_the_need_moves_on() {
    let ws = Workspace::with_test_geography();
    let school = r#"{"name": "GGPS Goth Ali", "level": "primary", "gender": "girls", "functional": true,
                     "uc_code": "UC-T1", "village_code": "V-1", "emis_code": "415030123",
                     "facilities": {"boundary_wall": "none", "toilets_usable": 0}}"#;
    let saved = ws
        .run_with_stdin(&["--json", "school", "save"], school)
        .json();
    let school_id = saved["ids"][0].as_str().unwrap().to_string();
    let need = format!(
        r#"{{"school_id": "{school_id}", "category": "boundary_wall", "severity": "high",
             "identified_on": "2026-11-02", "reported_by": "Ayesha (CRP)"}}"#
    );
    let saved = ws.run_with_stdin(&["--json", "need", "save"], &need).json();
    let need_id = saved["ids"][0].as_str().unwrap().to_string();

    // Resolved before it was raised: refused, naming the field, and nothing changes.
    let backwards = format!(
        r#"{{"id": "{need_id}", "school_id": "{school_id}", "category": "boundary_wall", "severity": "high",
             "identified_on": "2026-11-02", "reported_by": "Ayesha (CRP)", "raised_on": "2026-11-10",
             "resolved_on": "2026-11-05"}}"#
    );
    let refused = ws.run_with_stdin(&["need", "save"], &backwards);
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(refused.stderr.contains("resolved_on"), "{}", refused.stderr);

    let resolved = backwards.replace("2026-11-05", "2026-11-20");
    ws.run_with_stdin(&["need", "save"], &resolved);
    let needs = ws.ok(&["--json", "list", "needs", "--uc", "UC-T1"]).json();
    assert_eq!(needs.as_array().unwrap().len(), 1);
    assert_eq!(needs[0]["resolved_on"], "2026-11-20");
    let listed = ws.ok(&["list", "schools", "--uc", "UC-T1"]).stdout;
    assert!(listed.contains("GGPS Goth Ali"), "{listed}");
    let in_urdu = ws.ok(&["--lang", "ur", "list", "needs"]).stdout;
    assert!(in_urdu.contains("چار دیواری"), "{in_urdu}");
}

#[test]
fn the_reference_campaign_loads_and_its_report_gives_its_figures() {
    let ws = Workspace::empty();
    ws.ok(&["init"]);
    let loaded = ws.ok(&["--json", "demo", "campaign", "--ucs", "1"]).json();
    let uc = loaded["union_councils"][0].as_str().unwrap();
    let figures = &loaded["figures"];
    let report = ws.ok(&["--json", "report", uc]).json();
    assert_eq!(report["out_of_school"]["girls"], figures["osc_girls"]);
    assert_eq!(report["out_of_school"]["boys"], figures["osc_boys"]);
    assert_eq!(report["enrolled"]["girls"], figures["enrolled_girls"]);
    assert_eq!(report["enrolled"]["boys"], figures["enrolled_boys"]);
    assert_eq!(report["schools_improved"], figures["schools_improved"]);
    assert!(loaded["counts"]["schools"].as_u64().unwrap() > 0);
}
