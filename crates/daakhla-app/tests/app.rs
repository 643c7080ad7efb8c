//! The app's commands on a real store file, as the UI calls them: by name, with JSON.

use daakhla_app::{App, AppError, ErrorKind, StoreKey, bindings};
use daakhla_testkit::json::texts;
use daakhla_testkit::stores::{edit, relay};
use serde_json::{Value, json};

/// The key the tests' stores are locked with (the app's are always encrypted).
fn key() -> StoreKey {
    StoreKey::parse(&"3c".repeat(32)).unwrap()
}

fn app(dir: &tempfile::TempDir) -> App {
    App::open_or_create(&dir.path().join("app.sqlite"), &key()).unwrap()
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
    assert_eq!(osc["total"], 2);
    assert_eq!(osc["due"], 0, "surveyed today: a visit falls due in a week");
    let osc = &osc["rows"];
    assert_eq!(osc[0]["due"], "not_yet");
    assert!(osc[0]["village_en"].as_str().is_some_and(|v| !v.is_empty()));
    let names = texts(osc, "/name");
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
    let milestones = texts(&page["retention"], "/milestone/code");
    assert_eq!(milestones, ["1_month", "3_months", "6_months"]);

    let osc = call(
        &app,
        "follow_up_list",
        json!({"uc_code": null, "village_code": null}),
    );
    assert_eq!(
        osc["rows"].as_array().unwrap().len(),
        1,
        "Sana is enrolled, Bilal is left"
    );
    let hits = call(&app, "search", json!({"text": "sana"}));
    assert_eq!(hits["hits"][0]["child_name"], "Sana");
    assert_eq!(hits["total"], 1);
}

#[test]
fn a_saved_survey_is_edited_field_by_field_and_a_child_removed_is_a_tombstone() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    call(
        &app,
        "save_settings",
        json!({"lang": null, "surveyor_name": "Ayesha", "uc_code": null, "server_url": null, "token": null}),
    );
    let saved = call(&app, "save_survey", survey(&app, "17", sana_bilal_hina()));
    let id = saved["id"].as_str().unwrap();
    let ids = texts(&saved["children"], "/id");

    let mut form = call(&app, "survey_for_edit", json!({"id": id}));
    assert_eq!(form["input"]["household"]["head_name"], "Muhammad Aslam");
    assert_eq!(form["input"]["children"][0]["id"], ids[0]);
    assert_eq!(form["input"]["children"][2]["school_name"], "GGPS Goth");
    // A typo fixed, Bilal removed, a child added.
    let input = &mut form["input"];
    input["household"]["head_name"] = json!("Muhammad Aslam Khan");
    input["children"][0]["name"] = json!("Sanaa");
    let children = input["children"].as_array_mut().unwrap();
    children.remove(1);
    children.push(child("Zainab", "girl", 6, "never_enrolled"));
    let edited = call(
        &app,
        "edit_survey",
        json!({"household_id": id, "survey": form["input"]}),
    );
    assert_eq!(edited["head_name"], "Muhammad Aslam Khan");
    assert_eq!(edited["surveyed_on"], saved["surveyed_on"]);
    let names: Vec<(&str, &str)> = edited["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), c["name"].as_str().unwrap()))
        .collect();
    assert_eq!(names[..2], [(ids[0], "Sanaa"), (ids[2], "Hina")]);
    assert_eq!(names[2].1, "Zainab");

    let fields = |doc: &str| -> Vec<Value> {
        call(&app, "record_history", json!({"doc_id": doc}))
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["fields"].clone())
            .collect()
    };
    assert_eq!(fields(id).last().unwrap(), &json!(["head_name"]));
    assert_eq!(fields(ids[0]).last().unwrap(), &json!(["name"]));
    assert_eq!(fields(ids[1]).last().unwrap(), &json!(["deleted"]));
    assert_eq!(fields(ids[2]).len(), 1, "Hina is unchanged");
    let history = call(&app, "record_history", json!({"doc_id": id}));
    assert_eq!(history[0]["author"], "Ayesha");
    assert_eq!(history[0]["this_device"], true);

    let osc = call(
        &app,
        "follow_up_list",
        json!({"uc_code": null, "village_code": null}),
    );
    let listed = texts(&osc["rows"], "/name");
    assert_eq!(listed, ["Sanaa", "Zainab"], "Bilal is gone from the list");

    // An edit that breaks a rule names the form's field and changes nothing.
    let mut form = call(&app, "survey_for_edit", json!({"id": id}));
    form["input"]["children"][0]["age_years"] = json!(19);
    let error = refused(
        &app,
        "edit_survey",
        json!({"household_id": id, "survey": form["input"]}),
    );
    assert_eq!(error.kind, ErrorKind::Invalid);
    assert_eq!(error.fields[0].path, "children[0].age_years");
    assert_eq!(fields(ids[0]).len(), 2);
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
    assert_eq!(
        err.en,
        "No connection – nothing is waiting to be sent. Sync again when you have signal."
    );
    assert!(err.ur.contains("رابطہ نہیں"), "{}", err.ur);
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

