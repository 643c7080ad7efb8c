//! Bad input: a non-zero exit, a message naming each bad field and its rule, and a store
//! exactly as it was.

mod support;

use support::Workspace;

const EXIT_INVALID_INPUT: i32 = 3;

fn household(number: &str, children: &str) -> String {
    format!(
        r#"{{"household": {{"uc_code": "UC-T1", "village_code": "V-1", "household_number": "{number}",
             "consent": true, "head_name": "Ghulam Rasool", "surveyed_by": "Ayesha", "surveyed_on": "2026-11-02"}},
            "children": [{children}]}}"#
    )
}

const GOOD_CHILD: &str =
    r#"{"name": "Sana", "sex": "girl", "age_years": 9, "schooling": {"status": "never_enrolled"}}"#;

/// A store with one household in it, so "unchanged" means something.
fn store_with_one_household() -> Workspace {
    let ws = Workspace::with_test_geography();
    let run = ws.run_with_stdin(&["household", "add"], &household("1", GOOD_CHILD));
    assert_eq!(run.code, 0, "{}", run.stderr);
    ws
}

#[test]
fn invalid_values_name_every_field_and_rule_and_change_nothing() {
    let ws = store_with_one_household();
    let before = ws.dump();
    let bad_children = r#"
        {"name": "", "sex": "girl", "age_years": 17, "schooling": {"status": "never_enrolled"}},
        {"name": "Ali", "sex": "boy", "age_years": 8, "schooling": {"status": "enrolled"}, "reasons_out_of_school": ["cost"]}"#;
    let batch = format!(
        "[{}, {}]",
        household("2", GOOD_CHILD),
        household("1", bad_children)
    );
    let run = ws.run_with_stdin(&["household", "add"], &batch);

    assert_eq!(run.code, EXIT_INVALID_INPUT);
    for expected in [
        "[1].household.household_number (Record 2 › Household › Household number): another household in village V-1 already has this number",
        "[1].children[0].name (Record 2 › Child 1 › Name): is required",
        "[1].children[0].age_years (Record 2 › Child 1 › Age in years): the roster lists children aged 5 to 16; this child is 17",
        "[1].children[1].reasons_out_of_school",
    ] {
        assert!(
            run.stderr.contains(expected),
            "missing {expected:?} in:\n{}",
            run.stderr
        );
    }
    assert_eq!(
        ws.dump(),
        before,
        "the valid first household must not be saved either"
    );
}

#[test]
fn violations_come_in_urdu_and_as_json_for_scripts() {
    let ws = store_with_one_household();
    let run = ws.run_with_stdin(
        &["--lang", "ur", "household", "add"],
        &household("1", GOOD_CHILD),
    );
    assert_eq!(run.code, EXIT_INVALID_INPUT);
    assert!(
        run.stderr.contains("گھرانہ نمبر") && run.stderr.contains("خرابی"),
        "{}",
        run.stderr
    );

    let run = ws.run_with_stdin(&["--json", "household", "add"], &household("1", GOOD_CHILD));
    let error: serde_json::Value = serde_json::from_str(&run.stderr).unwrap();
    assert_eq!(error["exit_code"], EXIT_INVALID_INPUT);
    assert_eq!(
        error["violations"][0]["field"],
        "household.household_number"
    );
    assert_eq!(error["violations"][0]["rule"], "household_number_taken");
}

#[test]
fn malformed_json_and_unknown_codes_are_refused_with_their_place() {
    let ws = store_with_one_household();
    let before = ws.dump();

    let run = ws.run_with_stdin(
        &["household", "add"],
        r#"{"household": {"uc_code": "UC-T1""#,
    );
    assert_eq!(run.code, EXIT_INVALID_INPUT);
    assert!(run.stderr.contains("EOF"), "{}", run.stderr);

    let bad_sex = household(
        "5",
        r#"{"name": "Sana", "sex": "female", "age_years": 9, "schooling": {"status": "never_enrolled"}}"#,
    );
    let run = ws.run_with_stdin(&["household", "add"], &bad_sex);
    assert_eq!(run.code, EXIT_INVALID_INPUT);
    assert!(
        run.stderr.contains("children[0].sex") && run.stderr.contains("girl"),
        "{}",
        run.stderr
    );

    let unknown_field =
        r#"{"household": {"consent": true, "surveyed_on": "2026-11-02", "colour": "red"}}"#;
    let run = ws.run_with_stdin(&["household", "add"], unknown_field);
    assert_eq!(run.code, EXIT_INVALID_INPUT);
    assert!(run.stderr.contains("colour"), "{}", run.stderr);

    assert_eq!(ws.dump(), before);
}

#[test]
fn a_follow_up_breaking_rules_is_refused_and_changes_nothing() {
    let ws = Workspace::with_test_geography();
    let saved = ws
        .run_with_stdin(&["--json", "household", "add"], &household("1", GOOD_CHILD))
        .json();
    let child = saved["saved"][0]["children"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let before = ws.dump();
    let follow_up = format!(
        r#"{{"child_id": "{child}", "visited_on": "2026-10-01", "visited_by": "Ayesha", "outcome": {{"kind": "enrolled"}}}}"#
    );
    let run = ws.run_with_stdin(&["followup", "add"], &follow_up);
    assert_eq!(run.code, EXIT_INVALID_INPUT);
    for expected in [
        "visited_on (Visit date): a follow-up cannot come before the child's survey on 2026-11-02",
        "outcome.school (Outcome › School): is required when the child is enrolled",
        "outcome.class (Outcome › Class): is required when the child is enrolled",
    ] {
        assert!(
            run.stderr.contains(expected),
            "missing {expected:?} in:\n{}",
            run.stderr
        );
    }
    assert_eq!(ws.dump(), before);
}

#[test]
fn missing_records_and_stores_have_their_own_exit_codes() {
    let ws = Workspace::new();
    let run = ws.run(&["child", "show", "0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a0b"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    let run = ws.run(&["child", "show", "not-an-id"]);
    assert_eq!(run.code, EXIT_INVALID_INPUT);
    let run = ws.run(&["init"]);
    assert_eq!(
        run.code, 5,
        "a second init must not overwrite the store: {}",
        run.stderr
    );

    let missing = ws.dir.path().join("nowhere.sqlite");
    let run = std::process::Command::new(support::daakhla_binary())
        .args(["--store", missing.to_str().unwrap(), "list", "osc"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&run.stderr).contains("daakhla init"));
    assert!(!missing.exists(), "reading must never create a store");
}
