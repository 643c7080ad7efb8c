//! Likely duplicate households: found before a survey is saved and listed for a coordinator,
//! across devices and scripts; merged or marked distinct, they leave the list.

use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::likeness::Clue;
use daakhla_store::StoreError;
use daakhla_testkit::context::ctx;
use daakhla_testkit::stores::{device_store, relay};
use daakhla_testkit::surveys::{household, osc};

/// A survey: children as (name, sex, age), the head their father.
fn survey(
    village: &str,
    number: &str,
    head: &str,
    children: &[(&str, &str, u8)],
) -> HouseholdSurvey {
    let mut survey = household("UC1", village, number).head(head);
    for (name, sex, age) in children {
        let mut child = osc(name, sex, *age);
        child["father_name"] = head.into();
        survey = survey.child(child);
    }
    survey.build()
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
    let (mut a, mut b) = (device_store(dir.path(), "a"), device_store(dir.path(), "b"));
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
    let mut a = device_store(dir.path(), "a");
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
    let mut a = device_store(dir.path(), "a");
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
    let mut a = device_store(dir.path(), "a");
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
