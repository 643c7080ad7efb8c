//! The convergence property: five devices (real stores) and a real server over loopback make
//! random offline creates, same-field and different-field edits and follow-ups, and sync in
//! random order through a link that drops requests, loses acknowledgements, repeats pushes,
//! replays stale pulls and reorders changes. Once everyone has synced cleanly, every device
//! and the server hold the same records and the same conflicts, no record is lost, and every
//! value shown was written by someone.
//!
//! Each case is one seed. A failure prints its seed; replay it with
//! `DAAKHLA_CONVERGENCE_SEED=<seed> cargo test -p daakhla-sync --test convergence`.
//! `DAAKHLA_CONVERGENCE_CASES=<n>` runs more cases.

use daakhla_server::scratch::Scratch;
use daakhla_server::{Role, Server};
use daakhla_store::Store;
use daakhla_sync::{Remote, sync};
use daakhla_testkit::places::two_union_councils;
use daakhla_testkit::stores::device_store;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::sync::Arc;

mod common;
use common::*;

/// Runs one case; returns the kinds of record it ended with.
fn run_case(seed: u64, scratch: Scratch) -> BTreeSet<String> {
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let server = Arc::new(Server::open(scratch.location()).unwrap());
    server.import_geography(&two_union_councils()).unwrap();
    let running = daakhla_server::spawn(server.clone(), "127.0.0.1:0").unwrap();

    let mut devices: Vec<(Store, Remote)> = (0..DEVICES)
        .map(|i| {
            let store = device_store(dir.path(), &format!("device {i}"));
            let (_, token) = server
                .add_device(
                    &format!("device {i}"),
                    Role::ResourcePerson,
                    &["UC1".into()],
                )
                .unwrap();
            (store, Remote::new(&running.url(), &token))
        })
        .collect();

    let mut written = Written::new();
    let mut serial = 0;
    for _ in 0..OPS {
        let d = rng.below(DEVICES);
        if rng.chance(20) {
            let (store, remote) = &mut devices[d];
            let link = FlakyLink {
                remote,
                rng: RefCell::new(Rng(rng.next())),
                last_pull: RefCell::new(None),
            };
            let _ = sync(store, &link, &mut |_| {});
        } else {
            random_op(&mut rng, &mut devices[d].0, &mut written, d, &mut serial);
        }
    }

    // Everyone syncs cleanly, twice round, so that each has what the others sent last.
    for _ in 0..2 {
        for (store, remote) in devices.iter_mut() {
            sync(store, remote, &mut |_| {})
                .unwrap_or_else(|e| panic!("seed {seed}: clean sync failed: {e}"));
        }
    }

    let on_server = server.snapshot().unwrap();
    let conflicts_on_server = server.conflicts().unwrap();
    for (i, (store, _)) in devices.iter().enumerate() {
        let snapshot = store.snapshot().unwrap();
        let differing: Vec<&String> = on_server
            .keys()
            .chain(snapshot.keys())
            .filter(|k| on_server.get(*k) != snapshot.get(*k))
            .collect();
        assert!(
            differing.is_empty(),
            "seed {seed}: device {i} differs from the server on {differing:?}"
        );
        assert_eq!(
            store.conflicts().unwrap(),
            conflicts_on_server,
            "seed {seed}: device {i}'s conflicts differ"
        );
        assert_eq!(
            store.changes_waiting_to_push().unwrap(),
            0,
            "seed {seed}: device {i} still has changes to send"
        );
    }

    // Nothing from nowhere: every value shown was written by some device.
    let mut checked = 0;
    let record_of = |shown: &String| -> Value {
        serde_json::from_str(shown.split(" @").next().unwrap()).unwrap()
    };
    for shown in on_server.values() {
        let record = record_of(shown);
        let id = record["id"].as_str().unwrap().to_string();
        for (field, value) in record.as_object().unwrap() {
            // Merges and deletes write these without going through the test's log.
            if ["merged_into", "deleted", "household_id"].contains(&field.as_str()) {
                continue;
            }
            if let Some(values) = written.get(&(id.clone(), field.clone())) {
                assert!(
                    values.contains(&value.to_string()),
                    "seed {seed}: {id}.{field} = {value} was never written"
                );
                checked += 1;
            }
        }
    }
    // No record lost: every record created anywhere is everywhere.
    let created: BTreeSet<&String> = written.keys().map(|(id, _)| id).collect();
    let present: BTreeSet<String> = on_server
        .values()
        .map(|b| record_of(b)["id"].as_str().unwrap().to_string())
        .collect();
    for id in created {
        assert!(present.contains(id), "seed {seed}: record {id} was lost");
    }
    assert!(checked > 0, "seed {seed}: the case wrote nothing");
    on_server
        .keys()
        .filter_map(|key| key.split('/').next())
        .map(str::to_string)
        .collect()
}

/// Runs the cases (or the one seed to replay) with fresh server data from `scratch` each.
fn converge(scratch: impl Fn() -> Scratch) {
    if let Some(seed) = std::env::var("DAAKHLA_CONVERGENCE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        println!("replaying seed {seed}");
        run_case(seed, scratch());
        return;
    }
    let cases: u64 = std::env::var("DAAKHLA_CONVERGENCE_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12);
    let mut kinds = BTreeSet::new();
    for case in 0..cases {
        let seed = 0xDAA_0000 + case;
        println!("case {case}: seed {seed}");
        kinds.extend(run_case(seed, scratch()));
    }
    let every: BTreeSet<String> = daakhla_domain::RecordKind::ALL
        .iter()
        .map(|k| k.code().to_string())
        .collect();
    assert_eq!(kinds, every, "the cases exercised every kind of record");
}

#[test]
fn devices_and_a_server_on_sqlite_converge_whatever_the_order_and_the_faults() {
    converge(Scratch::sqlite);
}

#[test]
fn devices_and_a_server_on_postgres_converge_whatever_the_order_and_the_faults() {
    if Scratch::postgres().is_some() {
        converge(|| Scratch::postgres().expect("DATABASE_URL was set a moment ago"));
    }
}
