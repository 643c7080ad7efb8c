//! Sync packs mixed with sync over HTTP, against a real server: what a pack brought is not
//! brought twice, an older pack never moves a device back, and a pack is checked as a push is.

use daakhla_server::scratch::Scratch;
use daakhla_server::{Role, ServerError, ServerPackError, on_both_databases};
use daakhla_store::Store;
use daakhla_sync::pack::{Enrolment, import_pack, write_pack};
use daakhla_sync::{Remote, sync};
use daakhla_testkit::context::ctx;

mod common;
use common::{World, survey};

/// A device: its store, and its id and token on the server.
struct Device {
    store: Store,
    id: String,
    token: String,
    remote: Remote,
}

fn cursor(store: &Store) -> u64 {
    store.pull_cursor().unwrap().unwrap().parse().unwrap()
}

impl World {
    fn device(&self, name: &str, scope: &str) -> Device {
        let (store, id, token) = self.enrol(name, Role::Coordinator, &[scope]);
        Device {
            store,
            id,
            remote: Remote::new(&self.running.url(), &token),
            token,
        }
    }
}

fn packs_and_http_sync_mix_without_doubling_or_going_back(scratch: Scratch) {
    let world = World::new(scratch);
    let mut a = world.device("ayesha", "UC1");
    let mut b = world.device("naila", "UC1");

    a.store
        .add_surveys(&[survey("V1", "UC1", "1")], &ctx(), &mut |_| {})
        .unwrap();
    let (pack, written) = write_pack(
        &a.store,
        Enrolment {
            device: &a.id,
            token: &a.token,
        },
        "ayesha",
        1,
    )
    .unwrap();
    assert_eq!(written.changes, 3);
    assert_eq!(world.server.import_pack(&pack).unwrap().new, 3);

    // The same changes over HTTP later: taken, not doubled, and now acknowledged.
    let synced = sync(&mut a.store, &a.remote, &mut |_| {}).unwrap();
    assert_eq!(synced.sent, 3);
    assert_eq!(world.server.import_pack(&pack).unwrap().new, 0);
    let (_, written) = write_pack(
        &a.store,
        Enrolment {
            device: &a.id,
            token: &a.token,
        },
        "ayesha",
        2,
    )
    .unwrap();
    assert_eq!(
        written.changes, 0,
        "a sync acknowledged what the pack carried"
    );

    // B takes a pack from the server, then syncs: nothing comes twice.
    let (first, packed) = world.server.write_pack(&b.id, 0, 3).unwrap();
    let got = import_pack(
        &mut b.store,
        Enrolment {
            device: &b.id,
            token: &b.token,
        },
        &first,
    )
    .unwrap();
    assert_eq!((got.new_changes, got.cursor_moved), (3, true));
    assert_eq!(cursor(&b.store), packed.upto);
    let synced = sync(&mut b.store, &b.remote, &mut |_| {}).unwrap();
    assert_eq!(synced.received, 0);

    // More arrives over HTTP; the old pack taken again moves nothing back.
    a.store
        .add_surveys(&[survey("V1", "UC1", "2")], &ctx(), &mut |_| {})
        .unwrap();
    sync(&mut a.store, &a.remote, &mut |_| {}).unwrap();
    assert_eq!(
        sync(&mut b.store, &b.remote, &mut |_| {}).unwrap().received,
        3
    );
    let ahead = cursor(&b.store);
    assert!(ahead > packed.upto);
    let again = import_pack(
        &mut b.store,
        Enrolment {
            device: &b.id,
            token: &b.token,
        },
        &first,
    )
    .unwrap();
    assert_eq!((again.new_changes, again.cursor_moved), (0, false));
    assert_eq!(cursor(&b.store), ahead);
    assert_eq!(b.store.snapshot().unwrap(), a.store.snapshot().unwrap());
}

fn a_pack_is_checked_as_a_push_and_refused_whole(scratch: Scratch) {
    let world = World::new(scratch);
    let mut a = world.device("ayesha", "UC1");
    a.store
        .add_surveys(
            &[survey("V1", "UC1", "1"), survey("W1", "UC2", "1")],
            &ctx(),
            &mut |_| {},
        )
        .unwrap();
    let (pack, _) = write_pack(
        &a.store,
        Enrolment {
            device: &a.id,
            token: &a.token,
        },
        "ayesha",
        1,
    )
    .unwrap();
    let refused = world.server.import_pack(&pack).unwrap_err();
    assert!(
        matches!(
            refused,
            ServerPackError::Server(ServerError::OutOfScope { ref scope, .. }) if scope == "UC2"
        ),
        "{refused:?}"
    );
    assert!(refused.is_refusal());
    let (everything, _) = world
        .server
        .add_device("admin", Role::Admin, &["*".to_string()])
        .unwrap();
    let logged = world.server.pull(&everything, 0, 100).unwrap();
    assert!(logged.changes.is_empty(), "nothing of the pack was logged");

    // Sealed with another device's token, it is refused before it is read.
    let b = world.device("naila", "UC1");
    let forged = Enrolment {
        device: &a.id,
        token: &b.token,
    };
    let (pack, _) = write_pack(&a.store, forged, "ayesha", 1).unwrap();
    assert!(matches!(
        world.server.import_pack(&pack),
        Err(ServerPackError::Pack(daakhla_wire::PackError::Tampered))
    ));
}

on_both_databases!(
    packs_and_http_sync_mix_without_doubling_or_going_back,
    a_pack_is_checked_as_a_push_and_refused_whole,
);
