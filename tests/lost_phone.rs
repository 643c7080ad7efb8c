//! A lost phone with the real binaries, on both databases: `daakhla-server device list`,
//! `revoke` and `rotate`; the phone's `daakhla sync` refused as revoked (in English and
//! Urdu) with its offline work kept, and everything sent once it is enrolled again.

mod support;

use daakhla_server::on_both_databases;
use daakhla_server::scratch::Scratch;
use serde_json::Value;
use std::path::Path;
use support::{ServerProcess, Workspace, enrol, server_run};

fn survey(number: u32) -> String {
    format!(
        r#"{{"household": {{"uc_code": "UC-T1", "village_code": "V-1", "household_number": "{number}", "consent": true,
            "head_name": "Ghulam Rasool", "surveyed_by": "Ayesha", "surveyed_on": "2026-11-02"}},
          "children": [{{"name": "Sana", "sex": "girl", "age_years": 9, "schooling": {{"status": "never_enrolled"}}}},
                       {{"name": "Ali", "sex": "boy", "age_years": 12, "schooling": {{"status": "never_enrolled"}}}}]}}"#
    )
}

/// `daakhla-server ARGS` on the scratch data, expected to succeed.
fn server_ok(data: &str, args: &[&str]) -> support::Run {
    let run = server_run(Path::new(data), args);
    assert_eq!(run.code, 0, "daakhla-server {args:?}: {}", run.stderr);
    run
}

fn code_for(data: &str, user: &str) -> String {
    let made = server_ok(
        data,
        &[
            "enrolment",
            "add",
            "--user",
            user,
            "--role",
            "resource-person",
            "--scope",
            "UC-T1",
        ],
    );
    made.json()["code"].as_str().unwrap().to_string()
}

fn listed(data: &str, id: &str) -> Value {
    let all = server_ok(data, &["device", "list", "--json"]).json();
    all.as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {all}"))
        .clone()
}

on_both_databases!(a_lost_phone_is_revoked_and_found_again_with_nothing_lost);

fn a_lost_phone_is_revoked_and_found_again_with_nothing_lost(scratch: Scratch) {
    let data = scratch.data_arg();
    let server = ServerProcess::start(&data);
    let phone = Workspace::with_test_geography();
    let enrolled = phone
        .ok(&[
            "--json",
            "enrol",
            "--server",
            &server.url,
            &code_for(&data, "ayesha"),
        ])
        .json();
    let first_id = enrolled["device_id"].as_str().unwrap().to_string();
    assert_eq!(
        phone.run_with_stdin(&["household", "add"], &survey(1)).code,
        0
    );
    assert_eq!(phone.ok(&["--json", "sync"]).json()["sent"], 3);
    for number in [2, 3] {
        assert_eq!(
            phone
                .run_with_stdin(&["household", "add"], &survey(number))
                .code,
            0
        );
    }

    // Lost: revoked while the server runs, refused at the phone's next sync.
    let revoked = server_ok(&data, &["device", "revoke", &first_id]).json();
    assert!(revoked["device"]["revoked_at"].is_i64(), "{revoked}");
    let before = phone.dump();
    let refused = phone.run(&["sync"]);
    assert_eq!(refused.code, 6, "{}", refused.stderr);
    assert!(refused.stderr.contains("revoked"), "{}", refused.stderr);
    let refused_ur = phone.run(&["--lang", "ur", "sync"]);
    assert_eq!(refused_ur.code, 6);
    assert!(refused_ur.stderr.contains("منسوخ"), "{}", refused_ur.stderr);
    assert_eq!(
        phone.dump(),
        before,
        "a refused sync changes nothing on the phone"
    );
    let households = phone.ok(&["--json", "list", "households", "--village", "V-1"]);
    assert_eq!(households.json().as_array().unwrap().len(), 3);

    // Listed, kept, marked revoked: as JSON and as the table.
    let entry = listed(&data, &first_id);
    assert_eq!(entry["user"], "ayesha");
    assert_eq!(entry["role"], "resource_person");
    assert!(
        entry["revoked_at"].is_i64() && entry["last_seen"].is_i64(),
        "{entry}"
    );
    let table = server_ok(&data, &["device", "list"]).stdout;
    let header = table.lines().next().unwrap();
    for column in [
        "ID",
        "USER",
        "ROLE",
        "SCOPES",
        "CREATED",
        "LAST SEEN",
        "REVOKED",
    ] {
        assert!(header.contains(column), "{table}");
    }
    let row = table.lines().find(|l| l.starts_with(&first_id)).unwrap();
    assert!(row.contains("ayesha") && row.contains("UC-T1"), "{table}");
    assert!(!row.trim_end().ends_with(" no"), "shown revoked: {table}");

    // Found again: a new one-time code, and the next sync sends everything it held.
    let again = phone
        .ok(&[
            "--json",
            "enrol",
            "--server",
            &server.url,
            &code_for(&data, "ayesha"),
        ])
        .json();
    let second_id = again["device_id"].as_str().unwrap().to_string();
    assert_ne!(second_id, first_id);
    assert_eq!(phone.ok(&["--json", "sync"]).json()["sent"], 6);
    assert!(listed(&data, &second_id)["revoked_at"].is_null());

    // The server holds every record once: another device receives 3 households' 9 records.
    let office = Workspace::with_test_geography();
    let token = enrol(&data, "coordinator", "UC-T1");
    let got = office
        .ok(&["--json", "sync", "--server", &server.url, "--token", &token])
        .json();
    assert_eq!(got["received"], 9, "{got}");

    // Rotated: the token the phone remembers is refused as revoked, the new one works for
    // the same device.
    let rotated = server_ok(&data, &["device", "rotate", &second_id]).json();
    assert_eq!(rotated["device"]["id"], second_id.as_str());
    let new_token = rotated["token"].as_str().unwrap();
    let refused = phone.run(&["sync"]);
    assert_eq!(refused.code, 6);
    assert!(refused.stderr.contains("revoked"), "{}", refused.stderr);
    let synced = phone.ok(&["--json", "sync", "--token", new_token]).json();
    assert_eq!(synced["sent"], 0);
    assert!(listed(&data, &second_id)["revoked_at"].is_null());
    // A revoked device cannot be rotated back; an unknown one is named.
    let refused = server_run(Path::new(&data), &["device", "rotate", &first_id]);
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("revoked"), "{}", refused.stderr);
    let refused = server_run(Path::new(&data), &["device", "revoke", "no-such-device"]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("no-such-device"),
        "{}",
        refused.stderr
    );
}
