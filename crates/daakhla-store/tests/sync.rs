//! Two stores exchanging changes directly (no network): what sync relies on from the store.

use daakhla_domain::household::HouseholdSurvey;
use daakhla_store::IncomingChange;
use daakhla_testkit::context::ctx;
use daakhla_testkit::reports;
use daakhla_testkit::stores::{device_store, edit, relay};
use daakhla_testkit::surveys::{household, osc};
use serde_json::json;

/// Sana's household, surveyed on 1 November.
fn survey() -> HouseholdSurvey {
    household("UC1", "V1", "7")
        .head("Muhammad Aslam")
        .members(6)
        .child(osc("Sana", "girl", 9))
        .build()
}

#[test]
fn a_survey_made_on_one_device_arrives_whole_on_another() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, mut b) = (device_store(dir.path(), "a"), device_store(dir.path(), "b"));
    let s = survey();
    a.add_surveys(std::slice::from_ref(&s), &ctx(), &mut |_| {})
        .unwrap();
    assert_eq!(
        relay(&mut a, &mut b),
        2,
        "one change for the household, one for the child"
    );
    assert_eq!(b.survey(s.household.id).unwrap(), s);
    assert_eq!(b.follow_ups_due(Some("UC1"), None).unwrap().len(), 1);
    assert_eq!(a.snapshot().unwrap(), b.snapshot().unwrap());
    assert_eq!(a.changes_waiting_to_push().unwrap(), 0);
    assert_eq!(
        b.changes_waiting_to_push().unwrap(),
        0,
        "received changes are not sent back"
    );
}

#[test]
fn offline_edits_of_different_fields_both_survive_and_the_same_field_is_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, mut b) = (
        device_store(dir.path(), "ayesha"),
        device_store(dir.path(), "naila"),
    );
    let s = survey();
    let id = s.household.id;
    a.add_surveys(std::slice::from_ref(&s), &ctx(), &mut |_| {})
        .unwrap();
    relay(&mut a, &mut b);

    edit(
        &mut a,
        id,
        &json!({"household": {"members": 7, "head_name": "Muhammad Aslam Khan"}}),
        &ctx(),
    );
    edit(
        &mut b,
        id,
        &json!({"household": {"landmark": "Near the mosque", "head_name": "محمد اسلم"}}),
        &ctx(),
    );
    relay(&mut a, &mut b);
    relay(&mut b, &mut a);

    assert_eq!(
        a.snapshot().unwrap(),
        b.snapshot().unwrap(),
        "both devices converge"
    );
    let merged = a.survey(id).unwrap().household;
    assert_eq!(merged.members, Some(7));
    assert_eq!(merged.landmark.as_deref(), Some("Near the mosque"));
    let conflicts = a.conflicts().unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].field, "head_name");
    let mut both = vec![conflicts[0].winner.clone(), conflicts[0].losers[0].clone()];
    both.sort_by_key(|v| v.to_string());
    assert_eq!(both, [json!("Muhammad Aslam Khan"), json!("محمد اسلم")]);
    assert_eq!(b.conflicts().unwrap(), conflicts);

    // The coordinator's choice is an edit like any other, and it syncs.
    a.set_author("coordinator");
    edit(
        &mut a,
        id,
        &json!({"household": {"head_name": "Muhammad Aslam Khan"}}),
        &ctx(),
    );
    relay(&mut a, &mut b);
    assert!(a.conflicts().unwrap().is_empty() && b.conflicts().unwrap().is_empty());
    assert_eq!(
        b.survey(id).unwrap().household.head_name.as_deref(),
        Some("Muhammad Aslam Khan")
    );

    let history = b.history(&id.to_string()).unwrap();
    let who: Vec<(&str, Vec<String>)> = history
        .iter()
        .map(|h| (h.author.as_str(), h.fields.clone()))
        .collect();
    assert_eq!(who[0].0, "ayesha");
    assert!(
        who.contains(&("naila", vec!["head_name".into(), "landmark".into()])),
        "{who:?}"
    );
    assert_eq!(
        who.last().unwrap(),
        &("coordinator", vec!["head_name".to_string()])
    );
}

