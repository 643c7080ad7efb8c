//! The server serving many phones at once: a push is answered once it is logged and its
//! records follow in the background, and several `daakhla-server`s on one PostgreSQL
//! database serve the same devices, pushing and pulling at the same time, with nothing lost
//! and nothing doubled.

use daakhla_server::scratch::Scratch;
use daakhla_server::{Role, Server, on_both_databases};
use daakhla_store::Store;
use daakhla_sync::{Remote, sync};
use daakhla_testkit::context::ctx;
use daakhla_testkit::places::two_union_councils;
use daakhla_testkit::stores::device_store;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;
use common::{World, survey};

/// Waits (up to 20 s) until the server's records show everything it logged, without asking it
/// to catch up: only its background materialiser can.
fn until_materialised(server: &Server) {
    let started = Instant::now();
    while server.behind().unwrap() > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the records never caught up with the log by themselves"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn a_push_is_materialised_in_the_background(scratch: Scratch) {
    let world = World::new(scratch);
    let (mut store, _, token) = world.enrol("ayesha", Role::ResourcePerson, &["UC1"]);
    store
        .add_surveys(&[survey("V1", "UC1", "7")], &ctx(), &mut |_| {})
        .unwrap();
    let summary = sync(
        &mut store,
        &Remote::new(&world.running.url(), &token),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(summary.sent, 3);
    until_materialised(&world.server);

    let (supervisor, _) = world
        .server
        .add_device("supervisor", Role::Supervisor, &["UC1".into()])
        .unwrap();
    let request = daakhla_reports::ReportRequest {
        area: Some("UC1".into()),
        from: None,
        to: None,
    };
    let report = world.server.report(&supervisor, &request).unwrap();
    assert_eq!(report.households, 1);
    assert_eq!(report.out_of_school.girls, 1);
    assert_eq!(report.pending_changes, 0);
}

on_both_databases!(a_push_is_materialised_in_the_background);

const PHONES: usize = 6;
const ROUNDS: usize = 4;

/// Two servers on one database; each phone, on a thread of its own, surveys a household a
/// round and syncs with the servers in turn, all at once.
#[test]
fn two_servers_on_one_postgresql_database_serve_the_same_phones() {
    let Some(scratch) = Scratch::postgres() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let servers: Vec<Arc<Server>> = (0..2)
        .map(|_| Arc::new(Server::open(scratch.location()).unwrap()))
        .collect();
    servers[0].import_geography(&two_union_councils()).unwrap();
    let running: Vec<_> = servers
        .iter()
        .map(|server| daakhla_server::spawn(server.clone(), "127.0.0.1:0").unwrap())
        .collect();
    let urls: Vec<String> = running.iter().map(|r| r.url()).collect();

    let phones: Vec<(Store, String)> = (0..PHONES)
        .map(|i| {
            let name = format!("phone {i}");
            let (_, token) = servers[i % 2]
                .add_device(&name, Role::ResourcePerson, &["UC1".into()])
                .unwrap();
            (device_store(dir.path(), &name), token)
        })
        .collect();

    let workers: Vec<_> = phones
        .into_iter()
        .enumerate()
        .map(|(i, (mut store, token))| {
            let urls = urls.clone();
            std::thread::spawn(move || {
                for round in 0..ROUNDS {
                    let number = format!("{}", i * 100 + round);
                    let village = if round % 2 == 0 { "V1" } else { "V2" };
                    store
                        .add_surveys(&[survey(village, "UC1", &number)], &ctx(), &mut |_| {})
                        .unwrap();
                    let remote = Remote::new(&urls[(i + round) % 2], &token);
                    sync(&mut store, &remote, &mut |_| {})
                        .unwrap_or_else(|e| panic!("phone {i}, round {round}: {e}"));
                }
                (store, token)
            })
        })
        .collect();
    let mut phones: Vec<(Store, String)> = workers.into_iter().map(|w| w.join().unwrap()).collect();

    // Everyone syncs once more with each server, so that each has all the others sent.
    for (store, token) in &mut phones {
        for url in &urls {
            sync(store, &Remote::new(url, token), &mut |_| {}).unwrap();
        }
    }
    for server in &servers {
        until_materialised(server);
    }

    // Every change once in the log, at positions both servers agree on.
    let (reader, _) = servers[0]
        .add_device("reader", Role::Coordinator, &["UC1".into()])
        .unwrap();
    let logs: Vec<(Vec<Vec<u8>>, Vec<u64>)> = servers
        .iter()
        .map(|server| {
            let (mut changes, mut cursors) = (Vec::new(), Vec::new());
            let mut after = 0;
            loop {
                let pull = server.pull(&reader, after, 10).unwrap();
                changes.extend(pull.changes.into_iter().map(|c| c.bytes));
                cursors.push(pull.cursor);
                after = pull.cursor;
                if !pull.more {
                    break;
                }
            }
            (changes, cursors)
        })
        .collect();
    assert_eq!(logs[0], logs[1], "the two servers hand out different logs");
    let records = PHONES * ROUNDS * 3;
    assert_eq!(
        logs[0].0.len(),
        records,
        "changes lost or doubled in the log"
    );
    let distinct: BTreeSet<&Vec<u8>> = logs[0].0.iter().collect();
    assert_eq!(distinct.len(), records, "a change logged twice");

    // Every phone holds every record, as the servers' records do.
    let on_server = servers[1].snapshot().unwrap();
    assert_eq!(on_server.len(), records);
    assert_eq!(on_server, servers[0].snapshot().unwrap());
    for (i, (store, _)) in phones.iter().enumerate() {
        assert_eq!(store.snapshot().unwrap(), on_server, "phone {i} differs");
        assert_eq!(store.changes_waiting_to_push().unwrap(), 0);
    }
}
