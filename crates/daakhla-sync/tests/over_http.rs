//! Devices syncing with a real server over loopback HTTP.

use daakhla_domain::geography::Geography;
use daakhla_domain::household::HouseholdSurvey;
use daakhla_domain::input::apply_survey_patch;
use daakhla_server::scratch::Scratch;
use daakhla_server::{Role, on_both_databases};
use daakhla_store::Store;
use daakhla_sync::{Remote, SyncError, sync};
use daakhla_testkit::context::ctx;
use daakhla_testkit::places::two_union_councils;
use serde_json::json;

mod common;
use common::{World, survey};

impl World {
    /// A household as the server materialised it (its body and where it is shown).
    fn household_on_server(&self, id: impl std::fmt::Display) -> Option<String> {
        self.server
            .snapshot()
            .unwrap()
            .remove(&format!("household/{id}"))
    }

    /// A device store with the geography, and its connection to the server.
    fn device(&self, name: &str, role: Role, scopes: &[&str]) -> (Store, Remote) {
        let (store, _, token) = self.enrol(name, role, scopes);
        (store, Remote::new(&self.running.url(), &token))
    }
}

fn quiet() -> impl FnMut(daakhla_sync::Progress) {
    |_| {}
}

fn a_survey_travels_to_the_devices_of_its_union_council_only(scratch: Scratch) {
    let world = World::new(scratch);
    let (mut ayesha, ayesha_remote) = world.device("ayesha", Role::ResourcePerson, &["UC1"]);
    let (mut coordinator, coordinator_remote) =
        world.device("coordinator", Role::Coordinator, &["UC1"]);
    let (mut other, other_remote) = world.device("other-uc", Role::ResourcePerson, &["UC2"]);
    let (mut supervisor, supervisor_remote) =
        world.device("supervisor", Role::Supervisor, &["SD-THT"]);

    let s = survey("V1", "UC1", "1");
    ayesha
        .add_surveys(std::slice::from_ref(&s), &ctx(), &mut |_| {})
        .unwrap();
    let sent = sync(&mut ayesha, &ayesha_remote, &mut quiet()).unwrap();
    assert_eq!((sent.sent, sent.received), (3, 0));

    let got = sync(&mut coordinator, &coordinator_remote, &mut quiet()).unwrap();
    assert_eq!(got.received, 3);
    assert_eq!(coordinator.survey(s.household.id).unwrap(), s);
    let by_district = sync(&mut supervisor, &supervisor_remote, &mut quiet()).unwrap();
    assert_eq!(
        by_district.received, 3,
        "a district's supervisor sees its union councils"
    );

    let elsewhere = sync(&mut other, &other_remote, &mut quiet()).unwrap();
    assert_eq!(
        elsewhere.received, 0,
        "another union council's device never receives it"
    );
    assert!(other.survey(s.household.id).is_err());

    assert_eq!(
        world.household_on_server(s.household.id),
        ayesha
            .snapshot()
            .unwrap()
            .remove(&format!("household/{}", s.household.id)),
        "the server materialises it"
    );
    let again = sync(&mut ayesha, &ayesha_remote, &mut quiet()).unwrap();
    assert_eq!(
        (again.sent, again.received),
        (0, 0),
        "nothing is sent or received twice"
    );
}

