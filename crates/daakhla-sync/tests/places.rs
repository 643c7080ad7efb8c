//! The places a device records in reach the server, on both databases: a server that knew
//! only the provinces and districts shows a phone's households in their district and union
//! council after one sync; a place outside the phone's scope is refused with a sentence naming
//! it, without holding up the records; and what sits in places the server lacks is counted,
//! not silently left out.

use daakhla_reports::ReportRequest;
use daakhla_server::scratch::Scratch;
use daakhla_server::{Role, Running, Server, on_both_databases};
use daakhla_sync::{Remote, SyncError, Transport, sync};
use daakhla_testkit::context::ctx;
use daakhla_testkit::places::two_union_councils;
use daakhla_testkit::stores::device_store;
use std::sync::Arc;

mod common;
use common::survey;

/// A server with the reference geography only, as an operator starts one.
fn bare_server(scratch: &Scratch) -> (Arc<Server>, Running) {
    let server = Arc::new(Server::open(scratch.location()).unwrap());
    let running = daakhla_server::spawn(server.clone(), "127.0.0.1:0").unwrap();
    (server, running)
}

fn report(
    server: &Server,
    viewer: &daakhla_server::Device,
    area: Option<&str>,
) -> daakhla_reports::Report {
    let request = ReportRequest {
        area: area.map(str::to_string),
        ..ReportRequest::default()
    };
    // A push is answered once it is logged: these figures are of everything it sent.
    server.materialise().unwrap();
    let report = server.report(viewer, &request).unwrap();
    assert_eq!(report.pending_changes, 0);
    report
}

fn a_phones_places_reach_the_server_and_its_reports_show_them(scratch: Scratch) {
    let (server, running) = bare_server(&scratch);
    let dir = tempfile::tempdir().unwrap();
    let (_, token) = server
        .add_device("ayesha", Role::ResourcePerson, &["UC1".into()])
        .unwrap();
    let (supervisor, _) = server
        .add_device("sadia", Role::Supervisor, &["SD-THT".into()])
        .unwrap();
    let mut phone = device_store(dir.path(), "ayesha");
    phone
        .add_surveys(
            &[survey("V1", "UC1", "1"), survey("V2", "UC1", "2")],
            &ctx(),
            &mut |_| {},
        )
        .unwrap();

    // Before the phone syncs, the supervisor's district is empty and nothing is unplaced.
    let before = report(&server, &supervisor, Some("SD-THT"));
    assert_eq!(before.households, 0);

    let remote = Remote::new(&running.url(), &token);
    let summary = sync(&mut phone, &remote, &mut |_| {}).unwrap();
    assert_eq!(summary.sent, 6);
    assert_eq!(summary.places_refused, None);
    // UC1, its tehsil, its two villages.
    assert_eq!(summary.places_sent, 4);

    let district = report(&server, &supervisor, Some("SD-THT"));
    assert_eq!(
        district.households, 2,
        "the district shows the phone's households"
    );
    assert_eq!(district.out_of_school.girls, 2);
    let uc = report(&server, &supervisor, Some("UC1"));
    let villages: Vec<(&str, u64)> = uc
        .parts
        .iter()
        .map(|p| (p.place.code.as_str(), p.households))
        .collect();
    assert_eq!(villages, [("V1", 1), ("V2", 1)]);
    assert_eq!(uc.unplaced_households, 0);
    let everywhere = report(&server, &supervisor, None);
    assert_eq!(everywhere.households, 2);
    assert_eq!(everywhere.unplaced_households, 0);

    // The next sync sends no places again: the server has them as they are.
    phone
        .add_surveys(&[survey("V1", "UC1", "3")], &ctx(), &mut |_| {})
        .unwrap();
    let again = sync(&mut phone, &remote, &mut |_| {}).unwrap();
    assert_eq!((again.sent, again.places_sent), (3, 0));
}

