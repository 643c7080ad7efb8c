//! The app's commands on a real store file, as the UI calls them: by name, with JSON.

use daakhla_app::{App, AppError, ErrorKind, bindings};
use serde_json::{Value, json};

fn app(dir: &tempfile::TempDir) -> App {
    App::open_or_create(&dir.path().join("app.sqlite")).unwrap()
}

fn call(app: &App, name: &str, request: Value) -> Value {
    app.call(name, request)
        .unwrap_or_else(|e| panic!("{name} failed: {e:?}"))
}

fn refused(app: &App, name: &str, request: Value) -> AppError {
    app.call(name, request)
        .expect_err("the command should refuse this")
}

fn child(name: &str, sex: &str, age: u8, schooling: &str) -> Value {
    json!({
        "name": name, "sex": sex, "age_years": age, "relation_to_head": "child", "father_name": null,
        "schooling": schooling, "school_name": if schooling == "enrolled" { json!("GGPS Goth") } else { json!(null) },
        "class": if schooling == "enrolled" { json!(3) } else { json!(null) },
        "last_class_passed": null, "year_left": null,
        "reasons_out_of_school": if schooling == "enrolled" { json!([]) } else { json!(["cost", "school_too_far"]) },
        "other_reason": null, "willing_to_enrol": null
    })
}

/// A survey in the first village of the first union council, with these children.
fn survey(app: &App, number: &str, children: Vec<Value>) -> Value {
    let uc = call(app, "places", json!({"union_council": null}))[0]["code"].clone();
    let village = call(app, "places", json!({"union_council": uc}))[0]["code"].clone();
    json!({
        "household": {
            "uc_code": uc, "village_code": village, "household_number": number, "landmark": null,
            "consent": true, "gps": null, "respondent_name": "Nasreen", "respondent_relation": "mother",
            "respondent_phone": null, "head_name": "Muhammad Aslam", "head_sex": "man",
            "mother_schooling": "none", "father_schooling": "primary", "house_type": "katcha",
            "members": 7, "surveyed_by": "Ayesha"
        },
        "children": children
    })
}

fn sana_bilal_hina() -> Vec<Value> {
    vec![
        child("Sana", "girl", 9, "never_enrolled"),
        child("Bilal", "boy", 12, "dropped_out"),
        child("Hina", "girl", 7, "enrolled"),
    ]
}

#[test]
fn the_committed_typescript_bindings_are_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(bindings::BINDINGS_PATH);
    let fresh = bindings::typescript();
    if std::env::var_os("DAAKHLA_WRITE_BINDINGS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is stale: run `DAAKHLA_WRITE_BINDINGS=1 cargo test -p daakhla-app` and commit it",
        bindings::BINDINGS_PATH
    );
    for command in daakhla_app::COMMANDS {
        assert!(fresh.contains(&format!("  {command}: {{ request: ")));
    }
}

