//! A union council office's hub, the real `daakhla-server serve --upstream`, between a phone
//! that only reaches the hub and a laptop that only reaches the central server: each one's
//! survey arrives at the other.

mod support;

use std::time::{Duration, Instant};
use support::{ServerProcess, Workspace, enrol};

fn survey(number: &str, head: &str) -> String {
    format!(
        r#"{{"household": {{"uc_code": "UC-T1", "village_code": "V-1", "household_number": "{number}",
             "consent": true, "head_name": "{head}", "surveyed_by": "Ayesha", "surveyed_on": "2026-11-02"}},
            "children": [{{"name": "Sana", "sex": "girl", "age_years": 9, "schooling": {{"status": "never_enrolled"}}}}]}}"#
    )
}

/// Syncs `ws` (with the server it knows) until it holds `households`, or gives up after a
/// minute.
fn sync_until(ws: &Workspace, households: usize) {
    let started = Instant::now();
    loop {
        ws.ok(&["sync"]);
        let held = ws
            .ok(&["--json", "list", "households", "--uc", "UC-T1"])
            .json();
        if held.as_array().unwrap().len() >= households {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "only {} of {households} households arrived",
            held.as_array().unwrap().len()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_phone_at_the_hub_and_a_laptop_at_the_centre_see_each_others_surveys() {
    let central_data = tempfile::tempdir().unwrap();
    let hub_data = tempfile::tempdir().unwrap();
    let hub_token = enrol(central_data.path(), "UC-T1 office", "UC-T1");
    let laptop_token = enrol(central_data.path(), "supervisor", "UC-T1");
    // The phone enrols at the hub with a code from the coordinator.
    let made = std::process::Command::new(support::binary("daakhla-server"))
        .arg("--data")
        .arg(hub_data.path())
        .args([
            "enrolment",
            "add",
            "--user",
            "ayesha",
            "--role",
            "resource-person",
        ])
        .args(["--scope", "UC-T1"])
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let made: serde_json::Value = serde_json::from_slice(&made.stdout).unwrap();
    let code = made["code"].as_str().unwrap();
    let central = ServerProcess::start(central_data.path());
    let hub = ServerProcess::start_with(
        hub_data.path(),
        &[
            "--upstream",
            &central.url,
            "--upstream-token",
            &hub_token,
            "--relay-every",
            "1",
        ],
    );

    let phone = Workspace::with_test_geography();
    let laptop = Workspace::with_test_geography();
    phone.run_with_stdin(&["household", "add"], &survey("1", "Ghulam Rasool"));
    laptop.run_with_stdin(&["household", "add"], &survey("2", "Allah Ditta"));
    let enrolled = phone
        .ok(&["--json", "enrol", "--server", &hub.url, code])
        .json();
    assert_eq!(enrolled["user"], "ayesha");
    phone.ok(&["sync"]);
    laptop.ok(&["sync", "--server", &central.url, "--token", &laptop_token]);

    sync_until(&laptop, 2);
    sync_until(&phone, 2);
    let heads = |ws: &Workspace| {
        let mut heads: Vec<String> = ws
            .ok(&["--json", "list", "households", "--uc", "UC-T1"])
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["head_name"].as_str().unwrap_or_default().to_string())
            .collect();
        heads.sort();
        heads
    };
    assert_eq!(heads(&phone), ["Allah Ditta", "Ghulam Rasool"]);
    assert_eq!(heads(&phone), heads(&laptop));
}
