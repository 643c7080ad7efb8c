//! Lost and replaced phones, on both databases: a revoked token is refused at once with a
//! sentence saying so, a rotated one gives way to its new token under the same id, a phone
//! found again loses nothing it recorded offline, a hub's revocations reach the central
//! server, and enrolment attempts are limited.

use daakhla_server::scratch::Scratch;
use daakhla_server::{Role, Server, on_both_databases};
use daakhla_sync::{Remote, SyncError, sync};
use daakhla_testkit::context::ctx;
use daakhla_testkit::places::two_union_councils;
use daakhla_testkit::stores::device_store;
use std::sync::Arc;
use std::time::Duration;

mod common;
use common::{World, survey};

const DAYS_3: Duration = Duration::from_secs(72 * 3600);

fn quiet() -> impl FnMut(daakhla_sync::Progress) {
    |_| {}
}

/// The status, English and Urdu sentences of a refusal.
fn refusal<T: std::fmt::Debug>(answer: Result<T, SyncError>) -> (u16, String, String) {
    match answer {
        Err(SyncError::Refused {
            status,
            message,
            message_ur,
            ..
        }) => (status, message, message_ur),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn a_phone_found_again_loses_nothing_it_recorded_offline(scratch: Scratch) {
    let world = World::new(scratch);
    let url = world.running.url();
    let code = world
        .server
        .add_enrolment("ayesha", Role::ResourcePerson, &["UC1".into()], DAYS_3)
        .unwrap();
    let first = Remote::enrol(&url, &code).unwrap();
    let mut phone = device_store(world.dir.path(), "ayesha");
    phone
        .add_surveys(&[survey("V1", "UC1", "1")], &ctx(), &mut |_| {})
        .unwrap();
    let remote = Remote::new(&url, &first.token);
    assert_eq!(sync(&mut phone, &remote, &mut quiet()).unwrap().sent, 3);

    // Two more households offline, then the phone is reported lost.
    phone
        .add_surveys(
            &[survey("V1", "UC1", "2"), survey("V2", "UC1", "3")],
            &ctx(),
            &mut |_| {},
        )
        .unwrap();
    assert_eq!(phone.changes_waiting_to_push().unwrap(), 6);
    let before = phone.snapshot().unwrap();
    let revoked = world.server.revoke_device(&first.device_id).unwrap();
    assert!(revoked.revoked_at.is_some());

    // Refused at the very next request, as revoked, in both languages.
    let (status, message, message_ur) = refusal(remote.whoami());
    assert_eq!(status, 401);
    assert!(
        message.contains("revoked") && message.contains("enrol"),
        "{message}"
    );
    assert!(message_ur.contains("منسوخ"), "{message_ur}");
    let (status, message, _) = refusal(sync(&mut phone, &remote, &mut quiet()));
    assert_eq!(status, 401);
    assert!(message.contains("revoked"), "{message}");
    let (status, message, _) = refusal(daakhla_sync::Transport::pull(&remote, 0));
    assert_eq!(status, 401, "{message}");
    // A token never issued is told apart.
    let (status, message, _) = refusal(Remote::new(&url, "not-a-token").whoami());
    assert_eq!(status, 401);
    assert!(!message.contains("revoked"), "{message}");

    // Nothing marked as sent, nothing deleted.
    assert_eq!(phone.changes_waiting_to_push().unwrap(), 6);
    assert_eq!(phone.snapshot().unwrap(), before);

    // Found again: enrolled anew with a new one-time code, it sends everything.
    let code = world
        .server
        .add_enrolment("ayesha", Role::ResourcePerson, &["UC1".into()], DAYS_3)
        .unwrap();
    let second = Remote::enrol(&url, &code).unwrap();
    assert_ne!(second.device_id, first.device_id);
    let remote = Remote::new(&url, &second.token);
    let synced = sync(&mut phone, &remote, &mut quiet()).unwrap();
    assert_eq!(synced.sent, 6);
    assert_eq!(phone.changes_waiting_to_push().unwrap(), 0);
    assert_eq!(phone.snapshot().unwrap(), world.server.snapshot().unwrap());
    assert_eq!(
        world.server.snapshot().unwrap().len(),
        9,
        "3 households, 6 children"
    );
    // Every change once in the log: what an admin pulls from the start.
    let (_, admin) = world
        .server
        .add_device("admin", Role::Admin, &["*".into()])
        .unwrap();
    let admin = world.server.authenticate(&admin).unwrap();
    assert_eq!(
        world.server.pull(&admin, 0, 2_000).unwrap().changes.len(),
        9
    );

    // Both devices are listed; the lost one kept, marked revoked.
    let devices = world.server.devices().unwrap();
    let listed = |id: &str| devices.iter().find(|d| d.device.id == id).unwrap();
    assert!(listed(&first.device_id).revoked_at.is_some());
    assert!(listed(&first.device_id).last_seen.is_some());
    assert!(listed(&second.device_id).revoked_at.is_none());
}

fn a_rotated_token_gives_way_to_its_new_one_under_the_same_id(scratch: Scratch) {
    let world = World::new(scratch);
    let url = world.running.url();
    let (mut phone, id, old) = world.enrol("naila", Role::ResourcePerson, &["UC1"]);
    phone
        .add_surveys(&[survey("V1", "UC1", "1")], &ctx(), &mut |_| {})
        .unwrap();
    sync(&mut phone, &Remote::new(&url, &old), &mut quiet()).unwrap();

    let (entry, new) = world.server.rotate_device(&id).unwrap();
    assert_eq!(entry.device.id, id);
    assert!(entry.revoked_at.is_none());
    let (status, message, _) = refusal(Remote::new(&url, &old).whoami());
    assert_eq!(status, 401);
    assert!(message.contains("revoked"), "{message}");
    let me = Remote::new(&url, &new).whoami().unwrap();
    assert_eq!((me.id.as_str(), me.user.as_str()), (id.as_str(), "naila"));
    // Its sync packs are sealed with the new token; the device is the same.
    assert!(world.server.device_for_packs(&id).unwrap().is_some());

    // A revoked device stays revoked: it is not rotated back to life.
    world.server.revoke_device(&id).unwrap();
    let first_time = world.server.device_entry(&id).unwrap().revoked_at;
    assert!(matches!(
        world.server.rotate_device(&id),
        Err(daakhla_server::ServerError::Revoked)
    ));
    world.server.revoke_device(&id).unwrap();
    assert_eq!(
        world.server.device_entry(&id).unwrap().revoked_at,
        first_time
    );
    assert_eq!(refusal(Remote::new(&url, &new).whoami()).0, 401);
    assert!(
        world.server.device_for_packs(&id).unwrap().is_none(),
        "a revoked device's packs are refused"
    );
    assert!(matches!(
        world.server.revoke_device("no-such-device"),
        Err(daakhla_server::ServerError::NoSuchDevice(_))
    ));
}

fn a_hub_tells_the_central_server_which_phones_it_revoked(scratch: Scratch) {
    let dir = tempfile::tempdir().unwrap();
    let central = Arc::new(Server::open(scratch.location()).unwrap());
    central.import_geography(&two_union_councils()).unwrap();
    let central_running = daakhla_server::spawn(central.clone(), "127.0.0.1:0").unwrap();
    let hub = Arc::new(Server::open(dir.path().join("hub")).unwrap());
    hub.import_geography(&two_union_councils()).unwrap();
    let hub_running = daakhla_server::spawn(hub.clone(), "127.0.0.1:0").unwrap();
    let (hub_device, hub_token) = central
        .add_device("UC1 office hub", Role::Coordinator, &["UC1".into()])
        .unwrap();
    let upstream = Remote::new(&central_running.url(), &hub_token);

    let (phone_device, phone_token) = hub
        .add_device("sana", Role::ResourcePerson, &["UC1".into()])
        .unwrap();
    let mut phone = device_store(dir.path(), "sana");
    phone
        .add_surveys(&[survey("V1", "UC1", "1")], &ctx(), &mut |_| {})
        .unwrap();
    sync(
        &mut phone,
        &Remote::new(&hub_running.url(), &phone_token),
        &mut quiet(),
    )
    .unwrap();
    assert_eq!(hub.relay(&upstream).unwrap().revoked_told, 0);

    hub.revoke_device(&phone_device.id).unwrap();
    let relayed = hub.relay(&upstream).unwrap();
    assert_eq!(relayed.revoked_told, 1);
    let listed = central.devices().unwrap();
    let reported = listed
        .iter()
        .find(|d| d.device.id == phone_device.id)
        .expect("the hub's phone is listed upstream");
    assert_eq!(reported.device.user, "sana");
    assert!(reported.revoked_at.is_some() && reported.last_seen.is_some());
    let at_hub = reported.hub.as_ref().expect("with its hub");
    assert_eq!(
        (at_hub.id.as_str(), at_hub.user.as_str()),
        (hub_device.id.as_str(), "UC1 office hub")
    );
    assert_eq!(
        hub.relay(&upstream).unwrap().revoked_told,
        0,
        "told once, not every round"
    );
    assert_eq!(central.snapshot().unwrap(), hub.snapshot().unwrap());

    // Only a coordinator's or admin's device may report for a hub.
    let (_, resource_person) = central
        .add_device("bilal", Role::ResourcePerson, &["UC1".into()])
        .unwrap();
    let (status, ..) = refusal(daakhla_sync::Transport::report_revoked(
        &Remote::new(&central_running.url(), &resource_person),
        &[],
    ));
    assert_eq!(status, 403);
}

fn enrolment_attempts_are_limited_with_a_retry_after(scratch: Scratch) {
    let world = World::new(scratch);
    let client = daakhla_sync::tls::http_client();
    let attempt = |code: &str| {
        client
            .post(format!("{}/v1/enrol", world.running.url()))
            .header("content-type", "application/json")
            .body(serde_json::json!({ "code": code }).to_string())
            .send()
            .unwrap()
    };
    for n in 0..daakhla_server::limit::PER_ADDRESS_PER_MINUTE {
        assert_eq!(
            attempt("AAAA-BBBB-CCCC").status().as_u16(),
            404,
            "attempt {n}"
        );
    }
    // Over the limit, even a good code is refused untried, and stays good.
    let good = world
        .server
        .add_enrolment("ayesha", Role::ResourcePerson, &["UC1".into()], DAYS_3)
        .unwrap();
    let refused = attempt(&good);
    assert_eq!(refused.status().as_u16(), 429);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=6).contains(&wait), "{wait}");
    let body: serde_json::Value = serde_json::from_slice(&refused.bytes().unwrap()).unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("too many"),
        "{body}"
    );
    assert!(!body["error_ur"].as_str().unwrap().is_empty(), "{body}");
    std::thread::sleep(Duration::from_secs(wait));
    assert_eq!(attempt(&good).status().as_u16(), 200);
}

on_both_databases!(
    a_phone_found_again_loses_nothing_it_recorded_offline,
    a_rotated_token_gives_way_to_its_new_one_under_the_same_id,
    a_hub_tells_the_central_server_which_phones_it_revoked,
    enrolment_attempts_are_limited_with_a_retry_after,
);