fn concurrent_offline_edits_merge_on_every_device_and_the_server(scratch: Scratch) {
    let world = World::new(scratch);
    let (mut a, ra) = world.device("ayesha", Role::ResourcePerson, &["UC1"]);
    let (mut b, rb) = world.device("naila", Role::ResourcePerson, &["UC1"]);
    let s = survey("V1", "UC1", "1");
    let id = s.household.id;
    a.add_surveys(std::slice::from_ref(&s), &ctx(), &mut |_| {})
        .unwrap();
    sync(&mut a, &ra, &mut quiet()).unwrap();
    sync(&mut b, &rb, &mut quiet()).unwrap();

    let edit = |store: &mut Store, patch: serde_json::Value| {
        let edited = apply_survey_patch(&store.survey(id).unwrap(), &patch).unwrap();
        store
            .replace_surveys(&[edited], &ctx(), &mut |_| {})
            .unwrap();
    };
    edit(
        &mut a,
        json!({"household": {"members": 7, "head_name": "Aslam Khan"}}),
    );
    edit(
        &mut b,
        json!({"household": {"landmark": "By the canal", "head_name": "اسلم خان"}}),
    );
    sync(&mut a, &ra, &mut quiet()).unwrap();
    let b_summary = sync(&mut b, &rb, &mut quiet()).unwrap();
    assert_eq!(b_summary.conflicts, 1);
    sync(&mut a, &ra, &mut quiet()).unwrap();

    let on_server = world.server.snapshot().unwrap();
    assert_eq!(a.snapshot().unwrap(), b.snapshot().unwrap());
    assert_eq!(a.snapshot().unwrap(), on_server);
    let household = a.survey(id).unwrap().household;
    assert_eq!(
        (household.members, household.landmark.as_deref()),
        (Some(7), Some("By the canal"))
    );
    assert_eq!(a.conflicts().unwrap().len(), 1);
    assert_eq!(world.server.conflicts().unwrap(), a.conflicts().unwrap());
}

fn a_record_outside_the_devices_union_councils_is_refused_and_held_back_while_the_rest_syncs(
    scratch: Scratch,
) {
    let world = World::new(scratch);
    let (mut other, remote) = world.device("other-uc", Role::ResourcePerson, &["UC2"]);
    let allowed = survey("W1", "UC2", "1");
    let outside = survey("V1", "UC1", "2");
    other
        .add_surveys(&[outside.clone(), allowed.clone()], &ctx(), &mut |_| {})
        .unwrap();
    let summary = sync(&mut other, &remote, &mut quiet()).unwrap();
    assert_eq!(summary.held_back, 3, "the household and its two children");
    assert_eq!(summary.sent, 3, "the allowed survey still goes");
    assert!(world.household_on_server(allowed.household.id).is_some());
    assert!(
        world.household_on_server(outside.household.id).is_none(),
        "nothing of the refused record is logged"
    );
    let held = other.held_back().unwrap();
    assert_eq!(held.len(), 3);
    assert!(held.iter().all(|(_, why)| why.contains("UC1")), "{held:?}");
    assert_eq!(other.changes_waiting_to_push().unwrap(), 0);
    let again = sync(&mut other, &remote, &mut quiet()).unwrap();
    assert_eq!(
        (again.sent, again.held_back),
        (0, 0),
        "held back changes are not sent again"
    );
}

fn a_wrong_token_or_a_malformed_request_gets_a_clear_4xx(scratch: Scratch) {
    let world = World::new(scratch);
    let (mut device, _) = world.device("ayesha", Role::ResourcePerson, &["UC1"]);
    device
        .add_surveys(&[survey("V1", "UC1", "1")], &ctx(), &mut |_| {})
        .unwrap();
    let wrong = Remote::new(&world.running.url(), "not-a-token");
    match sync(&mut device, &wrong, &mut quiet()) {
        Err(SyncError::Refused { status: 401, .. }) => {}
        other => panic!("expected 401, got {other:?}"),
    }

    let (_, token) = world
        .server
        .add_device("raw", Role::Admin, &["*".to_string()])
        .unwrap();
    let http = daakhla_sync::tls::http_client();
    let post = |body: Vec<u8>| {
        http.post(format!("{}/v1/push", world.running.url()))
            .bearer_auth(&token)
            .body(body)
            .send()
            .unwrap()
    };
    for body in [b"garbage".to_vec(), Vec::new()] {
        let response = post(body);
        assert_eq!(response.status().as_u16(), 400);
        let json: serde_json::Value = serde_json::from_slice(&response.bytes().unwrap()).unwrap();
        assert!(
            json["error"].as_str().unwrap().contains("cannot be read"),
            "{json}"
        );
        assert!(!json["error_ur"].as_str().unwrap().is_empty());
    }
    let change_that_is_not_automerge = daakhla_wire::encode_push(&daakhla_wire::Push {
        changes: vec![daakhla_wire::WireChange {
            doc_id: uuid::Uuid::now_v7(),
            kind: daakhla_domain::RecordKind::Household,
            scope: "UC1".into(),
            bytes: vec![1, 2, 3],
        }],
    });
    assert_eq!(post(change_that_is_not_automerge).status().as_u16(), 400);
    assert!(world.server.snapshot().unwrap().is_empty());
}