#[test]
fn a_surveyed_household_s_out_of_school_children_are_followed_up_until_enrolled() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    let page = call(&app, "save_survey", survey(&app, "17", sana_bilal_hina()));
    assert_eq!(page["children"].as_array().unwrap().len(), 3);
    assert_eq!(page["sync_state"], "only_here");

    let today = call(&app, "today_work", json!({}));
    assert_eq!(today["households_surveyed_today"], 1);
    assert_eq!(today["osc_to_follow_up"], 2);
    assert_eq!(today["osc_not_yet_visited"], 2);

    let osc = call(
        &app,
        "follow_up_list",
        json!({"uc_code": null, "village_code": null}),
    );
    let names: Vec<&str> = osc
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Sana", "Bilal"]);

    let sana = osc[0]["child_id"].as_str().unwrap();
    let enrolment = json!({
        "child_id": sana, "visited_by": "Ayesha", "outcome": "enrolled", "school_name": "GGPS Goth",
        "class": 1, "admitted_on": null, "why": null, "milestone": null, "attending_regularly": null,
        "days_attended_last_week": null, "dropped_out": false, "dropout_reasons": [], "notes": null
    });
    let page = call(&app, "add_follow_up", enrolment);
    assert_eq!(page["stage"], "enrolled");
    assert_eq!(page["visits"][0]["outcome"]["code"], "enrolled");
    assert_eq!(page["visits"][0]["details"]["school_name"], "GGPS Goth");
    let milestones: Vec<&str> = page["retention"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["milestone"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(milestones, ["1_month", "3_months", "6_months"]);

    let osc = call(
        &app,
        "follow_up_list",
        json!({"uc_code": null, "village_code": null}),
    );
    assert_eq!(
        osc.as_array().unwrap().len(),
        1,
        "Sana is enrolled, Bilal is left"
    );
    let hits = call(&app, "search", json!({"text": "sana"}));
    assert_eq!(hits[0]["child_name"], "Sana");
}

#[test]
fn a_survey_that_breaks_rules_saves_nothing_and_names_each_field_of_the_form() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    let mut too_old = child("Zara", "girl", 17, "never_enrolled");
    too_old["sex"] = Value::Null;
    let mut enrolled_nowhere = child("Ali", "boy", 8, "enrolled");
    enrolled_nowhere["school_name"] = json!(" ");
    let err = refused(
        &app,
        "save_survey",
        survey(&app, "", vec![too_old, enrolled_nowhere.clone()]),
    );
    assert_eq!(err.kind, ErrorKind::Invalid);
    let mut paths: Vec<&str> = err.fields.iter().map(|f| f.path.as_str()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "children[0].age_years",
            "children[0].sex",
            "household.household_number"
        ],
        "a missing answer and the other rules, all at once"
    );

    let too_old = child("Zara", "girl", 17, "never_enrolled");
    let err = refused(&app, "save_survey", survey(&app, "", vec![too_old]));
    let paths: Vec<&str> = err.fields.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        ["household.household_number", "children[0].age_years"]
    );
    assert!(
        err.fields
            .iter()
            .all(|f| !f.en.is_empty() && !f.ur.is_empty() && f.en != f.ur)
    );
    assert!(!err.ur.is_empty());

    call(
        &app,
        "save_survey",
        survey(&app, "5", vec![enrolled_nowhere]),
    );
    let err = refused(&app, "save_survey", survey(&app, "5", vec![]));
    assert_eq!(
        err.fields[0].path, "household.household_number",
        "the number is taken"
    );
    let households = call(
        &app,
        "households",
        json!({"uc_code": null, "village_code": null}),
    );
    assert_eq!(households.as_array().unwrap().len(), 1);
}

#[test]
fn a_follow_up_form_s_errors_name_its_own_fields() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    let page = call(&app, "save_survey", survey(&app, "3", sana_bilal_hina()));
    let sana = page["children"][0]["id"].clone();
    let err = refused(
        &app,
        "add_follow_up",
        json!({
            "child_id": sana, "visited_by": "Ayesha", "outcome": "enrolled", "school_name": null,
            "class": null, "admitted_on": null, "why": null, "milestone": null, "attending_regularly": null,
            "days_attended_last_week": null, "dropped_out": false, "dropout_reasons": [], "notes": null
        }),
    );
    let paths: Vec<&str> = err.fields.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["school_name", "class"]);
    let err = refused(
        &app,
        "add_follow_up",
        json!({
            "child_id": sana, "visited_by": "Ayesha", "outcome": "retention_check", "school_name": null,
            "class": null, "admitted_on": null, "why": null, "milestone": "1_month", "attending_regularly": true,
            "days_attended_last_week": 9, "dropped_out": false, "dropout_reasons": [], "notes": null
        }),
    );
    let paths: Vec<&str> = err.fields.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        ["outcome", "days_attended_last_week"],
        "no retention check before enrolment"
    );
}

#[test]
fn settings_and_a_draft_survive_closing_the_app() {
    let dir = tempfile::tempdir().unwrap();
    {
        let app = app(&dir);
        call(
            &app,
            "save_settings",
            json!({"lang": "ur", "surveyor_name": "Ayesha", "uc_code": null, "server_url": null, "token": null}),
        );
        call(&app, "save_draft", json!({"text": "{\"step\":2}"}));
    }
    let app = app(&dir);
    let settings = call(&app, "settings", json!({}));
    assert_eq!(settings["lang"], "ur");
    assert_eq!(settings["surveyor_name"], "Ayesha");
    assert_eq!(settings["has_token"], false);
    assert_eq!(call(&app, "draft", json!({}))["text"], "{\"step\":2}");
    call(&app, "save_draft", json!({"text": null}));
    assert_eq!(call(&app, "draft", json!({}))["text"], Value::Null);
}

#[test]
fn sync_without_a_server_says_so_in_both_languages_and_unknown_commands_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    let err = refused(&app, "sync", json!({"server_url": null, "token": null}));
    assert_eq!(err.kind, ErrorKind::NotEnrolled);
    let err = refused(
        &app,
        "sync",
        json!({"server_url": "http://127.0.0.1:9", "token": "t"}),
    );
    assert_eq!(err.kind, ErrorKind::Sync);
    assert!(err.ur.contains("سرور"));
    assert_eq!(call(&app, "sync_progress", json!({}))["running"], false);
    assert_eq!(
        refused(&app, "no_such_command", json!({})).kind,
        ErrorKind::BadRequest
    );
    assert_eq!(
        refused(&app, "child", json!({"id": 5})).kind,
        ErrorKind::BadRequest
    );
}

