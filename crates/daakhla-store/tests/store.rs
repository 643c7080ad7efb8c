//! The store's saving rules and the field's questions, on real SQLite files.

use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::input::{apply_survey_patch, decode_value};
use daakhla_domain::lifecycle::Stage;
use daakhla_store::{Store, StoreError};
use daakhla_testkit::context::ctx;
use daakhla_testkit::follow_ups::{enrolled_on, visit};
use daakhla_testkit::stores::{dump, temporary};
use daakhla_testkit::surveys::{household, in_school, osc};
use serde_json::{Value, json};

/// Ayesha's survey of 1 September in `village`, in its union council (W1 is UC2's, the others
/// UC1's).
fn survey(village: &str, number: &str, head: &str, children: Value) -> HouseholdSurvey {
    let uc = if village.starts_with('W') {
        "UC2"
    } else {
        "UC1"
    };
    household(uc, village, number)
        .head(head)
        .surveyed_on("2026-09-01")
        .children(children)
        .build()
}

/// Two children out of school and one in school.
fn sana_bilal_hina() -> Value {
    json!([
        osc("Sana", "girl", 9),
        osc("Bilal", "boy", 12),
        in_school("Hina", "girl", 7, 1)
    ])
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
    let (_dir, mut store) = temporary();
    let s = survey("V1", "1", "Muhammad Aslam", sana_bilal_hina());
    let saved = add(&mut store, std::slice::from_ref(&s)).unwrap();
    assert_eq!((saved.saved, saved.unchanged), (1, 0));
    assert_eq!(store.survey(s.household.id).unwrap(), s);
    let counts = store.counts().unwrap();
    assert_eq!((counts.households, counts.children), (1, 3));
}

