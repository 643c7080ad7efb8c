//! Schools and their infrastructure needs in the store.

use daakhla_domain::codes::NeedStatus;
use daakhla_domain::geography::Geography;
use daakhla_domain::input::decode_value;
use daakhla_domain::school::{InfrastructureNeed, School};
use daakhla_domain::validation::Context;
use daakhla_store::{Store, StoreError};
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
        "tehsils": [{"code": "T1", "parent": "SD-THT", "name": {"en": "T1", "ur": "ت1"}}],
        "union_councils": [
            {"code": "UC1", "parent": "T1", "name": {"en": "UC one", "ur": "یونین کونسل ایک"}},
            {"code": "UC2", "parent": "T1", "name": {"en": "UC two", "ur": "یونین کونسل دو"}}],
        "villages": [{"code": "V1", "parent": "UC1", "name": {"en": "Goth Ali", "ur": "گوٹھ علی"}}]
    }))
    .unwrap();
    let reference: Geography =
        serde_json::from_str(daakhla_domain::geography::REFERENCE_JSON).unwrap();
    store.import_geography(&reference, &ctx()).unwrap();
    store.import_geography(&geo, &ctx()).unwrap();
    (dir, store)
}

fn school(uc: &str, village: Option<&str>, name: &str) -> School {
    decode_value(
        json!({"name": name, "level": "primary", "gender": "girls", "functional": true,
                        "uc_code": uc, "village_code": village, "emis_code": "415030123"}),
    )
    .unwrap()
}

fn need(school: &School, fields: Value) -> InfrastructureNeed {
    let mut need = json!({"school_id": school.id.to_string(), "category": "boundary_wall",
                          "severity": "high", "identified_on": "2026-11-02", "reported_by": "Ayesha"});
    need.as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    decode_value(need).unwrap()
}

fn fields(err: StoreError) -> Vec<String> {
    match err {
        StoreError::Invalid(v) => v.0.iter().map(|v| v.field.to_string()).collect(),
        other => panic!("expected violations, got {other}"),
    }
}

#[test]
fn schools_and_needs_are_saved_listed_and_moved_on() {
    let (_dir, mut store) = store();
    let ggps = school("UC1", Some("V1"), "GGPS Goth Ali");
    let other = school("UC2", None, "GBPS Basti");
    store
        .save_schools(&[ggps.clone(), other.clone()], &ctx(), &mut |_| {})
        .unwrap();
    assert_eq!(store.schools(Some("UC1")).unwrap(), vec![ggps.clone()]);
    assert_eq!(store.schools(None).unwrap().len(), 2);

    let wall = need(&ggps, json!({}));
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
    let (_dir, mut store) = store();
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
                need(&ggps, json!({"resolved_on": "2026-11-01"})),
                need(&unknown, json!({})),
            ],
            &ctx(),
            &mut |_| {},
        )
        .unwrap_err();
    assert_eq!(fields(err), ["[0].resolved_on", "[1].school_id"]);
    assert!(store.needs(None).unwrap().is_empty(), "nothing saved");
}