#[test]
fn receiving_a_batch_twice_or_out_of_order_changes_nothing_more() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, mut b) = (device_store(dir.path(), "a"), device_store(dir.path(), "b"));
    let s = survey();
    a.add_surveys(std::slice::from_ref(&s), &ctx(), &mut |_| {})
        .unwrap();
    edit(
        &mut a,
        s.household.id,
        &json!({"household": {"members": 8}}),
        &ctx(),
    );
    edit(
        &mut a,
        s.household.id,
        &json!({"household": {"members": 9}}),
        &ctx(),
    );
    let batch: Vec<IncomingChange> = a
        .changes_to_push(100)
        .unwrap()
        .into_iter()
        .map(|c| IncomingChange {
            doc_id: c.doc_id,
            kind: c.kind,
            bytes: c.bytes,
        })
        .collect();
    // The last edit first: it waits for the ones it depends on.
    let mut reversed = batch.clone();
    reversed.reverse();
    b.receive(&reversed[..1], Some("1")).unwrap();
    let first = b.receive(&batch, Some("2")).unwrap();
    let again = b.receive(&batch, Some("2")).unwrap();
    assert_eq!(again.new_changes, 0);
    assert_eq!(first.new_changes, batch.len() - 1);
    assert_eq!(b.survey(s.household.id).unwrap().household.members, Some(9));
    assert_eq!(a.snapshot().unwrap(), b.snapshot().unwrap());
    assert_eq!(b.pull_cursor().unwrap().as_deref(), Some("2"));
}

#[test]
fn a_child_that_arrives_before_its_household_is_shown_once_the_household_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, mut b) = (device_store(dir.path(), "a"), device_store(dir.path(), "b"));
    let s = survey();
    a.add_surveys(std::slice::from_ref(&s), &ctx(), &mut |_| {})
        .unwrap();
    let changes: Vec<IncomingChange> = a
        .changes_to_push(100)
        .unwrap()
        .into_iter()
        .map(|c| IncomingChange {
            doc_id: c.doc_id,
            kind: c.kind,
            bytes: c.bytes,
        })
        .collect();
    let (household, child): (Vec<_>, Vec<_>) = changes
        .into_iter()
        .partition(|c| c.kind == daakhla_domain::RecordKind::Household);
    b.receive(&child, Some("1")).unwrap();
    assert!(b.survey(s.household.id).is_err(), "no household yet");
    let received = b.receive(&household, Some("2")).unwrap();
    assert_eq!(
        received.records, 2,
        "the household, and the child waiting for it"
    );
    assert_eq!(b.survey(s.household.id).unwrap(), s);
    assert_eq!(a.snapshot().unwrap(), b.snapshot().unwrap());
}

fn second_survey(number: &str) -> HouseholdSurvey {
    let mut s = survey();
    s.household.id = daakhla_domain::ids::HouseholdId::new();
    s.household.household_number = number.into();
    for child in &mut s.children {
        child.id = daakhla_domain::ids::ChildId::new();
        child.household_id = s.household.id;
    }
    s
}

#[test]
fn two_devices_merging_two_households_into_each_other_settle_on_one() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, mut b) = (device_store(dir.path(), "a"), device_store(dir.path(), "b"));
    let (x, y) = (survey(), second_survey("8"));
    a.add_surveys(&[x.clone(), y.clone()], &ctx(), &mut |_| {})
        .unwrap();
    relay(&mut a, &mut b);

    // Offline, each decides the other household is the duplicate.
    a.merge_households(x.household.id, y.household.id).unwrap();
    b.merge_households(y.household.id, x.household.id).unwrap();
    relay(&mut a, &mut b);
    relay(&mut b, &mut a);

    assert_eq!(a.snapshot().unwrap(), b.snapshot().unwrap());
    let shown = a.households(None, Some("UC1")).unwrap();
    assert_eq!(shown.len(), 1, "one household stays");
    let stays = x.household.id.min(y.household.id);
    assert_eq!(shown[0].id, stays, "the smaller id stays, on every device");
    // Sana is on both rosters: each device deleted the same one of her two records.
    assert_eq!(
        shown[0].children, 1,
        "both rosters end up under it, Sana once"
    );
    assert_eq!(a.survey(stays).unwrap().children.len(), 1);
    assert_eq!(b.follow_ups_due(Some("UC1"), None).unwrap().len(), 1);
}

#[test]
fn a_delete_is_a_tombstone_that_syncs_and_wins_over_a_concurrent_edit() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, mut b) = (device_store(dir.path(), "a"), device_store(dir.path(), "b"));
    let s = survey();
    a.add_surveys(std::slice::from_ref(&s), &ctx(), &mut |_| {})
        .unwrap();
    relay(&mut a, &mut b);
    a.delete_household(s.household.id).unwrap();
    edit(
        &mut b,
        s.household.id,
        &json!({"household": {"members": 9}}),
        &ctx(),
    );
    relay(&mut a, &mut b);
    relay(&mut b, &mut a);
    assert_eq!(a.snapshot().unwrap(), b.snapshot().unwrap());
    for store in [&a, &b] {
        assert!(store.households(None, None).unwrap().is_empty());
        assert!(store.follow_ups_due(None, None).unwrap().is_empty());
        assert_eq!(reports::union_council(store, "UC1").households, 0);
    }
    // The tombstone keeps the household from coming back with an old change.
    let mut c = device_store(dir.path(), "c");
    relay(&mut a, &mut c);
    assert!(c.households(None, None).unwrap().is_empty());
}