fn a_replayed_push_changes_nothing(scratch: Scratch) {
    let world = World::new(scratch);
    let (mut device, remote) = world.device("ayesha", Role::ResourcePerson, &["UC1"]);
    device
        .add_surveys(&[survey("V1", "UC1", "1")], &ctx(), &mut |_| {})
        .unwrap();
    let batch = device.changes_to_push(100).unwrap();
    sync(&mut device, &remote, &mut quiet()).unwrap();
    let snapshot = world.server.snapshot().unwrap();

    let (device_info, token) = world
        .server
        .add_device("replayer", Role::Coordinator, &["UC1".to_string()])
        .unwrap();
    let push = daakhla_wire::Push {
        changes: batch
            .into_iter()
            .map(|c| daakhla_wire::WireChange {
                doc_id: c.doc_id.parse().unwrap(),
                kind: c.kind,
                scope: c.scope.unwrap(),
                bytes: c.bytes,
            })
            .collect(),
    };
    let pushed = world
        .server
        .push(&world.server.authenticate(&token).unwrap(), &push)
        .unwrap();
    assert_eq!((pushed.received, pushed.new), (3, 0));
    assert_eq!(world.server.snapshot().unwrap(), snapshot);
    assert_eq!(device_info.user, "replayer");
}

fn a_large_pull_comes_in_batches_and_resumes_from_the_last_one(scratch: Scratch) {
    let world = World::new(scratch);
    let (mut ayesha, ra) = world.device("ayesha", Role::ResourcePerson, &["UC1"]);
    let geo = two_union_councils();
    let mut options = daakhla_demo::DemoOptions::new(3, ctx().today);
    options.first_household_number = 1;
    let surveys: Vec<HouseholdSurvey> = daakhla_demo::demo_surveys(
        &Geography {
            villages: geo.villages[..1].to_vec(),
            ..Geography::default()
        },
        800,
        &options,
    );
    ayesha.add_surveys(&surveys, &ctx(), &mut |_| {}).unwrap();
    let sent = sync(&mut ayesha, &ra, &mut quiet()).unwrap().sent;
    assert!(
        sent > daakhla_server::PULL_LIMIT as u64,
        "{sent} changes make more than one pull"
    );

    let (mut fresh, rf) = world.device("fresh", Role::Coordinator, &["UC1"]);
    let mut batches = 0;
    let summary = sync(&mut fresh, &rf, &mut |p| {
        if matches!(p, daakhla_sync::Progress::Received { .. }) {
            batches += 1;
        }
    })
    .unwrap();
    assert!(batches >= 2);
    assert_eq!(summary.received, sent);
    let (got, want) = (fresh.snapshot().unwrap(), ayesha.snapshot().unwrap());
    let differing: Vec<&String> = want
        .keys()
        .filter(|k| got.get(*k) != want.get(*k))
        .collect();
    let missing = differing.iter().filter(|k| !got.contains_key(**k)).count();
    assert!(
        differing.is_empty(),
        "{} of {} records differ ({missing} missing), e.g. {:?}: {:?} vs {:?}",
        differing.len(),
        want.len(),
        differing.first(),
        differing.first().and_then(|k| got.get(*k)),
        differing.first().and_then(|k| want.get(*k))
    );
    assert_eq!(got.len(), want.len());
}