fn places_outside_the_phones_scope_are_refused_and_their_records_still_counted(scratch: Scratch) {
    let (server, running) = bare_server(&scratch);
    let (_, token) = server
        .add_device("ayesha", Role::ResourcePerson, &["UC1".into()])
        .unwrap();
    let remote = Remote::new(&running.url(), &token);

    // Straight at the route: another union council, a district, a village of another UC.
    let whole = two_union_councils();
    let mut other_uc = whole.clone();
    other_uc.union_councils.retain(|p| p.code == "UC2");
    other_uc
        .villages
        .retain(|p| p.parent.as_deref() == Some("UC2"));
    let mut district = daakhla_domain::geography::Geography::default();
    district.districts.push(daakhla_domain::geography::Place {
        code: "SD-NEW".into(),
        parent: Some("SD".into()),
        name: daakhla_domain::lang::Bilingual {
            en: "New".into(),
            ur: "نیا".into(),
        },
        demo: false,
    });
    for (places, code, en, ur) in [
        (
            &other_uc,
            "UC2",
            "not a union council of this device",
            "اس ڈیوائس کی یونین کونسل نہیں",
        ),
        (&district, "SD-NEW", "operator only", "سرور کا منتظم"),
    ] {
        match remote.send_places(places) {
            Err(SyncError::Refused {
                status,
                message,
                message_ur,
                ..
            }) => {
                assert_eq!(status, 403);
                assert!(message.contains(code) && message.contains(en), "{message}");
                assert!(
                    message_ur.contains(code) && message_ur.contains(ur),
                    "{message_ur}"
                );
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    let places = |code: &str| {
        let (admin, _) = server
            .add_device("admin", Role::Admin, &["*".into()])
            .unwrap();
        report(&server, &admin, None)
            .parts
            .iter()
            .any(|p| p.place.code == code)
    };
    assert!(!places("SD-NEW"), "nothing was added");

    // A supervisor's places cannot come from a phone that does not record.
    let (_, supervisor_token) = server
        .add_device("sadia", Role::Supervisor, &["SD".into()])
        .unwrap();
    let supervisor = Remote::new(&running.url(), &supervisor_token);
    assert!(matches!(
        supervisor.send_places(&whole),
        Err(SyncError::Refused { status: 403, .. })
    ));
}

fn households_in_places_the_server_lacks_are_counted_for_those_who_may_see_them(scratch: Scratch) {
    let (server, running) = bare_server(&scratch);
    let dir = tempfile::tempdir().unwrap();
    let (_, token) = server
        .add_device("ayesha", Role::ResourcePerson, &["UC1".into()])
        .unwrap();
    let (coordinator, _) = server
        .add_device("bilal", Role::Coordinator, &["UC1".into()])
        .unwrap();
    let (admin, _) = server
        .add_device("admin", Role::Admin, &["*".into()])
        .unwrap();
    let mut phone = device_store(dir.path(), "ayesha");
    phone
        .add_surveys(&[survey("V1", "UC1", "1")], &ctx(), &mut |_| {})
        .unwrap();
    // As an older app, or a link that drops the places, leaves it: records without places.
    struct NoPlaces<'a>(&'a Remote);
    impl Transport for NoPlaces<'_> {
        fn push(&self, push: daakhla_wire::Push) -> Result<u64, SyncError> {
            self.0.push(push)
        }
        fn send_places(&self, _: &daakhla_domain::geography::Geography) -> Result<u64, SyncError> {
            Err(SyncError::Refused {
                status: 404,
                message: "there is no POST /v1/places here".into(),
                message_ur: "یہ راستہ نہیں".into(),
                doc_id: None,
            })
        }
        fn pull(&self, after: u64) -> Result<(daakhla_wire::Pull, u64), SyncError> {
            self.0.pull(after)
        }
    }
    let remote = Remote::new(&running.url(), &token);
    let summary = sync(&mut phone, &NoPlaces(&remote), &mut |_| {}).unwrap();
    assert_eq!(summary.sent, 3, "the records go without their places");
    assert!(summary.places_refused.unwrap().contains("/v1/places"));

    assert_eq!(report(&server, &admin, None).unplaced_households, 1);
    assert_eq!(report(&server, &coordinator, None).unplaced_households, 1);

    // The next sync sends the places, and the household is shown where it lies.
    let summary = sync(&mut phone, &remote, &mut |_| {}).unwrap();
    assert_eq!(summary.sent, 0);
    assert!(summary.places_sent > 0);
    let everywhere = report(&server, &admin, None);
    assert_eq!(everywhere.unplaced_households, 0);
    assert_eq!(report(&server, &coordinator, Some("UC1")).households, 1);
}

on_both_databases!(
    a_phones_places_reach_the_server_and_its_reports_show_them,
    places_outside_the_phones_scope_are_refused_and_their_records_still_counted,
    households_in_places_the_server_lacks_are_counted_for_those_who_may_see_them,
);