#[test]
fn a_school_and_its_needs_are_listed_and_a_need_that_breaks_rules_saves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    let uc = call(&app, "places", json!({"union_council": null}))[0]["code"].clone();
    assert_eq!(call(&app, "schools", json!({"uc_code": uc})), json!([]));
    let school = json!({
        "id": null, "name": "GGPS Goth Rind", "emis_code": "408110123", "level": "primary",
        "gender": "girls", "functional": true, "closed_reason": null, "uc_code": uc,
        "village_code": null, "teachers": 2, "classrooms": 3, "enrolment": 96
    });
    // A closed school must say why.
    let mut closed = school.clone();
    closed["functional"] = json!(false);
    let error = refused(&app, "save_school", closed);
    assert_eq!(error.fields[0].path, "closed_reason");
    assert_eq!(call(&app, "schools", json!({"uc_code": uc})), json!([]));

    let saved = call(&app, "save_school", school);
    let school_id = saved["school"]["id"].clone();
    assert_eq!(saved["school"]["name"], "GGPS Goth Rind");
    assert_eq!(saved["open_needs"], 0);
    call(
        &app,
        "save_settings",
        json!({"lang": null, "surveyor_name": "Ayesha", "uc_code": null, "server_url": null, "token": null}),
    );

    // Resolved before it was identified, and "other" with nothing said: both named, nothing kept.
    let bad = json!({
        "id": null, "school_id": school_id, "category": "other", "severity": "high",
        "description": null, "identified_on": "2025-03-10", "raised_on": null,
        "promised_on": null, "resolved_on": "2025-03-01"
    });
    let error = refused(&app, "save_need", bad);
    let mut paths: Vec<_> = error.fields.iter().map(|f| f.path.as_str()).collect();
    paths.sort();
    assert_eq!(paths, ["description", "resolved_on"]);
    assert!(error.fields.iter().all(|f| !f.ur.is_empty()));
    let need = json!({
        "id": null, "school_id": school_id, "category": "latrines", "severity": "urgent",
        "description": "No usable latrine for 96 girls", "identified_on": "2025-03-10",
        "raised_on": "2025-03-12", "promised_on": null, "resolved_on": null
    });
    let row = call(&app, "save_need", need);
    assert_eq!(row["open_needs"], 1);
    assert_eq!(row["needs"][0]["status"], "raised");
    assert_eq!(row["needs"][0]["reported_by"], "Ayesha");

    // Resolving it keeps the need but closes it.
    let mut resolved = row["needs"][0]["need"].clone();
    resolved["resolved_on"] = json!("2025-04-01");
    let row = call(&app, "save_need", resolved);
    assert_eq!(row["open_needs"], 0);
    assert_eq!(row["needs"].as_array().unwrap().len(), 1);
    assert_eq!(
        call(&app, "schools", json!({"uc_code": uc}))
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// Two devices rename the head of the same household while apart.
fn renamed_on_both(a: &mut daakhla_store::Store, b: &mut daakhla_store::Store, id: &str) {
    let id: daakhla_domain::ids::HouseholdId = id.parse().unwrap();
    let ctx = daakhla_domain::validation::Context {
        today: chrono::Local::now().date_naive(),
    };
    for (store, author, name) in [
        (a, "ayesha", "Muhammad Aslam Khan"),
        (b, "naila", "محمد اسلم"),
    ] {
        store.set_author(author);
        edit(store, id, &json!({"household": {"head_name": name}}), &ctx);
    }
}

#[test]
fn a_coordinator_sees_a_field_two_devices_wrote_and_the_value_chosen_clears_it_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let (path_a, path_b) = (dir.path().join("a.sqlite"), dir.path().join("b.sqlite"));
    let household = {
        let a = App::open_or_create(&path_a, &key()).unwrap();
        App::open_or_create(&path_b, &key()).unwrap();
        assert_eq!(call(&a, "conflicts", json!({})), json!([]));
        let input = survey(&a, "12", sana_bilal_hina());
        call(&a, "save_survey", input)["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    {
        let mut a = daakhla_store::Store::open_with_key(&path_a, &key()).unwrap();
        let mut b = daakhla_store::Store::open_with_key(&path_b, &key()).unwrap();
        relay(&mut a, &mut b);
        renamed_on_both(&mut a, &mut b, &household);
        relay(&mut a, &mut b);
        relay(&mut b, &mut a);
    }

    let app = App::open_or_create(&path_a, &key()).unwrap();
    let rows = call(&app, "conflicts", json!({}));
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    let row = &rows[0];
    assert_eq!(row["kind"], "household");
    assert_eq!(row["field"], "head_name");
    assert_eq!(row["household_number"], "12");
    assert_eq!(row["record_name"], row["values"][0]["value"]);
    assert!(!row["village_ur"].as_str().unwrap().is_empty());
    // Each value with who wrote it, on which device.
    let mut values: Vec<(String, String, bool)> = row["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let by = &v["by"];
            (
                v["value"].as_str().unwrap().to_string(),
                by["author"].as_str().unwrap().to_string(),
                by["this_device"].as_bool().unwrap(),
            )
        })
        .collect();
    values.sort();
    assert_eq!(
        values,
        [
            (
                "Muhammad Aslam Khan".to_string(),
                "ayesha".to_string(),
                true
            ),
            ("محمد اسلم".to_string(), "naila".to_string(), false)
        ]
    );
    assert!(
        row["values"][1]["by"]["at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    let authors = texts(&row["history"], "/author");
    assert!(
        authors.contains(&"ayesha") && authors.contains(&"naila"),
        "{authors:?}"
    );

    // The coordinator keeps the value that is not shown now: written again, the conflict goes.
    let chosen = row["values"][1]["value"].clone();
    let left = call(
        &app,
        "resolve_conflict",
        json!({"doc_id": household, "field": "head_name", "value": chosen}),
    );
    assert_eq!(left, json!([]));
    assert_eq!(
        call(&app, "household", json!({"id": household}))["head_name"],
        chosen
    );
    let again = refused(
        &app,
        "resolve_conflict",
        json!({"doc_id": household, "field": "head_name", "value": chosen}),
    );
    assert_eq!(again.kind, ErrorKind::NotFound);
    drop(app);

    // The choice syncs like any edit: the other device's conflict is gone too.
    let mut a = daakhla_store::Store::open_with_key(&path_a, &key()).unwrap();
    let mut b = daakhla_store::Store::open_with_key(&path_b, &key()).unwrap();
    assert_eq!(b.conflicts().unwrap().len(), 1);
    relay(&mut a, &mut b);
    assert!(b.conflicts().unwrap().is_empty());
    let id = household.parse().unwrap();
    assert_eq!(
        b.survey(id).unwrap().household.head_name.map(Value::from),
        Some(chosen)
    );
}

/// The Muhammad Aslam household of `survey`, written down again in Urdu script by another
/// resource person: its number with a zero, one child a year older.
fn aslam_in_urdu(app: &App) -> Value {
    let mut again = survey(
        app,
        "07",
        vec![
            child("ثنا", "girl", 10, "never_enrolled"),
            child("بلال", "boy", 12, "dropped_out"),
            child("حنا", "girl", 7, "enrolled"),
        ],
    );
    again["household"]["head_name"] = json!("محمد اسلم");
    again
}

#[test]
fn a_household_entered_twice_is_shown_before_saving_and_merged_from_the_review_list() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    let first = call(&app, "save_survey", survey(&app, "7", sana_bilal_hina()));

    // Before saving: the wizard is shown the stored household, with why it looks alike.
    let found = call(&app, "likely_duplicates", aslam_in_urdu(&app));
    assert_eq!(found.as_array().unwrap().len(), 1, "{found:#}");
    assert_eq!(found[0]["household"]["id"], first["id"]);
    assert_eq!(
        found[0]["household"]["children"].as_array().unwrap().len(),
        3
    );
    let clues = texts(&found[0]["clues"], "/code");
    // The rosters give no fathers' names here.
    assert_eq!(clues, ["same_number", "head_name_alike", "children_alike"]);
    assert!(found[0]["clues"][2]["ur"].as_str().unwrap().contains("بچے"));
    // A half-filled roster (a child without sex yet) is still compared on what is there.
    let mut half = aslam_in_urdu(&app);
    half["children"][0]["sex"] = Value::Null;
    assert_eq!(
        call(&app, "likely_duplicates", half)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Someone else in the village is not offered.
    let mut neighbour = survey(&app, "8", vec![child("Imran", "boy", 14, "never_enrolled")]);
    neighbour["household"]["head_name"] = json!("Ghulam Nabi");
    assert_eq!(
        call(&app, "likely_duplicates", neighbour.clone()),
        json!([])
    );

    // Saved anyway (the resource person was not sure): the coordinator's list has the pair.
    let second = call(&app, "save_survey", aslam_in_urdu(&app));
    call(&app, "save_survey", neighbour);
    let pairs = call(&app, "duplicate_pairs", json!({"uc_code": null}));
    assert_eq!(pairs.as_array().unwrap().len(), 1, "{pairs:#}");
    assert_eq!(
        pairs[0]["first"]["id"], first["id"],
        "the earlier survey first"
    );
    assert_eq!(pairs[0]["second"]["id"], second["id"]);

    // The second phone already enrolled Bilal: his record with the visit is the one kept.
    let bilal_visited = second["children"][1]["id"].clone();
    enrol_child(&app, bilal_visited.as_str().unwrap());

    // Merged: one household, each child once; the list is empty.
    let merged = call(
        &app,
        "merge_duplicates",
        json!({"keep": first["id"], "merge": second["id"], "uc_code": null}),
    );
    assert_eq!(merged["pairs"], json!([]));
    assert_eq!(merged["children_kept_once"], 3);
    let households = call(
        &app,
        "households",
        json!({"uc_code": null, "village_code": null}),
    );
    assert_eq!(households.as_array().unwrap().len(), 2);
    let kept = call(&app, "household", json!({"id": first["id"]}));
    let children: Vec<&Value> = kept["children"].as_array().unwrap().iter().collect();
    assert_eq!(children.len(), 3, "{kept:#}");
    assert!(
        children
            .iter()
            .any(|c| c["id"] == bilal_visited && c["stage"] == "enrolled")
    );
    assert!(
        !children
            .iter()
            .any(|c| c["id"] == first["children"][1]["id"])
    );
}

#[test]
fn a_pair_marked_as_two_households_leaves_the_list_and_bad_requests_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    let first = call(&app, "save_survey", survey(&app, "7", sana_bilal_hina()));
    let second = call(&app, "save_survey", aslam_in_urdu(&app));
    assert_eq!(
        call(&app, "duplicate_pairs", json!({"uc_code": null}))
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let err = refused(
        &app,
        "merge_duplicates",
        json!({"keep": first["id"], "merge": first["id"], "uc_code": null}),
    );
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert_eq!(err.fields[0].path, "keep");
    let err = refused(
        &app,
        "mark_distinct",
        json!({"first": first["id"], "second": "no-such-id", "uc_code": null}),
    );
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert_eq!(
        call(&app, "duplicate_pairs", json!({"uc_code": null}))
            .as_array()
            .unwrap()
            .len(),
        1,
        "nothing changed"
    );

    let left = call(
        &app,
        "mark_distinct",
        json!({"first": second["id"], "second": first["id"], "uc_code": null}),
    );
    assert_eq!(left, json!([]));
    assert_eq!(
        call(
            &app,
            "households",
            json!({"uc_code": null, "village_code": null})
        )
        .as_array()
        .unwrap()
        .len(),
        2
    );
}

/// Enrols a child today, through the follow-up form.
fn enrol_child(app: &App, child_id: &str) -> Value {
    call(
        app,
        "add_follow_up",
        json!({
            "child_id": child_id, "visited_by": "Ayesha", "outcome": "enrolled",
            "school_name": "GGPS Goth", "class": 1, "admitted_on": null, "why": null,
            "milestone": null, "attending_regularly": null, "days_attended_last_week": null,
            "dropped_out": false, "dropout_reasons": [], "notes": null
        }),
    )
}

#[test]
fn the_progress_screen_counts_the_device_s_surveys_girls_and_boys_apart_down_to_a_child() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    // Two households: four out-of-school children (three girls, one boy) and a girl in school.
    call(&app, "save_survey", survey(&app, "17", sana_bilal_hina()));
    let mut zara = child("Zara", "girl", 6, "never_enrolled");
    zara["reasons_out_of_school"] = json!(["cost"]);
    let page = call(
        &app,
        "save_survey",
        survey(
            &app,
            "18",
            vec![child("Amna", "girl", 10, "never_enrolled"), zara],
        ),
    );
    let uc = page["uc_code"].as_str().unwrap().to_string();
    let village = page["village_code"].as_str().unwrap().to_string();

    let everything = call(
        &app,
        "report",
        json!({"area": null, "from": null, "to": null}),
    );
    assert_eq!(everything["area"], Value::Null);
    assert_eq!(everything["households"], 2);
    assert_eq!(
        everything["out_of_school"],
        json!({"girls": 3, "boys": 1, "transgender": 0})
    );
    assert_eq!(
        everything["in_school_at_survey"],
        json!({"girls": 1, "boys": 0, "transgender": 0})
    );
    assert_eq!(
        everything["enrolled"],
        json!({"girls": 0, "boys": 0, "transgender": 0})
    );
    // Every out-of-school child gave "cost"; all but Zara "school too far".
    assert_eq!(everything["reasons"][0]["reason"]["code"], "cost");
    assert_eq!(
        everything["reasons"][0]["children"],
        json!({"girls": 3, "boys": 1, "transgender": 0})
    );
    assert_eq!(everything["reasons"][1]["reason"]["code"], "school_too_far");
    assert_eq!(everything["reasons"][1]["children"]["girls"], 2);

    // Sana is enrolled: the union council's figures move, the rate is girls' and boys' own.
    let osc = call(
        &app,
        "follow_up_list",
        json!({"uc_code": null, "village_code": null}),
    );
    let sana = osc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "Sana")
        .unwrap()["child_id"]
        .as_str()
        .unwrap()
        .to_string();
    enrol_child(&app, &sana);
    let council = call(&app, "report", json!({"area": uc, "from": "", "to": ""}));
    assert_eq!(council["area"]["code"], uc.as_str());
    assert_eq!(council["area"]["level"], "union_council");
    assert_eq!(
        council["enrolled"],
        json!({"girls": 1, "boys": 0, "transgender": 0})
    );
    assert_eq!(
        council["still_to_follow_up"],
        json!({"girls": 2, "boys": 1, "transgender": 0})
    );
    assert_eq!(council["enrolment_rate"]["boys"], 0.0);
    assert!((council["enrolment_rate"]["girls"].as_f64().unwrap() - 33.3).abs() < 0.05);
    assert_eq!(council["weekly"].as_array().unwrap().len(), 1);
    assert_eq!(council["weekly"][0]["enrolled"]["girls"], 1);
    // Enrolled today: no retention check is due yet.
    assert!(
        council["retention"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["due"] == json!({"girls": 0, "boys": 0, "transgender": 0}))
    );
    let part = council["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["place"]["code"] == village.as_str())
        .expect("the village is one of the union council's parts");
    assert_eq!(part["households"], 2);
    assert_eq!(part["out_of_school"]["girls"], 3);
    assert_eq!(part["enrolled"]["girls"], 1);

    // Dates before the surveys: nothing.
    let before = call(
        &app,
        "report",
        json!({"area": uc, "from": "2020-01-01", "to": "2020-01-31"}),
    );
    assert_eq!(before["households"], 0);
    assert_eq!(
        before["out_of_school"],
        json!({"girls": 0, "boys": 0, "transgender": 0})
    );

    // Down to the village's children and Sana's story.
    let children = call(&app, "report_children", json!({"village": village}));
    let names = texts(&children, "/name");
    assert_eq!(names, ["Bilal", "Sana", "Amna", "Zara"]);
    let story = call(&app, "report_child", json!({"id": sana}));
    assert_eq!(story["child"]["name"], "Sana");
    assert_eq!(story["child"]["stage"]["code"], "enrolled");
    assert_eq!(story["village"]["code"], village.as_str());
    assert_eq!(story["visits"][0]["outcome"]["code"], "enrolled");
    assert!(
        !story["visits"][0]["outcome"]["ur"]
            .as_str()
            .unwrap()
            .is_empty()
    );

    // What cannot be answered says which field, in both languages.
    let error = refused(
        &app,
        "report",
        json!({"area": null, "from": "2025-13-01", "to": null}),
    );
    assert_eq!(error.kind, ErrorKind::Invalid);
    assert_eq!(error.fields[0].path, "from");
    assert!(error.en.starts_with("From:") && error.en.contains("2025-13-01"));
    assert!(error.ur.contains("2025-13-01") && error.ur != error.en);
    let error = refused(
        &app,
        "report",
        json!({"area": null, "from": "2025-03-10", "to": "2025-03-01"}),
    );
    assert_eq!(error.kind, ErrorKind::Invalid);
    assert_eq!(error.fields[0].path, "to");
    let error = refused(
        &app,
        "report",
        json!({"area": "nowhere", "from": null, "to": null}),
    );
    assert_eq!(error.kind, ErrorKind::NotFound);
    assert_eq!(error.fields[0].path, "area");
    assert!(error.en.contains("nowhere") && error.ur.contains("nowhere") && error.ur != error.en);
    let error = refused(&app, "report_children", json!({"village": "nowhere"}));
    assert_eq!(error.fields[0].path, "village");
    let error = refused(&app, "report_child", json!({"id": "no-such-child"}));
    assert_eq!(error.kind, ErrorKind::NotFound);
    assert_eq!(error.fields[0].path, "id");
}

#[test]
fn each_survey_step_is_checked_by_the_store_s_rules_for_its_own_fields_only() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    call(&app, "save_survey", survey(&app, "5", vec![]));
    // The place step, with the number taken: refused there, by the store's own rule, and
    // nothing about the roster (whose ages are wrong) or the household step.
    let mut form = survey(&app, "5", vec![child("Zara", "girl", 17, "never_enrolled")]);
    form["household"]["head_name"] = Value::Null;
    let place = json!([
        "household.uc_code",
        "household.village_code",
        "household.household_number"
    ]);
    let found = call(
        &app,
        "check_survey_step",
        json!({"survey": form, "fields": place}),
    );
    let paths = texts(&found, "/path");
    assert_eq!(paths, ["household.household_number"]);
    assert_eq!(found[0]["rule"], "household_number_taken");
    assert_eq!(found[0]["field_en"], "Household › Household number");

    // The roster step: the age of 17, in the store's sentence, and not the schooling the
    // next step asks for.
    form["household"]["household_number"] = json!("6");
    form["children"][0]["schooling"] = Value::Null;
    let roster = json!([
        "children[0].name",
        "children[0].sex",
        "children[0].age_years"
    ]);
    let found = call(
        &app,
        "check_survey_step",
        json!({"survey": form.clone(), "fields": roster}),
    );
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found[0]["path"], "children[0].age_years");
    let saved = refused(&app, "save_survey", form);
    let at_save = saved
        .fields
        .iter()
        .find(|f| f.path == "children[0].age_years")
        .unwrap();
    assert_eq!(
        found[0]["en"],
        at_save.en.as_str(),
        "the same sentence as saving"
    );
    assert_eq!(found[0]["ur"], at_save.ur.as_str());
    // A refused save names the first field broken in its message.
    assert!(saved.en.contains("Household › Head's name"), "{}", saved.en);
    assert!(saved.ur.contains("سربراہ کا نام"), "{}", saved.ur);
}