fn a_store_restored_from_a_backup_syncs_its_new_edits(scratch: Scratch) {
    let world = World::new(scratch);
    let (mut ayesha, remote) = world.device("ayesha", Role::ResourcePerson, &["UC1"]);
    let s = survey("V1", "UC1", "1");
    let id = s.household.id;
    ayesha
        .add_surveys(std::slice::from_ref(&s), &ctx(), &mut |_| {})
        .unwrap();
    sync(&mut ayesha, &remote, &mut quiet()).unwrap();
    let path = world.dir.path().join("ayesha.sqlite");
    let backup = world.dir.path().join("ayesha-backup.sqlite");
    drop(ayesha);
    std::fs::copy(&path, &backup).unwrap();

    let edit = |patch: serde_json::Value| {
        let mut store = Store::open(&path).unwrap();
        let edited = apply_survey_patch(&store.survey(id).unwrap(), &patch).unwrap();
        store
            .replace_surveys(&[edited], &ctx(), &mut |_| {})
            .unwrap();
        sync(&mut store, &remote, &mut quiet()).unwrap();
        store
    };
    drop(edit(json!({"household": {"members": 7}})));
    // The phone is restored from the backup taken before that edit, and edits again.
    std::fs::copy(&backup, &path).unwrap();
    let restored = edit(json!({"household": {"landmark": "By the canal"}}));

    let household = restored.survey(id).unwrap().household;
    assert_eq!(
        (household.members, household.landmark.as_deref()),
        (Some(7), Some("By the canal")),
        "both edits survive, the one made before the restore comes back from the server"
    );
    assert_eq!(
        restored.snapshot().unwrap(),
        world.server.snapshot().unwrap()
    );
}

