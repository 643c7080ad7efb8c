//! The store's saving rules and the field's questions, on real SQLite files.

use daakhla_domain::followup::FollowUp;
use daakhla_domain::geography::Geography;
use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::input::{apply_survey_patch, decode_value};
use daakhla_domain::lifecycle::Stage;
use daakhla_domain::validation::Context;
use daakhla_store::{BySex, Store, StoreError};
use serde_json::{Value, json};

fn ctx() -> Context {
    Context {
        today: "2026-11-22".parse().unwrap(),
    }
}

fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::create(dir.path().join("store.sqlite")).unwrap();
    let geo: Geography = decode_value(json!({
        "provinces": [{"code": "SD", "name": {"en": "Sindh", "ur": "سندھ"}}],
        "districts": [{"code": "SD-THT", "parent": "SD", "name": {"en": "Thatta", "ur": "ٹھٹھہ"}}],
        "tehsils": [{"code": "T1", "parent": "SD-THT", "name": {"en": "T1", "ur": "ت1"}}],
        "union_councils": [
            {"code": "UC1", "parent": "T1", "name": {"en": "UC one", "ur": "یونین کونسل ایک"}},
            {"code": "UC2", "parent": "T1", "name": {"en": "UC two", "ur": "یونین کونسل دو"}}],
        "villages": [
            {"code": "V1", "parent": "UC1", "name": {"en": "Goth Ali", "ur": "گوٹھ علی"}},
            {"code": "V2", "parent": "UC1", "name": {"en": "Goth Sher", "ur": "گوٹھ شیر"}},
            {"code": "W1", "parent": "UC2", "name": {"en": "Basti", "ur": "بستی"}}]
    }))
    .unwrap();
    store.import_geography(&geo, &ctx()).unwrap();
    (dir, store)
}

fn survey(village: &str, number: &str, head: &str, children: Value) -> HouseholdSurvey {
    let uc = if village.starts_with('W') {
        "UC2"
    } else {
        "UC1"
    };
    let mut survey: HouseholdSurvey = decode_value(json!({
        "household": {"uc_code": uc, "village_code": village, "household_number": number, "consent": true,
                      "head_name": head, "surveyed_by": "Ayesha", "surveyed_on": "2026-09-01"},
        "children": children
    }))
    .unwrap();
    survey.link_children();
    survey
}

fn osc(name: &str, sex: &str, age: u8) -> Value {
    json!({"name": name, "sex": sex, "age_years": age, "schooling": {"status": "never_enrolled"},
           "reasons_out_of_school": ["cost"]})
}

fn in_school(name: &str, sex: &str, age: u8) -> Value {
    json!({"name": name, "sex": sex, "age_years": age, "schooling": {"status": "enrolled", "class": 1}})
}

fn visit(child: &daakhla_domain::child::Child, on: &str, outcome: Value) -> FollowUp {
    decode_value(json!({"child_id": child.id.to_string(), "visited_on": on, "visited_by": "Ayesha", "outcome": outcome}))
        .unwrap()
}

/// Two children out of school and one in school.
fn sana_bilal_hina() -> Value {
    json!([
        osc("Sana", "girl", 9),
        osc("Bilal", "boy", 12),
        in_school("Hina", "girl", 7)
    ])
}

fn enrolled() -> Value {
    json!({"kind": "enrolled", "school": {"name": "GGPS Goth Ali"}, "class": 1, "admitted_on": "2026-09-10"})
}

fn add(store: &mut Store, surveys: &[HouseholdSurvey]) -> Result<daakhla_store::Saved, StoreError> {
    store.add_surveys(surveys, &ctx(), &mut |_| {})
}

fn fields(err: StoreError) -> Vec<String> {
    match err {
        StoreError::Invalid(v) => {
            v.0.iter()
                .map(|v| format!("{} {}", v.field, v.rule.code()))
                .collect()
        }
        other => panic!("expected violations, got {other}"),
    }
}