/// A server that takes connections and never answers: a link with no signal behind it.
fn silent_server() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (listener, url)
}

#[test]
fn a_sync_nobody_answers_gives_up_and_says_what_is_safe_on_the_phone() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir);
    call(&app, "save_survey", survey(&app, "8", sana_bilal_hina()));
    let (_listener, url) = silent_server();
    app.set_sync_timeout(std::time::Duration::from_secs(1));
    let started = std::time::Instant::now();
    let err = refused(&app, "sync", json!({"server_url": url, "token": "t"}));
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(err.kind, ErrorKind::Sync);
    assert_eq!(
        err.en,
        "No answer from the office in 1 seconds – your 1 household and 3 children are safe on this phone. Try again where the signal is better."
    );
    assert!(!err.en.contains("127.0.0.1") && !err.ur.contains("127.0.0.1"));
    assert!(err.ur.contains("1 گھرانہ اور 3 بچے"), "{}", err.ur);
    assert_eq!(call(&app, "sync_progress", json!({}))["running"], false);

    // Nothing was marked sent: home still counts it all, in records.
    let today = call(&app, "today_work", json!({}));
    assert_eq!(today["waiting_to_send"]["households"], 1);
    assert_eq!(today["waiting_to_send"]["children"], 3);
    assert_eq!(today["waiting_to_send"]["en"], "1 household and 3 children");
}