#[test]
fn places_must_exist_and_the_village_must_lie_in_the_uc() {
    let (_dir, mut store) = temporary();
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
    let (_dir, mut store) = temporary();
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
    let (_dir, mut store) = temporary();
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
    let (_dir, mut store) = temporary();
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
    let (_dir, mut store) = temporary();
    add(
        &mut store,
        &[
            survey(
                "V1",
                "10",
                "A",
                json!([osc("Sana", "girl", 9), in_school("Ali", "boy", 8, 1)]),
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
    let (_dir, mut store) = temporary();
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
                visit(sana, "2026-09-12", enrolled_on("2026-09-10")),
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
    let (_dir, mut store) = temporary();
    let s = survey("V1", "1", "A", json!([osc("Sana", "girl", 9)]));
    add(&mut store, std::slice::from_ref(&s)).unwrap();
    let sana = &s.children[0];
    store
        .add_follow_ups(
            &[visit(sana, "2026-09-12", enrolled_on("2026-09-10"))],
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
    let (_dir, mut store) = temporary();
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
    let (_dir, mut store) = temporary();
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
fn search_compares_names_as_the_duplicate_check_does_ranked_and_counted_whole() {
    let (_dir, mut store) = temporary();
    add(
        &mut store,
        &[
            survey("V1", "1", "Sana Ullah", json!([osc("ثنا", "girl", 9)])),
            survey("V1", "2", "علي رضا", json!([osc("Sanaa", "girl", 7)])),
            survey("V1", "3", "Ghulam Rasool", json!([osc("Hassan", "boy", 8)])),
            survey("V1", "4", "Karim Bakhsh", json!([osc("كريم", "boy", 10)])),
        ],
    )
    .unwrap();
    let names = |page: daakhla_store::SearchPage| -> Vec<String> {
        page.hits
            .into_iter()
            .map(|h| h.child_name.or(h.head_name).unwrap_or_default())
            .collect()
    };
    for text in ["Sana", "ثنا", "SANAA"] {
        let page = store.search_page(text, 0, 10).unwrap();
        assert_eq!(page.total, 3, "{text}");
        let found = names(page);
        // The whole name first (either script), then a name with it as one of its words.
        assert_eq!(found.len(), 3);
        assert!(found[..2].contains(&"ثنا".to_string()), "{text}: {found:?}");
        assert!(
            found[..2].contains(&"Sanaa".to_string()),
            "{text}: {found:?}"
        );
        assert_eq!(found[2], "Sana Ullah");
    }
    // Arabic and Urdu ye and kaf alike; the start of a word with two consonants or more.
    // (One consonant, l: Ullah sounds the same.)
    assert!(names(store.search_page("علی", 0, 10).unwrap()).contains(&"علي رضا".to_string()));
    assert_eq!(
        names(store.search_page("کریم", 0, 10).unwrap()),
        ["كريم", "Karim Bakhsh"]
    );
    assert_eq!(
        names(store.search_page("Ras", 0, 10).unwrap()),
        ["Ghulam Rasool"]
    );
    // A page, and the count of every hit.
    let page = store.search_page("sana", 1, 1).unwrap();
    assert_eq!((page.hits.len(), page.total), (1, 3));
    let past = store.search_page("sana", 5, 1).unwrap();
    assert_eq!((past.hits.len(), past.total), (0, 3));
}

/// A store holding one household of three children, one of them followed up: every table
/// has rows that a stray write would change.
fn store_with_history() -> (tempfile::TempDir, Store, HouseholdSurvey) {
    let (dir, mut store) = temporary();
    let s = survey("V1", "1", "Muhammad Aslam", sana_bilal_hina());
    add(&mut store, std::slice::from_ref(&s)).unwrap();
    store
        .add_follow_ups(
            &[visit(
                &s.children[0],
                "2026-09-05",
                json!({"kind": "admission_pending", "why": "B-form"}),
            )],
            &ctx(),
            &mut |_| {},
        )
        .unwrap();
    (dir, store, s)
}

fn child_ages(store: &Store) -> Vec<(String, u8)> {
    store
        .follow_ups_due(None, None)
        .unwrap()
        .into_iter()
        .map(|d| (d.name, d.age_years))
        .collect()
}

#[test]
fn a_batch_with_one_invalid_survey_changes_no_row_of_any_table() {
    let (_dir, mut store, _) = store_with_history();
    let before = dump(&store);
    for table in [
        "households",
        "children",
        "follow_ups",
        "documents",
        "changes",
    ] {
        assert!(
            before
                .iter()
                .any(|row| row.starts_with(&format!("{table}: "))),
            "{table} has rows to compare"
        );
    }
    let fine = survey("V2", "1", "A", json!([osc("Asma", "girl", 10)]));
    let too_old = survey("V2", "2", "B", json!([osc("Kashif", "boy", 20)]));
    let err = add(&mut store, &[fine, too_old]).unwrap_err();
    assert_eq!(fields(err), ["[1].children[0].age_years age_5_to_16"]);
    assert_eq!(dump(&store), before);
}

#[test]
fn a_batch_longer_than_one_transaction_saves_nothing_when_its_last_survey_is_invalid() {
    let (_dir, mut store) = temporary();
    let mut batch: Vec<HouseholdSurvey> = (1..=450)
        .map(|n| survey("V1", &n.to_string(), "A", json!([osc("Sana", "girl", 9)])))
        .collect();
    batch.push(survey("V1", "451", "", json!([])));
    let err = add(&mut store, &batch).unwrap_err();
    assert_eq!(fields(err), ["[450].household.head_name required"]);
    let counts = store.counts().unwrap();
    assert_eq!((counts.households, counts.children), (0, 0));

    batch.pop();
    let mut reported = Vec::new();
    let saved = store
        .add_surveys(&batch, &ctx(), &mut |done| reported.push(done))
        .unwrap();
    assert_eq!(saved.saved, 450);
    assert_eq!(reported.last(), Some(&450));
    assert_eq!(store.counts().unwrap().children, 450);
}

#[test]
fn an_unknown_union_council_and_village_are_named_at_their_fields() {
    let (_dir, mut store) = temporary();
    let mut nowhere = survey("V9", "1", "A", json!([]));
    nowhere.household.uc_code = "UC9".into();
    let mut village_as_uc = survey("V1", "2", "A", json!([]));
    village_as_uc.household.uc_code = "V2".into();
    let err = add(&mut store, &[nowhere, village_as_uc]).unwrap_err();
    assert_eq!(
        fields(err),
        [
            "[0].household.uc_code unknown_place",
            "[0].household.village_code unknown_place",
            "[1].household.uc_code unknown_place",
            "[1].household.village_code place_not_in_uc"
        ]
    );
    assert_eq!(store.counts().unwrap().households, 0);
}

#[test]
fn a_household_number_taken_in_the_store_is_named_with_its_place_in_the_batch() {
    let (_dir, mut store) = temporary();
    add(&mut store, &[survey("V1", "7", "A", json!([]))]).unwrap();
    let err = add(
        &mut store,
        &[
            survey("V1", "8", "B", json!([])),
            survey("V1", "7", "C", json!([])),
            survey("V1", "8", "D", json!([])),
        ],
    )
    .unwrap_err();
    assert_eq!(
        fields(err),
        [
            "[1].household.household_number household_number_taken",
            "[2].household.household_number household_number_taken"
        ]
    );
    let err = add(
        &mut store,
        &[
            survey("V1", "7", "C", json!([])),
            survey("V1", "7", "D", json!([])),
        ],
    )
    .unwrap_err();
    assert_eq!(
        fields(err),
        [
            "[0].household.household_number household_number_taken",
            "[1].household.household_number household_number_taken"
        ],
        "taken in the store and in the batch is still one mistake"
    );
    assert_eq!(store.counts().unwrap().households, 1);
}

#[test]
fn one_household_listed_twice_in_a_batch_is_refused() {
    let (_dir, mut store) = temporary();
    let first = survey("V1", "1", "A", json!([osc("Sana", "girl", 9)]));
    let mut second = survey("V1", "2", "B", json!([osc("Bilal", "boy", 12)]));
    second.household.id = first.household.id;
    second.link_children();
    second.children[0].household_id = first.household.id;
    let err = add(&mut store, &[first, second]).unwrap_err();
    assert_eq!(fields(err), ["[1].household.id listed_twice"]);
    assert_eq!(store.counts().unwrap().households, 0);
}

#[test]
fn one_child_listed_in_two_households_of_a_batch_is_refused() {
    let (_dir, mut store) = temporary();
    let first = survey("V1", "1", "A", json!([osc("Sana", "girl", 9)]));
    let mut second = survey("V1", "2", "B", json!([osc("Sana", "girl", 9)]));
    second.children[0].id = first.children[0].id;
    let err = add(&mut store, &[first, second]).unwrap_err();
    assert_eq!(fields(err), ["[1].children[0].id listed_twice"]);
    let counts = store.counts().unwrap();
    assert_eq!((counts.households, counts.children), (0, 0));
}

#[test]
fn a_child_already_stored_cannot_be_added_again_in_a_new_household() {
    let (_dir, mut store, s) = store_with_history();
    let before = dump(&store);
    let mut copy = survey("V2", "1", "B", json!([osc("Sana", "girl", 9)]));
    copy.children[0].id = s.children[0].id;
    let err = add(&mut store, &[copy]).unwrap_err();
    assert_eq!(fields(err), ["children[0].id wrong_household"]);
    assert_eq!(dump(&store), before);
}

#[test]
fn adding_a_household_id_already_stored_with_other_content_writes_nothing() {
    let (_dir, mut store, s) = store_with_history();
    let before = dump(&store);
    let mut other = survey("V2", "9", "Someone else", json!([]));
    other.household.id = s.household.id;
    let err = add(&mut store, &[other]).unwrap_err();
    assert_eq!(fields(err), ["household.id already_stored"]);
    assert_eq!(dump(&store), before);
}

#[test]
fn an_edit_changes_the_patched_fields_and_nothing_else() {
    let (_dir, mut store, s) = store_with_history();
    let neighbour = survey("V1", "2", "Ghulam Rasool", json!([osc("Asma", "girl", 10)]));
    add(&mut store, std::slice::from_ref(&neighbour)).unwrap();
    let stored = store.survey(s.household.id).unwrap();
    let patch = json!({"household": {"landmark": "Near the tube well"},
                       "children": [{"id": s.children[1].id.to_string(), "age_years": 13}]});
    let edited = apply_survey_patch(&stored, &patch).unwrap();
    let saved = store
        .replace_surveys(&[edited], &ctx(), &mut |_| {})
        .unwrap();
    assert_eq!((saved.saved, saved.unchanged), (1, 0));

    let mut expected = stored;
    expected.household.landmark = Some("Near the tube well".into());
    expected.children[1].age_years = Some(13);
    assert_eq!(store.survey(s.household.id).unwrap(), expected);
    assert_eq!(store.survey(neighbour.household.id).unwrap(), neighbour);
    assert_eq!(
        child_ages(&store),
        [
            ("Sana".into(), 9),
            ("Bilal".into(), 13),
            ("Asma".into(), 10)
        ],
        "the copied columns follow the edit"
    );
    assert_eq!(
        store
            .child_story(s.children[0].id)
            .unwrap()
            .follow_ups
            .len(),
        1,
        "an edit keeps the children's follow-ups"
    );
}

#[test]
fn an_edit_breaking_a_rule_or_naming_an_unknown_household_writes_nothing() {
    let (_dir, mut store, s) = store_with_history();
    let b = survey("V1", "2", "B", json!([]));
    add(&mut store, std::slice::from_ref(&b)).unwrap();
    let before = dump(&store);
    let fine = apply_survey_patch(
        &store.survey(s.household.id).unwrap(),
        &json!({"household": {"landmark": "Mosque"}}),
    )
    .unwrap();
    let renumbered = apply_survey_patch(
        &store.survey(b.household.id).unwrap(),
        &json!({"household": {"household_number": "1"}}),
    )
    .unwrap();
    let unknown = survey("V1", "3", "C", json!([]));
    let err = store
        .replace_surveys(&[fine, renumbered, unknown], &ctx(), &mut |_| {})
        .unwrap_err();
    assert_eq!(
        fields(err),
        [
            "[1].household.household_number household_number_taken",
            "[2].household.id unknown_record"
        ]
    );
    assert_eq!(dump(&store), before);
}

#[test]
fn children_in_school_moved_away_or_enrolled_are_not_on_the_follow_up_list() {
    let (_dir, mut store) = temporary();
    let a = survey("V1", "2", "A", sana_bilal_hina());
    let b = survey(
        "V2",
        "1",
        "B",
        json!([osc("Asma", "girl", 10), osc("Kashif", "boy", 8)]),
    );
    add(&mut store, &[a.clone(), b.clone()]).unwrap();
    let due = |store: &Store, uc: Option<&str>, village: Option<&str>| -> Vec<(String, Stage)> {
        store
            .follow_ups_due(uc, village)
            .unwrap()
            .into_iter()
            .map(|d| (d.name, d.stage))
            .collect()
    };
    store
        .add_follow_ups(
            &[
                visit(&a.children[0], "2026-09-12", enrolled_on("2026-09-10")),
                visit(&a.children[1], "2026-09-12", json!({"kind": "moved_away"})),
                visit(&b.children[0], "2026-09-12", json!({"kind": "refused"})),
            ],
            &ctx(),
            &mut |_| {},
        )
        .unwrap();
    assert_eq!(
        due(&store, Some("UC1"), None),
        [
            ("Asma".into(), Stage::FollowingUp),
            ("Kashif".into(), Stage::OutOfSchool)
        ]
    );
    assert_eq!(due(&store, None, Some("V1")), []);
    assert_eq!(due(&store, Some("UC2"), None), []);

    let check =
        json!({"kind": "retention_check", "milestone": "1_month", "attending_regularly": true});
    store
        .add_follow_ups(
            &[visit(&a.children[0], "2026-10-12", check)],
            &ctx(),
            &mut |_| {},
        )
        .unwrap();
    assert_eq!(
        due(&store, None, Some("V1")),
        [],
        "a retained child stays off"
    );
    let households = store.households(Some("V1"), None).unwrap();
    assert_eq!(
        (
            households[0].children,
            households[0].out_of_school,
            households[0].to_follow_up
        ),
        (3, 2, 0)
    );
}

#[test]
fn a_childs_story_reads_its_visits_in_date_order_whatever_order_they_were_saved_in() {
    let (_dir, mut store) = temporary();
    let s = survey("V1", "1", "A", json!([osc("Sana", "girl", 9)]));
    add(&mut store, std::slice::from_ref(&s)).unwrap();
    let sana = &s.children[0];
    for (on, outcome) in [
        ("2026-09-20", json!({"kind": "child_working"})),
        ("2026-09-02", json!({"kind": "not_found"})),
        ("2026-09-10", json!({"kind": "refused", "why": "too far"})),
    ] {
        store
            .add_follow_ups(&[visit(sana, on, outcome)], &ctx(), &mut |_| {})
            .unwrap();
    }
    let story = store.child_story(sana.id).unwrap();
    let dates: Vec<String> = story
        .follow_ups
        .iter()
        .map(|f| f.visited_on.to_string())
        .collect();
    assert_eq!(dates, ["2026-09-02", "2026-09-10", "2026-09-20"]);
    assert_eq!(story.lifecycle.stage, Stage::FollowingUp);
    assert_eq!(
        story.lifecycle.last_visit,
        Some("2026-09-20".parse().unwrap())
    );
    assert!(story.lifecycle.retention.is_empty());
    assert_eq!(story.household_number, "1");
    assert_eq!(story.surveyed_on, s.household.surveyed_on);
    assert_eq!(
        store.follow_ups_due(None, None).unwrap()[0]
            .last_visit
            .as_deref(),
        Some("2026-09-20")
    );
    assert!(matches!(
        store.child_story(daakhla_domain::ids::ChildId::new()),
        Err(StoreError::NotFound { .. })
    ));
}

#[test]
fn retention_checks_fall_due_from_the_admission_date_when_no_check_is_done() {
    let (_dir, mut store) = temporary();
    let s = survey("V1", "1", "A", json!([osc("Sana", "girl", 9)]));
    add(&mut store, std::slice::from_ref(&s)).unwrap();
    store
        .add_follow_ups(
            &[visit(
                &s.children[0],
                "2026-09-05",
                json!({"kind": "enrolled", "school": {"name": "GGPS"}, "class": 2}),
            )],
            &ctx(),
            &mut |_| {},
        )
        .unwrap();
    let story = store.child_story(s.children[0].id).unwrap();
    assert_eq!(story.lifecycle.stage, Stage::Enrolled);
    assert_eq!(
        story.lifecycle.enrolled_on,
        Some("2026-09-05".parse().unwrap()),
        "no admission date: the visit's"
    );
    let due: Vec<(String, bool)> = story
        .lifecycle
        .retention
        .iter()
        .map(|r| (r.due_on.to_string(), r.done))
        .collect();
    assert_eq!(
        due,
        [
            ("2026-10-05".into(), false),
            ("2026-12-05".into(), false),
            ("2027-03-05".into(), false)
        ]
    );
}

#[test]
fn search_keeps_to_its_limit_and_finds_households_without_consent_by_number() {
    let (_dir, mut store) = temporary();
    let no_consent: HouseholdSurvey = decode_value(json!({
        "household": {"uc_code": "UC1", "village_code": "V2", "household_number": "44", "consent": false,
                      "surveyed_by": "Ayesha", "surveyed_on": "2026-09-01"}}))
    .unwrap();
    add(
        &mut store,
        &[
            survey(
                "V1",
                "1",
                "Muhammad Aslam",
                json!([osc("Aslam Jr", "boy", 9)]),
            ),
            survey("V1", "2", "Aslam Khan", json!([])),
            no_consent,
        ],
    )
    .unwrap();
    assert_eq!(store.search("aslam", 10).unwrap().len(), 3);
    assert_eq!(store.search("aslam", 2).unwrap().len(), 2);
    let hits = store.search(" 44 ", 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        (hits[0].village_code.as_str(), hits[0].head_name.as_deref()),
        ("V2", None)
    );
    assert!(
        store.search("4", 10).unwrap().is_empty(),
        "numbers match whole"
    );
}

#[test]
fn follow_ups_refused_by_the_stores_rules_write_nothing() {
    let (_dir, mut store, s) = store_with_history();
    let bilal = &s.children[1];
    store
        .add_follow_ups(
            &[visit(bilal, "2026-10-01", enrolled_on("2026-09-10"))],
            &ctx(),
            &mut |_| {},
        )
        .unwrap();
    let before = dump(&store);
    let stored_id = store.child_story(s.children[0].id).unwrap().follow_ups[0].id;
    let mut repeat = visit(&s.children[0], "2026-09-06", json!({"kind": "not_found"}));
    repeat.id = stored_id;
    let mut stranger = s.children[0].clone();
    stranger.id = daakhla_domain::ids::ChildId::new();
    let check =
        json!({"kind": "retention_check", "milestone": "1_month", "attending_regularly": true});
    let err = store
        .add_follow_ups(
            &[
                // Fine alone: on the survey's own day.
                visit(&s.children[2], "2026-09-01", json!({"kind": "not_found"})),
                repeat,
                visit(&stranger, "2026-09-05", json!({"kind": "not_found"})),
                visit(bilal, "2026-08-31", json!({"kind": "not_found"})),
                // Bilal's enrolment is stored, but dated after this check.
                visit(bilal, "2026-09-20", check),
            ],
            &ctx(),
            &mut |_| {},
        )
        .unwrap_err();
    assert_eq!(
        fields(err),
        [
            "[1].id already_stored",
            "[2].child_id unknown_record",
            "[3].visited_on follow_up_before_survey",
            "[4].outcome.kind retention_before_enrolment"
        ]
    );
    assert_eq!(dump(&store), before);
}

#[test]
fn two_edits_of_one_household_in_a_batch_are_refused_rather_than_one_lost() {
    let (_dir, mut store, s) = store_with_history();
    let before = dump(&store);
    let stored = store.survey(s.household.id).unwrap();
    let one = apply_survey_patch(&stored, &json!({"household": {"landmark": "Mosque"}})).unwrap();
    let other =
        apply_survey_patch(&stored, &json!({"household": {"head_name": "M. Aslam"}})).unwrap();
    let err = store
        .replace_surveys(&[one, other], &ctx(), &mut |_| {})
        .unwrap_err();
    assert_eq!(fields(err), ["[1].household.id listed_twice"]);
    assert_eq!(dump(&store), before);
}

#[test]
fn enrolled_children_are_those_a_follow_up_enrolled_until_they_drop_out_again() {
    let (_dir, mut store) = temporary();
    let s = survey("V1", "1", "Muhammad Aslam", sana_bilal_hina());
    add(&mut store, std::slice::from_ref(&s)).unwrap();
    assert!(store.enrolled_children().unwrap().is_empty());
    let (sana, bilal) = (&s.children[0], &s.children[1]);
    let visits = [
        visit(sana, "2026-11-05", enrolled_on("2026-09-10")),
        visit(bilal, "2026-11-05", enrolled_on("2026-09-10")),
    ];
    store.add_follow_ups(&visits, &ctx(), &mut |_| {}).unwrap();
    assert_eq!(store.enrolled_children().unwrap(), vec![sana.id, bilal.id]);
    let dropped = visit(
        bilal,
        "2026-11-20",
        json!({"kind": "retention_check", "milestone": "1_month", "attending_regularly": false, "dropped_out": true}),
    );
    store
        .add_follow_ups(&[dropped], &ctx(), &mut |_| {})
        .unwrap();
    assert_eq!(store.enrolled_children().unwrap(), vec![sana.id]);
}

#[test]
fn a_record_is_not_yet_sent_until_the_server_acknowledges_its_changes() {
    let (_dir, mut store) = temporary();
    let s = survey("V1", "1", "Muhammad Aslam", sana_bilal_hina());
    add(&mut store, std::slice::from_ref(&s)).unwrap();
    let unsent = store.records_not_yet_sent().unwrap();
    assert!(unsent.contains(&s.household.id.to_string()));
    assert_eq!(unsent.len(), 4, "the household and its three children");
    let last = store.changes_to_push(100).unwrap().last().unwrap().seq;
    store.mark_pushed(last).unwrap();
    assert!(store.records_not_yet_sent().unwrap().is_empty());
}