#[test]
fn a_household_and_its_roster_are_saved_and_read_back_whole() {
    let (_dir, mut store) = store();
    let s = survey("V1", "1", "Muhammad Aslam", sana_bilal_hina());
    let saved = add(&mut store, std::slice::from_ref(&s)).unwrap();
    assert_eq!((saved.saved, saved.unchanged), (1, 0));
    assert_eq!(store.survey(s.household.id).unwrap(), s);
    let counts = store.counts().unwrap();
    assert_eq!((counts.households, counts.children), (1, 3));
}

#[test]
fn places_must_exist_and_the_village_must_lie_in_the_uc() {
    let (_dir, mut store) = store();
    let mut wrong_uc = survey("W1", "1", "A", json!([]));
    wrong_uc.household.uc_code = "UC1".into();
    let unknown = survey("V9", "1", "A", json!([]));
    let err = add(&mut store, &[wrong_uc, unknown]).unwrap_err();
    assert_eq!(
        fields(err),
        [
            "[0].household.village_code place_not_in_uc",
            "[1].household.village_code unknown_place"
        ]
    );
    assert_eq!(store.counts().unwrap().households, 0);
}

#[test]
fn a_household_number_is_unique_in_its_village_in_the_store_and_in_a_batch() {
    let (_dir, mut store) = store();
    add(&mut store, &[survey("V1", "1", "A", json!([]))]).unwrap();
    let err = add(&mut store, &[survey("V1", "1", "B", json!([]))]).unwrap_err();
    assert_eq!(
        fields(err),
        ["household.household_number household_number_taken"]
    );
    let err = add(
        &mut store,
        &[
            survey("V2", "5", "B", json!([])),
            survey("V2", "5", "C", json!([])),
        ],
    )
    .unwrap_err();
    assert_eq!(
        fields(err),
        ["[1].household.household_number household_number_taken"]
    );
    // The same number in another village is fine.
    add(&mut store, &[survey("V2", "1", "D", json!([]))]).unwrap();
    assert_eq!(store.counts().unwrap().households, 2);
}

#[test]
fn adding_the_same_survey_again_is_skipped_but_a_different_one_with_its_id_is_refused() {
    let (_dir, mut store) = store();
    let s = survey("V1", "1", "A", json!([osc("Sana", "girl", 9)]));
    add(&mut store, std::slice::from_ref(&s)).unwrap();
    let again = add(&mut store, std::slice::from_ref(&s)).unwrap();
    assert_eq!((again.saved, again.unchanged), (0, 1));
    let mut changed = s.clone();
    changed.household.head_name = Some("Someone else".into());
    let err = add(&mut store, &[changed]).unwrap_err();
    assert!(fields(err).contains(&"household.id already_stored".to_string()));
}

#[test]
fn an_edit_changes_only_what_it_names_and_needs_a_stored_household() {
    let (_dir, mut store) = store();
    let s = survey("V1", "1", "Muhammad Aslam", json!([osc("Sana", "girl", 9)]));
    add(&mut store, std::slice::from_ref(&s)).unwrap();
    let patch = json!({"household": {"head_name": "Muhammad Aslam Khan"},
                       "children": [{"id": s.children[0].id.to_string(), "schooling": {"status": "enrolled", "class": 3},
                                     "reasons_out_of_school": null}]});
    let edited = apply_survey_patch(&store.survey(s.household.id).unwrap(), &patch).unwrap();
    store
        .replace_surveys(&[edited], &ctx(), &mut |_| {})
        .unwrap();
    let now = store.survey(s.household.id).unwrap();
    assert_eq!(
        now.household.head_name.as_deref(),
        Some("Muhammad Aslam Khan")
    );
    assert_eq!(now.household.household_number, "1");
    assert!(!now.children[0].is_out_of_school());
    assert!(
        store.follow_ups_due(None, None).unwrap().is_empty(),
        "the child's stage follows the edit"
    );

    let never_stored = survey("V1", "2", "B", json!([]));
    let err = store
        .replace_surveys(&[never_stored], &ctx(), &mut |_| {})
        .unwrap_err();
    assert_eq!(fields(err), ["household.id unknown_record"]);
}

