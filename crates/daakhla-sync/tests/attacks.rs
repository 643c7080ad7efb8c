//! Attacks on a real server over loopback, by a device holding a valid token: a change that
//! makes Automerge panic, records labelled with one union council that belong to another,
//! records moved or hung on another union council's records, a supervisor pushing, a
//! coordinator looking at other union councils' devices, strings as Automerge Text objects,
//! and a device ahead of a server restored from a backup.

use daakhla_crdt::{ActorId, RecordDoc, Stamp};
use daakhla_domain::RecordKind;
use daakhla_domain::input::apply_survey_patch;
use daakhla_server::scratch::Scratch;
use daakhla_server::{Role, Server, on_both_databases};
use daakhla_store::Store;
use daakhla_sync::{Remote, sync};
use daakhla_testkit::context::ctx;
use daakhla_testkit::json::texts;
use daakhla_testkit::places::two_union_councils;
use daakhla_testkit::stores::device_store;
use daakhla_wire::{Push, WireChange};
use serde_json::{Value, json};
use std::sync::Arc;

mod common;
use common::{World, survey};

/// A household change with a valid checksum that writes over operations of a change it does
/// not name as a dependency (made by `write_the_poison_fixture`). Applying it panicked inside
/// Automerge while the server held its records lock: every later request answered 500, and a
/// restart replayed it and exited 101.
const POISON: &[u8] = include_bytes!("fixtures/poison-household.change");
/// The document the poison change is sent for.
const POISON_DOC: &str = "019ae5a0-0000-7000-8000-00000000d00d";

fn quiet() -> impl FnMut(daakhla_sync::Progress) {
    |_| {}
}

impl World {
    fn device(&self, name: &str, role: Role, scopes: &[&str]) -> (Store, Remote, String) {
        let (store, _, token) = self.enrol(name, role, scopes);
        (store, Remote::new(&self.running.url(), &token), token)
    }

    fn push_raw(&self, token: &str, changes: Vec<WireChange>) -> (u16, Value) {
        let response = daakhla_sync::tls::http_client()
            .post(format!("{}/v1/push", self.running.url()))
            .bearer_auth(token)
            .header("content-type", "application/x-daakhla-sync")
            .body(daakhla_wire::encode_push(&Push { changes }))
            .send()
            .unwrap();
        let status = response.status().as_u16();
        (
            status,
            serde_json::from_slice(&response.bytes().unwrap()).unwrap(),
        )
    }

    fn get(&self, token: &str, path: &str) -> (u16, Vec<u8>) {
        let response = daakhla_sync::tls::http_client()
            .get(format!("{}{path}", self.running.url()))
            .bearer_auth(token)
            .send()
            .unwrap();
        (
            response.status().as_u16(),
            response.bytes().unwrap().to_vec(),
        )
    }

    fn shows(&self, kind: &str, id: impl std::fmt::Display) -> bool {
        self.server
            .snapshot()
            .unwrap()
            .contains_key(&format!("{kind}/{id}"))
    }
}

/// A record written as one new document's first change, sent labelled with `scope`.
fn crafted(kind: RecordKind, id: &str, record: &Value, scope: &str) -> WireChange {
    let stamp = Stamp {
        author: "attacker".into(),
        device: "attacker".into(),
        at: 1_764_000_000,
    };
    let change = RecordDoc::new(&ActorId::random())
        .write(record, &stamp)
        .unwrap()
        .unwrap();
    WireChange {
        doc_id: id.parse().unwrap(),
        kind,
        scope: scope.into(),
        bytes: change.raw_bytes().to_vec(),
    }
}

fn poison() -> WireChange {
    WireChange {
        doc_id: POISON_DOC.parse().unwrap(),
        kind: RecordKind::Household,
        scope: "UC1".into(),
        bytes: POISON.to_vec(),
    }
}