#[test]
fn a_sync_is_cancelled_at_once_while_it_waits() {
    let dir = tempfile::tempdir().unwrap();
    let app = std::sync::Arc::new(app(&dir));
    call(&app, "save_survey", survey(&app, "9", vec![]));
    let (_listener, url) = silent_server();
    let syncing = {
        let app = std::sync::Arc::clone(&app);
        std::thread::spawn(move || app.call("sync", json!({"server_url": url, "token": "t"})))
    };
    // The progress shows it running, waiting for the server, before cancel is pressed.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while call(&app, "sync_progress", json!({}))["running"] != true {
        assert!(
            std::time::Instant::now() < deadline,
            "the sync never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let progress = call(&app, "sync_progress", json!({}));
    assert_eq!(progress["stage"], "connecting");
    assert_eq!(progress["records_to_send"], 1);
    assert_eq!(progress["timeout_seconds"], 30);
    let pressed = std::time::Instant::now();
    assert_eq!(call(&app, "cancel_sync", json!({}))["cancelling"], true);
    let err = syncing.join().unwrap().expect_err("cancelled");
    assert!(pressed.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(
        err.en,
        "Sync stopped – your 1 household is safe on this phone. Sync again when you are ready."
    );
}

/// The raw bytes of a store's file, its WAL and its index.
fn store_bytes(path: &std::path::Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        bytes.extend(std::fs::read(name).unwrap_or_default());
    }
    bytes
}

fn holds(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}

#[test]
fn the_apps_store_is_encrypted_and_a_wrong_key_is_refused_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.sqlite");
    let app = App::open_or_create(&path, &key()).unwrap();
    let input = survey(
        &app,
        "7",
        vec![child("Zarmeena Bibi", "girl", 9, "never_enrolled")],
    );
    let mut input = input;
    input["household"]["head_name"] = json!("Ghulam Rasool");
    call(&app, "save_survey", input);
    for name in ["Zarmeena Bibi", "Ghulam Rasool"] {
        assert!(!holds(&store_bytes(&path), name), "{name} with a live WAL");
    }
    drop(app);
    for name in ["Zarmeena Bibi", "Ghulam Rasool"] {
        assert!(!holds(&store_bytes(&path), name), "{name} checkpointed");
    }
    let app = App::open_or_create(&path, &key()).unwrap();
    let hits = call(&app, "search", json!({"text": "Zarmeena"}));
    assert_eq!(hits["hits"][0]["child_name"], "Zarmeena Bibi", "{hits}");
    drop(app);

    let before = std::fs::read(&path).unwrap();
    let err = App::open_or_create(&path, &StoreKey::Passphrase("1234".into()))
        .err()
        .unwrap();
    assert_eq!(err.kind, ErrorKind::Store);
    assert!(err.en.contains("locked with another key"), "{}", err.en);
    assert!(err.ur.contains("کسی اور کلید سے مقفل"), "{}", err.ur);
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["app.sqlite"]);
}

