//! The app's sync command against the real `daakhla-server`: a household surveyed in one app
//! arrives in another, each record's sync state follows, and the home screen shows the last
//! sync.

mod support;

use daakhla_app::{App, SyncState};
use serde_json::{Value, json};
use support::{ServerProcess, enrol};

/// The key the apps' stores are locked with (the app always encrypts its store).
fn store_key() -> daakhla_app::StoreKey {
    daakhla_app::StoreKey::parse(&"4b".repeat(32)).unwrap()
}

fn call(app: &App, name: &str, request: Value) -> Value {
    app.call(name, request)
        .unwrap_or_else(|e| panic!("{name} failed: {e:?}"))
}

#[test]
fn a_household_surveyed_in_one_app_arrives_in_another_through_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let ayesha = App::open_or_create(&dir.path().join("ayesha.sqlite"), &store_key()).unwrap();
    let naila = App::open_or_create(&dir.path().join("naila.sqlite"), &store_key()).unwrap();
    let uc = call(&ayesha, "places", json!({"union_council": null}))[0]["code"].clone();
    let village = call(&ayesha, "places", json!({"union_council": uc}))[0]["code"].clone();
    let uc_code = uc.as_str().unwrap();
    let data = dir.path().join("server");
    let token_a = enrol(&data, "ayesha", uc_code);
    // Naila's phone enrols with a one-time code from her coordinator instead of a token.
    let made = std::process::Command::new(support::binary("daakhla-server"))
        .arg("--data")
        .arg(&data)
        .args([
            "enrolment",
            "add",
            "--user",
            "naila",
            "--role",
            "resource-person",
        ])
        .args(["--scope", uc_code])
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let code = serde_json::from_slice::<Value>(&made.stdout).unwrap()["code"].clone();
    let server = ServerProcess::start(&data);

    let survey = json!({
        "household": {
            "uc_code": uc, "village_code": village, "household_number": "9", "landmark": null,
            "consent": true, "gps": null, "respondent_name": null, "respondent_relation": null,
            "respondent_phone": null, "head_name": "Ghulam Rasool", "head_sex": null,
            "mother_schooling": null, "father_schooling": null, "house_type": null, "members": null,
            "surveyed_by": "Ayesha"
        },
        "children": [{
            "name": "Sana", "sex": "girl", "age_years": 9, "relation_to_head": null, "father_name": null,
            "schooling": "never_enrolled", "school_name": null, "class": null, "last_class_passed": null,
            "year_left": null, "reasons_out_of_school": ["cost"], "other_reason": null, "willing_to_enrol": null
        }]
    });
    let page = call(&ayesha, "save_survey", survey);
    assert_eq!(page["sync_state"], json!(SyncState::OnlyHere));

    let sent = call(
        &ayesha,
        "sync",
        json!({"server_url": server.url, "token": token_a}),
    );
    assert_eq!(sent["sent"], 2, "the household and its child");
    let id = page["id"].clone();
    let page = call(&ayesha, "household", json!({"id": id}));
    assert_eq!(page["sync_state"], json!(SyncState::Synced));
    assert_eq!(page["children"][0]["sync_state"], json!(SyncState::Synced));
    let today = call(&ayesha, "today_work", json!({}));
    assert_eq!(today["last_sync"]["sent"], 2);
    assert_eq!(today["changes_waiting_to_send"], 0);

    // Without a server, a code alone is refused with a sentence in both languages.
    let refused = naila
        .call("enrol", json!({"server_url": null, "code": code}))
        .unwrap_err();
    assert!(!refused.ur.is_empty(), "{refused:?}");
    assert_eq!(call(&naila, "setup", json!({}))["enrolment"], json!(null));
    let enrolled = call(
        &naila,
        "enrol",
        json!({"server_url": server.url, "code": code}),
    );
    assert_eq!(enrolled["user"], "naila");
    // Set-up shows the server, the user and the union council the code was made for.
    let setup = call(&naila, "setup", json!({}));
    assert_eq!(setup["enrolment"], enrolled);
    assert_eq!(setup["enrolment"]["places"][0]["code"], uc_code);
    assert_ne!(setup["enrolment"]["places"][0]["ur"], uc_code);
    let used_again = naila
        .call("enrol", json!({"server_url": server.url, "code": code}))
        .unwrap_err();
    assert!(used_again.en.contains("already used"), "{used_again:?}");
    let got = call(&naila, "sync", json!({"server_url": null, "token": null}));
    assert_eq!(got["received"], 2);
    let osc = call(
        &naila,
        "follow_up_list",
        json!({"uc_code": null, "village_code": null}),
    );
    assert_eq!(osc["rows"][0]["name"], "Sana");
    assert_eq!(osc["rows"][0]["sync_state"], json!(SyncState::Synced));
    // Remembered: the next sync needs neither address nor token.
    let again = call(&naila, "sync", json!({"server_url": null, "token": null}));
    assert_eq!(again["received"], 0);
    assert_eq!(call(&naila, "sync_progress", json!({}))["running"], false);
}