#[test]
fn households_of_a_village_come_with_their_counts_in_number_order() {
    let (_dir, mut store) = store();
    add(
        &mut store,
        &[
            survey(
                "V1",
                "10",
                "A",
                json!([osc("Sana", "girl", 9), in_school("Ali", "boy", 8)]),
            ),
            survey("V1", "9", "B", json!([])),
            survey("V2", "1", "C", json!([osc("Asma", "girl", 10)])),
        ],
    )
    .unwrap();
    let list = store.households(Some("V1"), None).unwrap();
    let numbers: Vec<&str> = list.iter().map(|h| h.household_number.as_str()).collect();
    assert_eq!(numbers, ["9", "10"]);
    assert_eq!(
        (
            list[1].children,
            list[1].out_of_school,
            list[1].to_follow_up
        ),
        (2, 1, 1)
    );
    assert_eq!(store.households(None, Some("UC1")).unwrap().len(), 3);
    assert!(store.households(Some("W1"), None).unwrap().is_empty());
}

#[test]
fn the_follow_up_list_follows_each_childs_story() {
    let (_dir, mut store) = store();
    let s = survey("V1", "1", "A", sana_bilal_hina());
    add(&mut store, std::slice::from_ref(&s)).unwrap();
    let names = |store: &Store| -> Vec<String> {
        store
            .follow_ups_due(Some("UC1"), None)
            .unwrap()
            .into_iter()
            .map(|d| d.name)
            .collect()
    };
    assert_eq!(names(&store), ["Sana", "Bilal"]);

    let sana = &s.children[0];
    store
        .add_follow_ups(
            &[
                visit(
                    sana,
                    "2026-09-05",
                    json!({"kind": "admission_pending", "why": "B-form"}),
                ),
                visit(sana, "2026-09-12", enrolled()),
            ],
            &ctx(),
            &mut |_| {},
        )
        .unwrap();
    assert_eq!(names(&store), ["Bilal"]);

    let check = json!({"kind": "retention_check", "milestone": "1_month", "attending_regularly": false, "dropped_out": true,
                       "dropout_reasons": ["child_works"]});
    store
        .add_follow_ups(&[visit(sana, "2026-10-15", check)], &ctx(), &mut |_| {})
        .unwrap();
    assert_eq!(
        names(&store),
        ["Sana", "Bilal"],
        "a child who drops out again is back on the list"
    );

    let story = store.child_story(sana.id).unwrap();
    let dates: Vec<String> = story
        .follow_ups
        .iter()
        .map(|f| f.visited_on.to_string())
        .collect();
    assert_eq!(dates, ["2026-09-05", "2026-09-12", "2026-10-15"]);
    assert_eq!(story.lifecycle.stage, Stage::DroppedOutAgain);
}

#[test]
fn a_childs_story_shows_retention_checks_due_from_admission() {
    let (_dir, mut store) = store();
    let s = survey("V1", "1", "A", json!([osc("Sana", "girl", 9)]));
    add(&mut store, std::slice::from_ref(&s)).unwrap();
    let sana = &s.children[0];
    store
        .add_follow_ups(
            &[visit(sana, "2026-09-12", enrolled())],
            &ctx(),
            &mut |_| {},
        )
        .unwrap();
    let check = json!({"kind": "retention_check", "milestone": "1_month", "attending_regularly": true, "days_attended_last_week": 5});
    store
        .add_follow_ups(&[visit(sana, "2026-10-12", check)], &ctx(), &mut |_| {})
        .unwrap();
    let story = store.child_story(sana.id).unwrap();
    assert_eq!(story.lifecycle.stage, Stage::Retained);
    let due: Vec<(String, bool)> = story
        .lifecycle
        .retention
        .iter()
        .map(|r| (r.due_on.to_string(), r.done))
        .collect();
    assert_eq!(
        due,
        [
            ("2026-10-10".into(), true),
            ("2026-12-10".into(), false),
            ("2027-03-10".into(), false)
        ]
    );
}