#[test]
fn an_export_is_written_to_the_exports_folder_and_a_bad_one_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    call(&app, "save_survey", survey(&app, "17", sana_bilal_hina()));
    let uc = call(&app, "places", json!({"union_council": null}))[0]["code"].clone();
    let done = call(
        &app,
        "export_records",
        json!({"kind": "children", "format": "xlsx", "lang": "ur", "uc_code": uc, "folder": null}),
    );
    assert_eq!(done["rows"], 3);
    let path = std::path::PathBuf::from(done["path"].as_str().unwrap());
    assert_eq!(path.parent().unwrap(), dir.path().join("exports"));
    assert!(
        path.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .ends_with(".xlsx")
    );
    assert_eq!(&std::fs::read(&path).unwrap()[..2], b"PK");

    let csv = call(
        &app,
        "export_records",
        json!({"kind": "households", "format": "csv", "lang": "en", "uc_code": null,
               "folder": dir.path().join("chosen").to_str().unwrap()}),
    );
    let text = std::fs::read_to_string(csv["path"].as_str().unwrap()).unwrap();
    assert!(text.starts_with("\u{feff}ID,District,") && text.contains("Muhammad Aslam"));

    let kind = refused(
        &app,
        "export_records",
        json!({"kind": "pupils", "format": "csv", "lang": "en", "uc_code": null, "folder": null}),
    );
    assert_eq!(kind.kind, ErrorKind::BadRequest);
    assert!(kind.en.contains("pupils") && kind.ur.contains("pupils"));
    let place = refused(
        &app,
        "export_records",
        json!({"kind": "children", "format": "csv", "lang": "en", "uc_code": "UC-NONE", "folder": null}),
    );
    assert_eq!(place.kind, ErrorKind::NotFound);
    assert!(place.ur.contains("UC-NONE"));
}

#[test]
fn a_digest_is_previewed_sent_logged_and_answered() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    call(&app, "save_survey", survey(&app, "17", sana_bilal_hina()));
    let en = call(
        &app,
        "digest_preview",
        json!({"uc_code": null, "lang": "en"}),
    );
    let text = en["text"].as_str().unwrap();
    assert!(text.contains("OSC found girls 1, boys 1"), "{text}");
    assert_eq!(
        (en["encoding"].as_str(), en["parts"].as_u64()),
        (Some("gsm7"), Some(1))
    );
    assert!(en["units"].as_u64().unwrap() <= 160);
    let ur = call(
        &app,
        "digest_preview",
        json!({"uc_code": en["uc_code"], "lang": "ur"}),
    );
    assert_eq!(ur["encoding"], "ucs2");
    assert_eq!(
        ur["parts"].as_u64().unwrap(),
        ur["units"].as_u64().unwrap().div_ceil(67)
    );
    assert!(
        ur["channels"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "copied")
    );

    let bad = refused(
        &app,
        "add_digest_recipient",
        json!({"name": "", "office": "mpa", "phone": "abc"}),
    );
    assert_eq!(bad.kind, ErrorKind::Invalid);
    assert_eq!(bad.fields.len(), 2, "{bad:?}");
    let mpa = call(
        &app,
        "add_digest_recipient",
        json!({"name": "Rana Tariq", "office": "mpa", "phone": "0301 7654321"}),
    );
    assert_eq!(
        call(&app, "digest_recipients", json!({}))
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let sent = call(
        &app,
        "record_digest_sent",
        json!({"recipient_id": mpa["id"], "uc_code": en["uc_code"], "lang": "ur",
               "channel": "whatsapp", "text": ur["text"]}),
    );
    assert_eq!(sent["recipient_office"], "mpa");
    assert_eq!(sent["text"], ur["text"]);
    let channel = refused(
        &app,
        "record_digest_sent",
        json!({"recipient_id": mpa["id"], "uc_code": en["uc_code"], "lang": "en",
               "channel": "pigeon", "text": "x"}),
    );
    assert_eq!(channel.kind, ErrorKind::BadRequest);
    call(
        &app,
        "note_digest_response",
        json!({"id": sent["id"], "response": "Promised a visit on Monday"}),
    );
    let log = call(&app, "digest_log", json!({"uc_code": en["uc_code"]}));
    assert_eq!(log.as_array().unwrap().len(), 1);
    assert_eq!(log[0]["response"], "Promised a visit on Monday");
    assert!(log[0]["response_at"].is_string());
}