fn a_poison_change_is_quarantined_and_never_stops_the_server(scratch: Scratch) {
    let location = scratch.location();
    let world = World::new(scratch);
    let (mut ayesha, remote, token) = world.device("ayesha", Role::ResourcePerson, &["UC1"]);
    let (status, answer) = world.push_raw(&token, vec![poison()]);
    assert_eq!(status, 200, "{answer}");
    // Logged; the materialiser then finds it cannot be applied.
    assert_eq!(answer["new"], json!(1), "{answer}");
    world.server.materialise().unwrap();

    // Every route still answers, and the poison change is handed to nobody.
    for path in [
        "/v1/whoami",
        "/v1/pull?after=0",
        "/v1/report?area=UC1",
        "/v1/hub",
    ] {
        let (_, admin) = world
            .server
            .add_device("admin", Role::Admin, &["*".to_string()])
            .unwrap();
        assert_eq!(world.get(&admin, path).0, 200, "{path}");
    }
    let s = survey("V1", "UC1", "1");
    ayesha
        .add_surveys(std::slice::from_ref(&s), &ctx(), &mut |_| {})
        .unwrap();
    let summary = sync(&mut ayesha, &remote, &mut quiet()).unwrap();
    assert_eq!((summary.sent, summary.received), (3, 0), "{summary:?}");
    let (mut naila, naila_remote, _) = world.device("naila", Role::ResourcePerson, &["UC1"]);
    let got = sync(&mut naila, &naila_remote, &mut quiet()).unwrap();
    assert_eq!(got.received, 3, "the survey, not the poison change");
    assert_eq!(naila.snapshot().unwrap(), world.server.snapshot().unwrap());
    assert!(!world.shows("household", POISON_DOC));

    // Kept apart and reported to the union council's coordinator.
    let (_, coordinator) = world
        .server
        .add_device("coordinator", Role::Coordinator, &["UC1".to_string()])
        .unwrap();
    let (_, hub) = world.get(&coordinator, "/v1/hub");
    let hub: Value = serde_json::from_slice(&hub).unwrap();
    let quarantined = hub["quarantined"].as_array().unwrap();
    assert_eq!(quarantined.len(), 1, "{hub}");
    assert_eq!(quarantined[0]["doc_id"], POISON_DOC);
    assert!(!quarantined[0]["why"].as_str().unwrap().is_empty());

    // Sent again, it is taken once; and the server starts again on the same data.
    let (status, answer) = world.push_raw(&token, vec![poison()]);
    assert_eq!((status, &answer["new"]), (200, &json!(0)), "{answer}");
    let World {
        server, running, ..
    } = world;
    drop(running);
    drop(server);
    let again = Server::open(location).unwrap();
    assert_eq!(again.hub_status().unwrap().quarantined.len(), 1);
}

/// A log written before pushes were tried first may already hold a poison change: the server
/// still starts, materialises everything else and serves.
#[test]
fn a_log_that_already_holds_a_poison_change_still_starts_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let s = survey("V1", "UC1", "1");
    {
        let server = Server::open(&data).unwrap();
        server.import_geography(&two_union_councils()).unwrap();
        let mut store = device_store(dir.path(), "ayesha");
        store
            .add_surveys(std::slice::from_ref(&s), &ctx(), &mut |_| {})
            .unwrap();
        let (_, token) = server
            .add_device("ayesha", Role::ResourcePerson, &["UC1".to_string()])
            .unwrap();
        let running = daakhla_server::spawn(Arc::new(server), "127.0.0.1:0").unwrap();
        sync(
            &mut store,
            &Remote::new(&running.url(), &token),
            &mut quiet(),
        )
        .unwrap();
    }
    // As an older server logged it: straight into the log, after the survey's changes.
    let log = rusqlite::Connection::open(data.join("log.sqlite")).unwrap();
    log.execute(
        "INSERT INTO log (seq, doc_id, kind, scope, hash, bytes, device, received_at)
         VALUES ((SELECT max(seq) + 1 FROM log), ?1, ?2, 'UC1', ?3, ?4, 'old', 0)",
        rusqlite::params![
            POISON_DOC,
            RecordKind::Household.wire_code(),
            daakhla_crdt::change_from_bytes(POISON.to_vec())
                .unwrap()
                .hash()
                .0
                .to_vec(),
            POISON
        ],
    )
    .unwrap();
    drop(log);
    std::fs::remove_file(data.join("records.sqlite")).unwrap();

    let server = Server::open(&data).unwrap();
    let shown = server.snapshot().unwrap();
    assert!(shown.contains_key(&format!("household/{}", s.household.id)));
    assert_eq!(
        shown.len(),
        3,
        "the survey, materialised past the poison change"
    );
}