#[test]
fn a_plain_store_from_before_is_encrypted_when_the_app_opens_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.sqlite");
    {
        // As the app wrote it before encryption: plain, through the store.
        let mut store = daakhla_store::Store::create(&path).unwrap();
        let ctx = daakhla_domain::validation::Context {
            today: chrono::Local::now().date_naive(),
        };
        let reference: daakhla_domain::geography::Geography =
            daakhla_domain::input::decode_one(daakhla_domain::geography::REFERENCE_JSON).unwrap();
        store.import_geography(&reference, &ctx).unwrap();
        let demo = daakhla_demo::demo_geography(&reference, 1, 3);
        store.import_geography(&demo, &ctx).unwrap();
    }
    let app = App::open_or_create(&path, &key()).unwrap();
    let mut input = survey(&app, "9", sana_bilal_hina());
    input["household"]["head_name"] = json!("Ghulam Rasool");
    call(&app, "save_survey", input);
    drop(app);
    assert!(!holds(&store_bytes(&path), "Ghulam Rasool"));
    assert!(matches!(
        daakhla_store::Store::open(&path),
        Err(daakhla_store::StoreError::NotAStore(_))
    ));
    let app = App::open_or_create(&path, &key()).unwrap();
    let hits = call(&app, "search", json!({"text": "Rasool"}));
    assert_eq!(hits["total"], 1, "{hits}");
}
