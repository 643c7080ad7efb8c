//! Two coordinators' laptops and the real `daakhla-server`, over loopback HTTP: a survey made
//! on one arrives on the other, also after the server is killed and started again.

mod support;

use support::{ServerProcess, Workspace, enrol, server_run};

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

#[test]
fn a_laptop_enrolled_from_a_self_signed_servers_link_syncs_over_https_and_pins_it() {
    let data = tempfile::tempdir().unwrap();
    let certs = tempfile::tempdir().unwrap();
    let certs_dir = certs.path().to_str().unwrap();
    let server = ServerProcess::start_with(data.path(), &["--tls-self-signed", certs_dir]);
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );
    let cert = certs.path().join("cert.pem");
    let made = server_run(
        data.path(),
        &[
            "enrolment",
            "add",
            "--user",
            "ayesha",
            "--role",
            "resource-person",
            "--scope",
            "UC-T1",
            "--server",
            &server.url,
            "--tls-cert",
            cert.to_str().unwrap(),
        ],
    );
    assert_eq!(made.code, 0, "{}", made.stderr);
    let link = made.json()["link"].as_str().unwrap().to_string();
    let (_, fingerprint) = link
        .split_once("&fp=")
        .expect("the link pins the certificate");

    let a = Workspace::with_test_geography();
    a.ok(&["enrol", &link]);
    let saved = a.run_with_stdin(&["--json", "household", "add"], SURVEY);
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    let sent = a.ok(&["--json", "sync"]).json();
    assert_eq!(sent["sent"], 3, "{sent}");

    // The same address with its certificate made anew (the hub set up again, or someone
    // else's machine): the pin refuses it, in either language, and nothing is sent.
    drop(server);
    let other = tempfile::tempdir().unwrap();
    let impostor = ServerProcess::start_with(
        tempfile::tempdir().unwrap().path(),
        &["--tls-self-signed", other.path().to_str().unwrap()],
    );
    let refused = a.run(&[
        "sync",
        "--server",
        &impostor.url,
        "--fingerprint",
        fingerprint,
    ]);
    assert_eq!(refused.code, 6);
    assert!(
        refused
            .stderr
            .contains("is not the one this phone was enrolled with"),
        "{}",
        refused.stderr
    );
    let refused = a.run(&["--lang", "ur", "sync"]);
    assert_eq!(refused.code, 6);
    assert!(
        refused
            .stderr
            .contains("وہ نہیں جس کے ساتھ یہ فون رجسٹر ہوا تھا"),
        "{}",
        refused.stderr
    );

    // Plain HTTP beyond this network is refused before anything is tried, unless insecure.
    let plain = [
        "sync",
        "--server",
        "http://203.0.113.7:8080",
        "--token",
        "x",
    ];
    let refused = a.run(&plain);
    assert_eq!(refused.code, 6);
    assert!(
        refused
            .stderr
            .contains("refusing plain http:// to http://203.0.113.7:8080")
            && refused.stderr.contains("--insecure"),
        "{}",
        refused.stderr
    );
}