fn a_record_is_placed_by_what_it_says_not_by_its_label(scratch: Scratch) {
    let world = World::new(scratch);
    let (mut naila, naila_remote, _) = world.device("naila", Role::ResourcePerson, &["UC2"]);
    let theirs = survey("W1", "UC2", "9");
    naila
        .add_surveys(std::slice::from_ref(&theirs), &ctx(), &mut |_| {})
        .unwrap();
    sync(&mut naila, &naila_remote, &mut quiet()).unwrap();
    let their_child = theirs.children[0].id.to_string();
    let report_of_uc2 = || {
        let (_, admin) = world
            .server
            .add_device("admin", Role::Admin, &["*".to_string()])
            .unwrap();
        // Figures of everything logged: a push is answered before its records are shown.
        world.server.materialise().unwrap();
        let (_, body) = world.get(&admin, "/v1/report?area=UC2");
        serde_json::from_slice::<Value>(&body).unwrap()
    };
    let before = report_of_uc2();

    let (_, _, token) = world.device("ayesha", Role::ResourcePerson, &["UC1"]);
    // A household labelled UC1 whose body says UC2.
    let mut household = serde_json::to_value(survey("W1", "UC2", "10").household).unwrap();
    let id = household["id"].as_str().unwrap().to_string();
    let (status, answer) = world.push_raw(
        &token,
        vec![crafted(RecordKind::Household, &id, &household, "UC1")],
    );
    assert_eq!(status, 403, "{answer}");
    assert_eq!(answer["doc_id"], id.as_str(), "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("UC2"),
        "{answer}"
    );
    assert!(!world.shows("household", &id));

    // A household whose label and body both say UC1, but whose label lies about another.
    household["uc_code"] = json!("UC1");
    household["village_code"] = json!("V1");
    let (status, answer) = world.push_raw(
        &token,
        vec![crafted(RecordKind::Household, &id, &household, "UC2")],
    );
    assert_eq!(
        status, 409,
        "the label is not where the record is: {answer}"
    );

    // A follow-up of another union council's child (its id is known), labelled UC1.
    let follow_up = json!({"id": "019ae5a0-0000-7000-8000-0000000f0001", "child_id": their_child,
                           "visited_on": "2026-11-20", "visited_by": "attacker",
                           "outcome": {"outcome": "enrolled", "school": {"name": "GPS"}, "class": 3}});
    let (status, answer) = world.push_raw(
        &token,
        vec![crafted(
            RecordKind::FollowUp,
            follow_up["id"].as_str().unwrap(),
            &follow_up,
            "UC1",
        )],
    );
    assert_eq!(status, 403, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("UC2"),
        "{answer}"
    );

    // A child hung on another union council's household.
    let mut child = serde_json::to_value(&survey("V1", "UC1", "11").children[0]).unwrap();
    child["household_id"] = json!(theirs.household.id.to_string());
    let child_id = child["id"].as_str().unwrap().to_string();
    let (status, _) = world.push_raw(
        &token,
        vec![crafted(RecordKind::Child, &child_id, &child, "UC1")],
    );
    assert_eq!(status, 403);

    // A child hung on a household no one sent: held back until it comes.
    child["household_id"] = json!("019ae5a0-0000-7000-8000-00000000beef");
    let (status, answer) = world.push_raw(
        &token,
        vec![crafted(RecordKind::Child, &child_id, &child, "UC1")],
    );
    assert_eq!(status, 409, "{answer}");
    assert!(answer["error_ur"].as_str().unwrap().contains("ریکارڈ"));

    // A record whose `id` names another document.
    let mut other = serde_json::to_value(survey("V1", "UC1", "12").household).unwrap();
    let doc = other["id"].as_str().unwrap().to_string();
    other["id"] = json!(theirs.household.id.to_string());
    let (status, answer) = world.push_raw(
        &token,
        vec![crafted(RecordKind::Household, &doc, &other, "UC1")],
    );
    assert_eq!(status, 400, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("id"), "{answer}");

    assert_eq!(report_of_uc2(), before, "UC2's figures are untouched");
    assert!(!world.shows("follow_up", follow_up["id"].as_str().unwrap()));
    assert!(!world.shows("child", &child_id));
}