fn a_change_that_clashes_with_another_never_stops_the_server(scratch: Scratch) {
    use daakhla_crdt::{ActorId, RecordDoc, Stamp};
    let world = World::new(scratch);
    let (_, token) = world
        .server
        .add_device("old-build", Role::Admin, &["*".to_string()])
        .unwrap();
    let device = world.server.authenticate(&token).unwrap();
    // Two writers with one actor and one number (what a restored backup of an older build
    // made): two different changes that claim the same place in the record's history.
    let household = survey("V1", "UC1", "5").household;
    let stamp = Stamp {
        author: "old".into(),
        device: "old".into(),
        at: 1,
    };
    let clashing: Vec<daakhla_wire::WireChange> = [Some("6"), Some("60")]
        .into_iter()
        .map(|number| {
            let mut record = serde_json::to_value(&household).unwrap();
            record["household_number"] = json!(number);
            let change = RecordDoc::new(&ActorId::from(&[7u8; 16][..]))
                .write(&record, &stamp)
                .unwrap()
                .unwrap();
            daakhla_wire::WireChange {
                doc_id: household.id.to_string().parse().unwrap(),
                kind: daakhla_domain::RecordKind::Household,
                scope: "UC1".into(),
                bytes: change.raw_bytes().to_vec(),
            }
        })
        .collect();
    for change in &clashing {
        let push = daakhla_wire::Push {
            changes: vec![change.clone()],
        };
        world.server.push(&device, &push).unwrap();
    }
    let shown = world.household_on_server(household.id).unwrap();
    assert!(shown.contains(r#""household_number":"6""#), "{shown}");

    // Everything else still syncs, the clashing record included, on devices too.
    let (mut ayesha, remote) = world.device("ayesha", Role::ResourcePerson, &["UC1"]);
    ayesha
        .add_surveys(&[survey("V1", "UC1", "7")], &ctx(), &mut |_| {})
        .unwrap();
    sync(&mut ayesha, &remote, &mut quiet()).unwrap();
    assert_eq!(ayesha.snapshot().unwrap(), world.server.snapshot().unwrap());
    assert_eq!(
        ayesha.snapshot().unwrap().len(),
        4,
        "two households, two children"
    );
}

fn an_enrolment_code_gives_a_token_once_and_not_after_it_expires(scratch: Scratch) {
    let world = World::new(scratch);
    let hour = std::time::Duration::from_secs(3600);
    let code = world
        .server
        .add_enrolment("ayesha", Role::ResourcePerson, &["UC1".into()], hour)
        .unwrap();
    // Typed on a phone: lower case, spaces for dashes.
    let typed = code.to_lowercase().replace('-', " ");
    let enrolled = Remote::enrol(&world.running.url(), &typed).unwrap();
    assert_eq!(enrolled.user, "ayesha");
    let mut store = Store::create(world.dir.path().join("phone.sqlite")).unwrap();
    let reference: Geography =
        serde_json::from_str(daakhla_domain::geography::REFERENCE_JSON).unwrap();
    store.import_geography(&reference, &ctx()).unwrap();
    store
        .import_geography(&two_union_councils(), &ctx())
        .unwrap();
    store
        .add_surveys(&[survey("V1", "UC1", "1")], &ctx(), &mut |_| {})
        .unwrap();
    let remote = Remote::new(&enrolled.server, &enrolled.token);
    assert_eq!(sync(&mut store, &remote, &mut quiet()).unwrap().sent, 3);

    let refused = |code: &str| match Remote::enrol(&world.running.url(), code) {
        Err(SyncError::Refused {
            status,
            message,
            message_ur,
            ..
        }) => {
            assert!(!message_ur.is_empty());
            (status, message)
        }
        other => panic!("expected a refusal, got {other:?}"),
    };
    let (status, message) = refused(&code);
    assert_eq!(status, 410);
    assert!(message.contains("already used"), "{message}");
    let expired = world
        .server
        .add_enrolment(
            "naila",
            Role::ResourcePerson,
            &["UC1".into()],
            std::time::Duration::ZERO,
        )
        .unwrap();
    let (status, message) = refused(&expired);
    assert_eq!(status, 410);
    assert!(message.contains("expired"), "{message}");
    assert_eq!(refused("AAAA-BBBB-CCCC").0, 404);
}

fn a_hub_shows_its_coordinator_who_synced_and_what_waits_to_go_upstream(scratch: Scratch) {
    let world = World::new(scratch);
    let (mut ayesha, remote) = world.device("ayesha", Role::ResourcePerson, &["UC1"]);
    world.device("naila", Role::ResourcePerson, &["UC1"]);
    ayesha
        .add_surveys(&[survey("V1", "UC1", "1")], &ctx(), &mut |_| {})
        .unwrap();
    sync(&mut ayesha, &remote, &mut quiet()).unwrap();

    let (_, coordinator) = world
        .server
        .add_device("coordinator", Role::Coordinator, &["UC1".into()])
        .unwrap();
    let get = |token: &str| {
        daakhla_sync::tls::http_client()
            .get(format!("{}/v1/hub", world.running.url()))
            .bearer_auth(token)
            .send()
            .unwrap()
    };
    let status: serde_json::Value =
        serde_json::from_slice(&get(&coordinator).bytes().unwrap()).unwrap();
    assert_eq!(
        status["pending_upstream"], 0,
        "a server with no upstream has nothing waiting to go up: {status}"
    );
    assert_eq!(status["conflicts"], serde_json::json!([]), "{status}");
    let seen = |user: &str| {
        status["devices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["device"]["user"] == user)
            .unwrap()["last_synced"]
            .clone()
    };
    assert!(seen("ayesha").is_i64(), "{status}");
    assert!(seen("naila").is_null(), "{status}");

    let (_, resource_person) = world
        .server
        .add_device("sana", Role::ResourcePerson, &["UC1".into()])
        .unwrap();
    assert_eq!(get(&resource_person).status().as_u16(), 403);
}

on_both_databases!(
    a_hub_shows_its_coordinator_who_synced_and_what_waits_to_go_upstream,
    an_enrolment_code_gives_a_token_once_and_not_after_it_expires,
    a_change_that_clashes_with_another_never_stops_the_server,
    a_store_restored_from_a_backup_syncs_its_new_edits,
    a_survey_travels_to_the_devices_of_its_union_council_only,
    concurrent_offline_edits_merge_on_every_device_and_the_server,
    a_record_outside_the_devices_union_councils_is_refused_and_held_back_while_the_rest_syncs,
    a_wrong_token_or_a_malformed_request_gets_a_clear_4xx,
    a_replayed_push_changes_nothing,
    a_large_pull_comes_in_batches_and_resumes_from_the_last_one,
);
