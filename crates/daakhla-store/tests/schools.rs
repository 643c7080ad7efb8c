//! Schools and their infrastructure needs in the store.

use daakhla_domain::codes::NeedStatus;
use daakhla_domain::school::School;
use daakhla_store::StoreError;
use daakhla_testkit::context::ctx;
use daakhla_testkit::schools::{need, school_with};
use daakhla_testkit::stores::temporary;
use serde_json::json;

/// A girls' school called `name`, with its EMIS code.
fn school(uc: &str, village: Option<&str>, name: &str) -> School {
    school_with(
        uc,
        village,
        name,
        json!({"gender": "girls", "emis_code": "415030123"}),
    )
}

fn fields(err: StoreError) -> Vec<String> {
    match err {
        StoreError::Invalid(v) => v.0.iter().map(|v| v.field.to_string()).collect(),
        other => panic!("expected violations, got {other}"),
    }
}

#[test]
fn schools_and_needs_are_saved_listed_and_moved_on() {
    let (_dir, mut store) = temporary();
    let ggps = school("UC1", Some("V1"), "GGPS Goth Ali");
    let other = school("UC2", None, "GBPS Basti");
    store
        .save_schools(&[ggps.clone(), other.clone()], &ctx(), &mut |_| {})
        .unwrap();
    assert_eq!(store.schools(Some("UC1")).unwrap(), vec![ggps.clone()]);
    assert_eq!(store.schools(None).unwrap().len(), 2);

    let wall = need(&ggps, "boundary_wall", json!({}));
    store
        .save_needs(std::slice::from_ref(&wall), &ctx(), &mut |_| {})
        .unwrap();
    assert_eq!(store.needs(Some("UC1")).unwrap(), vec![wall.clone()]);
    assert!(store.needs(Some("UC2")).unwrap().is_empty());

    // The need moves on: raised with an official, then resolved.
    let mut resolved = wall.clone();
    resolved.raised_on = Some("2026-11-05".parse().unwrap());
    resolved.resolved_on = Some("2026-11-20".parse().unwrap());
    store
        .save_needs(std::slice::from_ref(&resolved), &ctx(), &mut |_| {})
        .unwrap();
    let stored = store.needs(None).unwrap();
    assert_eq!(stored, vec![resolved]);
    assert_eq!(stored[0].status(), NeedStatus::Resolved);
    // Both are records that sync: each save is a change.
    assert_eq!(store.changes_waiting_to_push().unwrap(), 4);
}

#[test]
fn a_school_in_an_unknown_place_or_a_need_breaking_a_rule_saves_nothing() {
    let (_dir, mut store) = temporary();
    let ggps = school("UC1", Some("V1"), "GGPS Goth Ali");
    let err = store
        .save_schools(
            &[ggps.clone(), school("UC9", Some("V1"), "Nowhere")],
            &ctx(),
            &mut |_| {},
        )
        .unwrap_err();
    assert_eq!(fields(err), ["[1].uc_code", "[1].village_code"]);
    assert!(store.schools(None).unwrap().is_empty(), "nothing saved");

    store
        .save_schools(std::slice::from_ref(&ggps), &ctx(), &mut |_| {})
        .unwrap();
    let unknown = school("UC1", None, "Not saved");
    let err = store
        .save_needs(
            &[
                need(&ggps, "boundary_wall", json!({"resolved_on": "2026-11-01"})),
                need(&unknown, "boundary_wall", json!({})),
            ],
            &ctx(),
            &mut |_| {},
        )
        .unwrap_err();
    assert_eq!(fields(err), ["[0].resolved_on", "[1].school_id"]);
    assert!(store.needs(None).unwrap().is_empty(), "nothing saved");
}