fn a_device_cannot_move_its_household_into_another_union_council(scratch: Scratch) {
    let world = World::new(scratch);
    let (mut ayesha, remote, token) = world.device("ayesha", Role::ResourcePerson, &["UC1", "UC2"]);
    let s = survey("V1", "UC1", "1");
    ayesha
        .add_surveys(std::slice::from_ref(&s), &ctx(), &mut |_| {})
        .unwrap();
    sync(&mut ayesha, &remote, &mut quiet()).unwrap();
    let moved = apply_survey_patch(
        &s,
        &json!({"household": {"uc_code": "UC2", "village_code": "W1"}}),
    )
    .unwrap();
    ayesha
        .replace_surveys(&[moved], &ctx(), &mut |_| {})
        .unwrap();
    // The edit labelled with the union council the household was in.
    let edit: Vec<WireChange> = ayesha
        .changes_to_push(10)
        .unwrap()
        .into_iter()
        .filter(|c| c.doc_id == s.household.id.to_string())
        .map(|c| WireChange {
            doc_id: c.doc_id.parse().unwrap(),
            kind: c.kind,
            scope: "UC1".into(),
            bytes: c.bytes,
        })
        .collect();
    assert_eq!(edit.len(), 1);
    let (status, answer) = world.push_raw(&token, edit);
    assert_eq!(status, 409, "{answer}");
    // And as a stock device sends it, labelled with where it would go.
    let summary = sync(&mut ayesha, &remote, &mut quiet()).unwrap();
    assert!(summary.held_back >= 1, "{summary:?}");
    let shown = world
        .server
        .snapshot()
        .unwrap()
        .remove(&format!("household/{}", s.household.id))
        .unwrap();
    assert!(shown.contains(r#""uc_code":"UC1""#), "{shown}");
}

fn a_supervisor_may_read_but_not_push(scratch: Scratch) {
    let world = World::new(scratch);
    let (_, _, token) = world.device("supervisor", Role::Supervisor, &["SD-THT"]);
    let household = serde_json::to_value(survey("V1", "UC1", "1").household).unwrap();
    let id = household["id"].as_str().unwrap().to_string();
    let (status, answer) = world.push_raw(
        &token,
        vec![crafted(RecordKind::Household, &id, &household, "UC1")],
    );
    assert_eq!(status, 403, "{answer}");
    assert!(!world.shows("household", &id));
    assert_eq!(world.get(&token, "/v1/pull?after=0").0, 200);
}

fn a_coordinator_sees_only_its_union_councils_on_the_hub(scratch: Scratch) {
    let world = World::new(scratch);
    let (mut ayesha, remote, _) = world.device("ayesha", Role::ResourcePerson, &["UC1"]);
    world.device("naila", Role::ResourcePerson, &["UC2"]);
    ayesha
        .add_surveys(&[survey("V1", "UC1", "1")], &ctx(), &mut |_| {})
        .unwrap();
    sync(&mut ayesha, &remote, &mut quiet()).unwrap();
    let (_, of_uc2) = world
        .server
        .add_device("coordinator-2", Role::Coordinator, &["UC2".to_string()])
        .unwrap();
    let (_, body) = world.get(&of_uc2, "/v1/hub");
    let status: Value = serde_json::from_slice(&body).unwrap();
    let users = texts(&status["devices"], "/device/user");
    assert_eq!(users, ["coordinator-2", "naila"], "{status}");
    assert_eq!(
        status["pending_upstream"], 0,
        "a server with no upstream has nothing waiting to go up"
    );
}

fn a_string_written_as_an_automerge_text_is_refused_naming_its_field(scratch: Scratch) {
    let world = World::new(scratch);
    let (_, _, token) = world.device("js", Role::ResourcePerson, &["UC1"]);
    let household = survey("V1", "UC1", "1").household;
    // What JavaScript Automerge writes for `doc.head_name = "Aslam"` in a new document.
    let mut doc = automerge::AutoCommit::new();
    use automerge::transaction::Transactable;
    doc.put(automerge::ROOT, "uc_code", "UC1").unwrap();
    let text = doc
        .put_object(automerge::ROOT, "head_name", automerge::ObjType::Text)
        .unwrap();
    doc.splice_text(&text, 0, 0, "Aslam").unwrap();
    doc.commit();
    let change = doc.get_last_local_change().unwrap().raw_bytes().to_vec();
    let (status, answer) = world.push_raw(
        &token,
        vec![WireChange {
            doc_id: household.id.to_string().parse().unwrap(),
            kind: RecordKind::Household,
            scope: "UC1".into(),
            bytes: change,
        }],
    );
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("head_name"),
        "{answer}"
    );
    assert!(
        answer["error_ur"].as_str().unwrap().contains("head_name"),
        "{answer}"
    );
    assert!(!world.shows("household", household.id));
}

fn a_refusal_is_wholly_urdu_in_urdu(scratch: Scratch) {
    let world = World::new(scratch);
    let (_, _, token) = world.device("ayesha", Role::ResourcePerson, &["UC1"]);
    let response = daakhla_sync::tls::http_client()
        .post(format!("{}/v1/push", world.running.url()))
        .bearer_auth(&token)
        .body(b"garbage".to_vec())
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let answer: Value = serde_json::from_slice(&response.bytes().unwrap()).unwrap();
    let urdu = answer["error_ur"].as_str().unwrap();
    assert!(
        !urdu.chars().any(|c| c.is_ascii_alphabetic()),
        "no English in {urdu:?}"
    );
    assert!(answer["error"].as_str().unwrap().contains("cannot be read"));
}

/// A server that cannot read one record (a 400 naming it) as a stock device meets it.
struct RefusesOne<'a> {
    inner: &'a Remote,
    record: String,
}

