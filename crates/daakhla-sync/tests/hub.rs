//! A union council hub between phones and the central server: some phones only ever reach
//! the hub, others only the central server, and the hub's link upstream is cut and restored at
//! random (and, while up, drops requests, loses acknowledgements and replays stale answers
//! like any village link). Once everyone has synced and the hub has relayed, the central
//! server, the hub and every phone hold the same records and conflicts, and no record is lost.
//!
//! A failure prints its seed; replay it with
//! `DAAKHLA_HUB_SEED=<seed> cargo test -p daakhla-sync --test hub`.

use daakhla_server::scratch::Scratch;
use daakhla_server::{Role, Server};
use daakhla_store::Store;
use daakhla_sync::{Remote, sync};
use daakhla_testkit::places::two_union_councils;
use daakhla_testkit::stores::device_store;
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::sync::Arc;

mod common;
use common::*;

/// Phones enrolled at the hub; the rest are enrolled at the central server.
const AT_HUB: usize = 3;

fn run_case(seed: u64, central_data: Scratch) {
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let central = Arc::new(Server::open(central_data.location()).unwrap());
    central.import_geography(&two_union_councils()).unwrap();
    let central_running = daakhla_server::spawn(central.clone(), "127.0.0.1:0").unwrap();
    let hub = Arc::new(Server::open(dir.path().join("hub")).unwrap());
    hub.import_geography(&two_union_councils()).unwrap();
    let hub_running = daakhla_server::spawn(hub.clone(), "127.0.0.1:0").unwrap();
    let (_, hub_token) = central
        .add_device("UC1 office hub", Role::Coordinator, &["UC1".into()])
        .unwrap();
    let upstream = Remote::new(&central_running.url(), &hub_token);

    let mut devices: Vec<(Store, Remote)> = (0..DEVICES)
        .map(|i| {
            let store = device_store(dir.path(), &format!("device {i}"));
            let (server, running) = if i < AT_HUB {
                (&hub, &hub_running)
            } else {
                (&central, &central_running)
            };
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
    let mut link_up = true;
    for _ in 0..OPS {
        let d = rng.below(DEVICES);
        if rng.chance(8) {
            link_up = !link_up;
        }
        if rng.chance(20) {
            let (store, remote) = &mut devices[d];
            let link = FlakyLink {
                remote,
                rng: RefCell::new(Rng(rng.next())),
                last_pull: RefCell::new(None),
            };
            let _ = sync(store, &link, &mut |_| {});
        } else if rng.chance(15) && link_up {
            let link = FlakyLink {
                remote: &upstream,
                rng: RefCell::new(Rng(rng.next())),
                last_pull: RefCell::new(None),
            };
            let _ = hub.relay(&link);
        } else {
            random_op(&mut rng, &mut devices[d].0, &mut written, d, &mut serial);
        }
    }

    // The link comes back for good: phones sync, the hub relays, three times round, so that
    // what a phone at one end sent last reaches the phones at the other.
    for _ in 0..3 {
        for (store, remote) in devices.iter_mut() {
            sync(store, remote, &mut |_| {})
                .unwrap_or_else(|e| panic!("seed {seed}: clean sync failed: {e}"));
        }
        hub.relay(&upstream)
            .unwrap_or_else(|e| panic!("seed {seed}: clean relay failed: {e}"));
    }
    assert_eq!(
        hub.hub_status().unwrap().pending_upstream,
        0,
        "seed {seed}: the hub still has changes to send"
    );

    let on_central = central.snapshot().unwrap();
    let conflicts = central.conflicts().unwrap();
    let holders = std::iter::once(("the hub".to_string(), hub.snapshot().unwrap())).chain(
        devices
            .iter()
            .enumerate()
            .map(|(i, (store, _))| (format!("device {i}"), store.snapshot().unwrap())),
    );
    for (who, snapshot) in holders {
        let differing: Vec<&String> = on_central
            .keys()
            .chain(snapshot.keys())
            .filter(|k| on_central.get(*k) != snapshot.get(*k))
            .collect();
        assert!(
            differing.is_empty(),
            "seed {seed}: {who} differs from the central server on {differing:?}"
        );
    }
    assert_eq!(hub.conflicts().unwrap(), conflicts, "seed {seed}: hub");
    for (i, (store, _)) in devices.iter().enumerate() {
        assert_eq!(store.conflicts().unwrap(), conflicts, "seed {seed}: {i}");
    }
    let created: BTreeSet<&String> = written.keys().map(|(id, _)| id).collect();
    for id in created {
        assert!(
            on_central.keys().any(|k| k.ends_with(id.as_str())),
            "seed {seed}: record {id} was lost"
        );
    }
    assert!(
        !on_central.is_empty(),
        "seed {seed}: the case wrote nothing"
    );
}

fn hub_cases(central_data: impl Fn() -> Scratch) {
    if let Some(seed) = std::env::var("DAAKHLA_HUB_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        println!("replaying seed {seed}");
        return run_case(seed, central_data());
    }
    for case in 0..6 {
        let seed = 0x0B_0000 + case;
        println!("case {case}: seed {seed}");
        run_case(seed, central_data());
    }
}

#[test]
fn phones_at_the_hub_and_at_the_centre_converge_through_a_cut_link_with_a_central_server_on_sqlite()
{
    hub_cases(Scratch::sqlite);
}

#[test]
fn phones_at_the_hub_and_at_the_centre_converge_through_a_cut_link_with_a_central_server_on_postgres()
 {
    if Scratch::postgres().is_some() {
        hub_cases(|| Scratch::postgres().expect("DATABASE_URL was set a moment ago"));
    }
}
