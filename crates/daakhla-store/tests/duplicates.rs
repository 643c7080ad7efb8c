//! Likely duplicate households: found before a survey is saved and listed for a coordinator,
//! across devices and scripts; merged or marked distinct, they leave the list.

use daakhla_domain::geography::Geography;
use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::input::decode_value;
use daakhla_domain::likeness::Clue;
use daakhla_domain::validation::Context;
use daakhla_store::{Store, StoreError};
use support::relay;

mod support;
use serde_json::{Value, json};

fn ctx() -> Context {
    Context {
        today: "2026-11-22".parse().unwrap(),
    }
}

fn device(dir: &tempfile::TempDir, name: &str) -> Store {
    let geography: Geography = decode_value(json!({
        "provinces": [{"code": "SD", "name": {"en": "Sindh", "ur": "سندھ"}}],
        "districts": [{"code": "SD-THT", "parent": "SD", "name": {"en": "Thatta", "ur": "ٹھٹھہ"}}],
        "tehsils": [{"code": "T1", "parent": "SD-THT", "name": {"en": "T1", "ur": "ت1"}}],
        "union_councils": [{"code": "UC1", "parent": "T1", "name": {"en": "UC one", "ur": "یونین کونسل ایک"}}],
        "villages": [{"code": "V1", "parent": "UC1", "name": {"en": "Goth Ali", "ur": "گوٹھ علی"}},
                     {"code": "V2", "parent": "UC1", "name": {"en": "Goth Sher", "ur": "گوٹھ شیر"}}]
    }))
    .unwrap();
    let mut store = Store::create(dir.path().join(format!("{name}.sqlite"))).unwrap();
    store.import_geography(&geography, &ctx()).unwrap();
    store.set_author(name);
    store
}

/// A survey: children as (name, sex, age).
fn survey(
    village: &str,
    number: &str,
    head: &str,
    children: &[(&str, &str, u8)],
) -> HouseholdSurvey {
    let children: Vec<Value> = children
        .iter()
        .map(|(name, sex, age)| json!({"name": name, "sex": sex, "age_years": age, "father_name": head,
                                       "schooling": {"status": "never_enrolled"}, "reasons_out_of_school": ["cost"]}))
        .collect();
    let mut s: HouseholdSurvey = decode_value(json!({
        "household": {"uc_code": "UC1", "village_code": village, "household_number": number, "consent": true,
                      "head_name": head, "surveyed_by": "Ayesha", "surveyed_on": "2026-11-01"},
        "children": children
    }))
    .unwrap();
    s.link_children();
    s
}

fn roman() -> HouseholdSurvey {
    survey(
        "V1",
        "7",
        "Muhammad Aslam",
        &[("Sana", "girl", 9), ("Bilal", "boy", 7)],
    )
}

fn urdu() -> HouseholdSurvey {
    survey(
        "V1",
        "07",
        "محمد اسلم",
        &[("ثنا", "girl", 9), ("بلال", "boy", 8)],
    )
}

fn neighbour() -> HouseholdSurvey {
    survey("V1", "8", "Muhammad Akram", &[("Imran", "boy", 14)])
}

#[test]
fn a_household_surveyed_on_two_phones_in_two_scripts_is_listed_once_as_a_pair() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, mut b) = (device(&dir, "a"), device(&dir, "b"));
    let (x, y, z) = (roman(), urdu(), neighbour());
    // The same head and children in another village are another household.
    let elsewhere = survey(
        "V2",
        "7",
        "Muhammad Aslam",
        &[("Sana", "girl", 9), ("Bilal", "boy", 7)],
    );
    a.add_surveys(&[x.clone(), z.clone(), elsewhere], &ctx(), &mut |_| {})
        .unwrap();
    b.add_surveys(std::slice::from_ref(&y), &ctx(), &mut |_| {})
        .unwrap();
    relay(&mut b, &mut a);

    let pairs = a.duplicate_pairs(Some("UC1")).unwrap();
    assert_eq!(pairs.len(), 1, "{pairs:#?}");
    let ids = [pairs[0].first.household.id, pairs[0].second.household.id];
    assert!(ids.contains(&x.household.id) && ids.contains(&y.household.id));
    assert!(pairs[0].likeness.clues.contains(&Clue::SameNumber));
    assert!(
        pairs[0]
            .likeness
            .clues
            .contains(&Clue::ChildrenAlike { alike: 2, of: 2 })
    );
    assert_eq!(a.duplicate_pairs(Some("UC9")).unwrap(), vec![]);
}

#[test]
fn a_new_survey_is_checked_against_its_village_before_it_is_saved() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = device(&dir, "a");
    a.add_surveys(&[roman(), neighbour()], &ctx(), &mut |_| {})
        .unwrap();

    let found = a.likely_duplicates_of(&urdu()).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].survey.household.head_name.as_deref(),
        Some("Muhammad Aslam")
    );
    assert!(found[0].likeness.score >= daakhla_domain::likeness::LIKELY_DUPLICATE);
    // Another village's households are not compared; a stored survey is not its own duplicate.
    let mut moved = urdu();
    moved.household.village_code = "V2".into();
    assert!(a.likely_duplicates_of(&moved).unwrap().is_empty());
    assert!(a.likely_duplicates_of(&roman()).unwrap().len() <= 1);
    let stored = a.households(Some("V1"), None).unwrap();
    let aslam = a
        .survey(
            stored
                .iter()
                .find(|h| h.household_number == "7")
                .unwrap()
                .id,
        )
        .unwrap();
    assert!(a.likely_duplicates_of(&aslam).unwrap().is_empty());
}

#[test]
fn a_merged_pair_or_one_marked_distinct_leaves_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = device(&dir, "a");
    let (x, y) = (roman(), urdu());
    let (p, q) = (
        survey("V2", "1", "Ghulam Rasool", &[("Ali", "boy", 6)]),
        survey("V2", "2", "غلام رسول", &[("علی", "boy", 6)]),
    );
    a.add_surveys(
        &[x.clone(), y.clone(), p.clone(), q.clone()],
        &ctx(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(a.duplicate_pairs(None).unwrap().len(), 2);

    a.merge_households(y.household.id, x.household.id).unwrap();
    let left = a.duplicate_pairs(None).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].first.household.village_code, "V2");

    a.mark_distinct(q.household.id, p.household.id).unwrap();
    assert_eq!(a.duplicate_pairs(None).unwrap(), vec![]);
    // Marked again, either way round: still one decision.
    a.mark_distinct(p.household.id, q.household.id).unwrap();
    assert_eq!(a.duplicate_pairs(None).unwrap(), vec![]);
}

#[test]
fn marking_a_household_distinct_from_itself_or_an_unknown_one_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = device(&dir, "a");
    let (x, y) = (roman(), urdu());
    a.add_surveys(&[x.clone(), y.clone()], &ctx(), &mut |_| {})
        .unwrap();

    let StoreError::Invalid(found) = a.mark_distinct(x.household.id, x.household.id).unwrap_err()
    else {
        panic!("not a rule")
    };
    assert_eq!(found.0[0].field.to_string(), "second");
    let unknown = daakhla_domain::ids::HouseholdId::new();
    let StoreError::Invalid(found) = a.mark_distinct(x.household.id, unknown).unwrap_err() else {
        panic!("not a rule")
    };
    assert_eq!(found.0[0].field.to_string(), "second");
    let message = found.0[0].message(daakhla_domain::Lang::En);
    assert!(message.contains(&unknown.to_string()), "{message}");
    // Nothing was recorded: the pair is still offered.
    assert_eq!(a.duplicate_pairs(None).unwrap().len(), 1);
}