impl daakhla_sync::Transport for RefusesOne<'_> {
    fn push(&self, push: Push) -> Result<u64, daakhla_sync::SyncError> {
        if push
            .changes
            .iter()
            .any(|c| c.doc_id.to_string() == self.record)
        {
            return Err(daakhla_sync::SyncError::Refused {
                status: 400,
                message: format!(
                    "record {}: field head_name must hold a plain value",
                    self.record
                ),
                message_ur: "سادہ قدر".into(),
                doc_id: Some(self.record.clone()),
            });
        }
        self.inner.push(push)
    }

    fn send_places(
        &self,
        places: &daakhla_domain::geography::Geography,
    ) -> Result<u64, daakhla_sync::SyncError> {
        self.inner.send_places(places)
    }

    fn pull(&self, after: u64) -> Result<(daakhla_wire::Pull, u64), daakhla_sync::SyncError> {
        self.inner.pull(after)
    }
}

fn a_record_the_server_cannot_read_is_held_back_and_the_rest_syncs(scratch: Scratch) {
    let world = World::new(scratch);
    let (mut ayesha, remote, _) = world.device("ayesha", Role::ResourcePerson, &["UC1"]);
    let unreadable = survey("V1", "UC1", "1");
    let fine = survey("V1", "UC1", "2");
    ayesha
        .add_surveys(&[unreadable.clone(), fine.clone()], &ctx(), &mut |_| {})
        .unwrap();
    let link = RefusesOne {
        inner: &remote,
        record: unreadable.household.id.to_string(),
    };
    let summary = sync(&mut ayesha, &link, &mut quiet()).unwrap();
    assert_eq!(
        summary.held_back, 3,
        "the household, and its children that hang on it: {summary:?}"
    );
    assert_eq!(summary.sent, 3, "the other survey still goes");
    assert!(world.shows("household", fine.household.id));
    let held = ayesha.held_back().unwrap();
    assert!(
        held.iter().any(
            |(id, why)| *id == unreadable.household.id.to_string() && why.contains("head_name")
        ),
        "{held:?}"
    );
}

fn a_pull_past_the_end_of_the_log_answers_the_end(scratch: Scratch) {
    let world = World::new(scratch);
    let (mut ayesha, remote, token) = world.device("ayesha", Role::ResourcePerson, &["UC1"]);
    ayesha
        .add_surveys(&[survey("V1", "UC1", "1")], &ctx(), &mut |_| {})
        .unwrap();
    sync(&mut ayesha, &remote, &mut quiet()).unwrap();
    let (status, body) = world.get(&token, "/v1/pull?after=1000");
    assert_eq!(status, 200);
    let pull = daakhla_wire::decode_pull(&body).unwrap();
    assert_eq!((pull.cursor, pull.changes.len()), (3, 0));
}

