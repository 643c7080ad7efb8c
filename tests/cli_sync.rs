//! Two coordinators' laptops and the real `daakhla-server`, over loopback HTTP: a survey made
//! on one arrives on the other, also after the server is killed and started again.

mod support;

use support::{ServerProcess, Workspace, enrol};

const SURVEY: &str = r#"{"household": {"uc_code": "UC-T1", "village_code": "V-1", "household_number": "3", "consent": true,
    "head_name": "Ghulam Rasool", "surveyed_by": "Ayesha", "surveyed_on": "2026-11-02"},
  "children": [{"name": "Sana", "sex": "girl", "age_years": 9, "schooling": {"status": "never_enrolled"}},
               {"name": "Ali", "sex": "boy", "age_years": 12, "schooling": {"status": "never_enrolled"}}]}"#;

#[test]
fn a_survey_reaches_another_laptop_through_the_server_even_after_a_server_crash() {
    let data = tempfile::tempdir().unwrap();
    let (token_a, token_b) = (
        enrol(data.path(), "ayesha", "UC-T1"),
        enrol(data.path(), "naila", "UC-T1"),
    );
    let server = ServerProcess::start(data.path());

    let a = Workspace::with_test_geography();
    let b = Workspace::with_test_geography();
    let saved = a.run_with_stdin(&["--json", "household", "add"], SURVEY);
    assert_eq!(saved.code, 0, "{}", saved.stderr);

    let sent = a
        .ok(&[
            "--json",
            "sync",
            "--server",
            &server.url,
            "--token",
            &token_a,
        ])
        .json();
    assert_eq!(sent["sent"], 3);
    let got = b
        .ok(&[
            "--json",
            "sync",
            "--server",
            &server.url,
            "--token",
            &token_b,
        ])
        .json();
    assert_eq!(got["received"], 3);
    let due = b.ok(&["--json", "list", "osc", "--uc", "UC-T1"]).json();
    assert_eq!(due.as_array().unwrap().len(), 2);

    // The server dies with no warning and comes back on its data: nothing lost, nothing doubled.
    drop(server);
    let server = ServerProcess::start(data.path());
    let child = saved_child(&saved.json());
    let visit = format!(
        r#"{{"child_id": "{child}", "visited_on": "2026-11-10", "visited_by": "Ayesha",
            "outcome": {{"kind": "enrolled", "school": {{"name": "GGPS"}}, "class": 1}}}}"#
    );
    assert_eq!(a.run_with_stdin(&["followup", "add"], &visit).code, 0);
    let sent = a.ok(&["--json", "sync", "--server", &server.url]).json();
    assert_eq!(
        sent["sent"], 1,
        "the address changed; the token is remembered"
    );
    let got = b.ok(&["--json", "sync", "--server", &server.url]).json();
    assert_eq!(got["received"], 1);
    let due = b.ok(&["--json", "list", "osc", "--uc", "UC-T1"]).json();
    assert_eq!(due.as_array().unwrap().len(), 1);

    let history = b.ok(&["--json", "history", &child]).json();
    assert_eq!(history[0]["author"], "coordinator");
    assert_eq!(b.ok(&["--json", "conflicts"]).json(), serde_json::json!([]));
    let human = b.ok(&["--lang", "ur", "conflicts"]).stdout;
    assert!(human.contains("کوئی تنازع نہیں"), "{human}");
}

#[test]
fn sync_without_a_server_says_what_to_do() {
    let ws = Workspace::new();
    let run = ws.run(&["sync"]);
    assert_eq!(run.code, 6);
    assert!(
        run.stderr.contains("--server") && run.stderr.contains("--token"),
        "{}",
        run.stderr
    );
    let run = ws.run(&["sync", "--server", "http://127.0.0.1:9", "--token", "x"]);
    assert_eq!(run.code, 6);
    assert!(
        run.stderr.contains("could not be reached"),
        "{}",
        run.stderr
    );
}

fn saved_child(saved: &serde_json::Value) -> String {
    saved["saved"][0]["children"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}