#[test]
fn follow_ups_that_need_the_store_are_checked_against_it() {
    let (_dir, mut store) = store();
    let s = survey("V1", "1", "A", json!([osc("Sana", "girl", 9)]));
    add(&mut store, std::slice::from_ref(&s)).unwrap();
    let sana = &s.children[0];
    let mut stranger = sana.clone();
    stranger.id = daakhla_domain::ids::ChildId::new();
    let check =
        json!({"kind": "retention_check", "milestone": "1_month", "attending_regularly": true});
    let err = store
        .add_follow_ups(
            &[
                visit(&stranger, "2026-09-05", json!({"kind": "not_found"})),
                visit(sana, "2026-08-30", json!({"kind": "not_found"})),
                visit(sana, "2026-09-20", check),
            ],
            &ctx(),
            &mut |_| {},
        )
        .unwrap_err();
    assert_eq!(
        fields(err),
        [
            "[0].child_id unknown_record",
            "[1].visited_on follow_up_before_survey",
            "[2].outcome.kind retention_before_enrolment"
        ]
    );
    assert_eq!(store.counts().unwrap().follow_ups, 0);
}

#[test]
fn search_finds_numbers_heads_and_children_in_either_script() {
    let (_dir, mut store) = store();
    add(
        &mut store,
        &[
            survey(
                "V1",
                "17",
                "Muhammad Aslam",
                json!([osc("Sana", "girl", 9)]),
            ),
            survey("V1", "18", "غلام رسول", json!([osc("زینب", "girl", 11)])),
        ],
    )
    .unwrap();
    let heads = |text: &str| -> Vec<String> {
        store
            .search(text, 10)
            .unwrap()
            .into_iter()
            .map(|h| h.household_number + "/" + &h.child_name.unwrap_or_default())
            .collect()
    };
    assert_eq!(heads("17"), ["17/"]);
    assert_eq!(heads("ASLAM"), ["17/"]);
    assert_eq!(heads("sana"), ["17/Sana"]);
    assert_eq!(heads("رسول"), ["18/"]);
    assert_eq!(heads("زینب"), ["18/زینب"]);
    assert!(heads("Nobody").is_empty());
    assert!(heads("%").is_empty(), "wildcards are taken literally");
}

#[test]
fn the_uc_report_counts_girls_and_boys_apart() {
    let (_dir, mut store) = store();
    let a = survey("V1", "1", "A", sana_bilal_hina());
    let b = survey(
        "V2",
        "1",
        "B",
        json!([osc("Asma", "girl", 14), osc("Zara", "transgender", 15)]),
    );
    let other_uc = survey("W1", "1", "C", json!([osc("Ali", "boy", 9)]));
    add(&mut store, &[a.clone(), b, other_uc]).unwrap();
    store
        .add_follow_ups(
            &[visit(&a.children[0], "2026-09-12", enrolled())],
            &ctx(),
            &mut |_| {},
        )
        .unwrap();

    let report = store.uc_report("UC1").unwrap();
    let n = |girls, boys, transgender| BySex {
        girls,
        boys,
        transgender,
    };
    assert_eq!(report.households, 2);
    assert_eq!(report.children, n(3, 1, 1));
    assert_eq!(report.out_of_school, n(2, 1, 1));
    assert_eq!(report.enrolled, n(1, 0, 0));
    assert_eq!(report.still_to_follow_up, n(1, 1, 1));
    let bands: Vec<BySex> = report
        .out_of_school_by_age
        .iter()
        .map(|(_, c)| *c)
        .collect();
    assert_eq!(bands, [n(1, 0, 0), n(0, 1, 0), n(1, 0, 1)]);
    assert_eq!(report.reasons.len(), 1);
    assert_eq!(report.reasons[0].children, n(2, 1, 1));
    assert!(matches!(
        store.uc_report("UC9"),
        Err(StoreError::NotFound { .. })
    ));
}