/// A device that synced with a server later restored from an older backup is ahead of its
/// log; it must still get what is logged next.
#[test]
fn a_device_ahead_of_a_server_restored_from_a_backup_misses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let backup = dir.path().join("backup");
    let (ayesha_token, naila_token) = {
        let server = Server::open(&data).unwrap();
        server.import_geography(&two_union_councils()).unwrap();
        let enrol = |name: &str| {
            server
                .add_device(name, Role::ResourcePerson, &["UC1".to_string()])
                .unwrap()
                .1
        };
        (enrol("ayesha"), enrol("naila"))
    };
    copy_dir(&data, &backup);
    let serve = || {
        let server = Arc::new(Server::open(&data).unwrap());
        let running = daakhla_server::spawn(server.clone(), "127.0.0.1:0").unwrap();
        (server, running)
    };
    let remote =
        |running: &daakhla_server::Running, token: &str| Remote::new(&running.url(), token);
    let mut ayesha = device_store(dir.path(), "ayesha");
    let mut naila = device_store(dir.path(), "naila");
    {
        let (_, running) = serve();
        ayesha
            .add_surveys(&[survey("V1", "UC1", "1")], &ctx(), &mut |_| {})
            .unwrap();
        sync(&mut ayesha, &remote(&running, &ayesha_token), &mut quiet()).unwrap();
        sync(&mut naila, &remote(&running, &naila_token), &mut quiet()).unwrap();
        assert_eq!(naila.pull_cursor().unwrap().as_deref(), Some("3"));
    }

    // The disk is lost; the server comes back from the backup, with an empty log.
    std::fs::remove_dir_all(&data).unwrap();
    copy_dir(&backup, &data);
    let (server, running) = serve();
    sync(&mut naila, &remote(&running, &naila_token), &mut quiet()).unwrap();
    assert_eq!(naila.pull_cursor().unwrap().as_deref(), Some("0"));
    let again = survey("V2", "UC1", "2");
    ayesha
        .add_surveys(std::slice::from_ref(&again), &ctx(), &mut |_| {})
        .unwrap();
    sync(&mut ayesha, &remote(&running, &ayesha_token), &mut quiet()).unwrap();
    sync(&mut naila, &remote(&running, &naila_token), &mut quiet()).unwrap();
    assert_eq!(
        naila.survey(again.household.id).unwrap(),
        again,
        "the survey logged under positions naila had passed still reaches her"
    );
    assert_eq!(server.snapshot().unwrap().len(), 3);
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// Writes the poison fixture: the second change of a household (made by another writer, over
/// the first writer's operations) with its dependency on the first change taken out, and the
/// checksum made again. `cargo test -p daakhla-sync --test attacks -- --ignored` rewrites it.
#[test]
#[ignore]
fn write_the_poison_fixture() {
    let stamp = |author: &str, at| Stamp {
        author: author.into(),
        device: format!("{author}-phone"),
        at,
    };
    let mut record = serde_json::to_value(survey("V1", "UC-X", "1").household).unwrap();
    record["id"] = json!(POISON_DOC);
    let mut first = RecordDoc::new(&ActorId::from(&[1u8; 16][..]));
    first.write(&record, &stamp("ayesha", 1)).unwrap().unwrap();
    let mut second = RecordDoc::load(&first.save(), &ActorId::from(&[2u8; 16][..])).unwrap();
    record["uc_code"] = json!("UC1");
    record["members"] = json!(7);
    let edit = second
        .write(&record, &stamp("attacker", 2))
        .unwrap()
        .unwrap();
    let mut expanded = edit.decode();
    expanded.deps.clear();
    let poison = daakhla_crdt::Change::from(expanded);
    std::fs::write(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/poison-household.change"
        ),
        poison.raw_bytes(),
    )
    .unwrap();
}

on_both_databases!(
    a_poison_change_is_quarantined_and_never_stops_the_server,
    a_record_is_placed_by_what_it_says_not_by_its_label,
    a_device_cannot_move_its_household_into_another_union_council,
    a_supervisor_may_read_but_not_push,
    a_coordinator_sees_only_its_union_councils_on_the_hub,
    a_string_written_as_an_automerge_text_is_refused_naming_its_field,
    a_pull_past_the_end_of_the_log_answers_the_end,
    a_refusal_is_wholly_urdu_in_urdu,
    a_record_the_server_cannot_read_is_held_back_and_the_rest_syncs,
);
