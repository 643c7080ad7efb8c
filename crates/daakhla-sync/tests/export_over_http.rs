//! Exports from the server over real HTTP, on SQLite and on PostgreSQL: a token sees only its
//! union councils, bad requests say why, and the server's file is the one a device holding the
//! same records writes.

use daakhla_domain::Lang;
use daakhla_domain::input::decode_value;
use daakhla_domain::school::{InfrastructureNeed, School};
use daakhla_export::{ExportKind, ExportRequest, Exporter, Format};
use daakhla_server::scratch::Scratch;
use daakhla_server::{Role, on_both_databases};
use daakhla_store::Store;
use daakhla_sync::{Remote, sync};
use daakhla_testkit::context::ctx;
use serde_json::json;

mod common;
use common::{World, survey};

struct Got {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

fn get(world: &World, token: &str, path: &str) -> Got {
    let response = daakhla_sync::tls::http_client()
        .get(format!("{}{path}", world.running.url()))
        .bearer_auth(token)
        .send()
        .unwrap();
    Got {
        status: response.status().as_u16(),
        content_type: response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default(),
        body: response.bytes().unwrap().to_vec(),
    }
}

fn text(got: &Got) -> String {
    String::from_utf8(got.body.clone()).unwrap()
}

/// The same export written from a device store.
fn on_device(store: &Store, request: ExportRequest) -> Vec<u8> {
    let places = store.place_tree().unwrap();
    let kind = request.kind.record_kind();
    let ucs = request.uc.clone().map(|uc| vec![uc]);
    let mut exporter = Exporter::new(request, &places, Vec::new()).unwrap();
    store
        .for_each_stored(kind, ucs.as_deref(), |r| {
            exporter.push(&r).unwrap();
            Ok::<(), daakhla_store::StoreError>(())
        })
        .unwrap();
    exporter.finish().unwrap().0
}

fn exports_follow_the_tokens_scope(scratch: Scratch) {
    let world = World::new(scratch);
    let (mut uc1, _, uc1_token) = world.enrol("ayesha", Role::ResourcePerson, &["UC1"]);
    let (mut uc2, _, uc2_token) = world.enrol("naila", Role::ResourcePerson, &["UC2"]);
    let (_, _, coordinator) = world.enrol("coordinator", Role::Coordinator, &["UC1"]);
    let (_, _, supervisor) = world.enrol("supervisor", Role::Supervisor, &["SD-THT"]);

    let mut mapped = survey("V1", "UC1", "1");
    mapped.household.gps = Some(daakhla_domain::household::GpsFix {
        latitude: 24.74,
        longitude: 67.61,
        accuracy_m: None,
    });
    let surveys = [mapped, survey("V2", "UC1", "2")];
    uc1.add_surveys(&surveys, &ctx(), &mut |_| {}).unwrap();
    let school: School = decode_value(json!({
        "name": "GGPS Goth Ali", "level": "primary", "gender": "girls", "functional": true,
        "uc_code": "UC1", "village_code": "V1"
    }))
    .unwrap();
    let need: InfrastructureNeed = decode_value(json!({
        "school_id": school.id, "category": "boundary_wall", "severity": "high",
        "identified_on": "2026-11-03", "reported_by": "Ayesha"
    }))
    .unwrap();
    uc1.save_schools(std::slice::from_ref(&school), &ctx(), &mut |_| {})
        .unwrap();
    uc1.save_needs(&[need], &ctx(), &mut |_| {}).unwrap();
    uc2.add_surveys(&[survey("W1", "UC2", "1")], &ctx(), &mut |_| {})
        .unwrap();
    let url = world.running.url();
    sync(&mut uc1, &Remote::new(&url, &uc1_token), &mut |_| {}).unwrap();
    sync(&mut uc2, &Remote::new(&url, &uc2_token), &mut |_| {}).unwrap();

    let csv = get(&world, &coordinator, "/v1/export/households.csv?lang=ur");
    assert_eq!(csv.status, 200, "{}", text(&csv));
    assert_eq!(csv.content_type, "text/csv; charset=utf-8");
    let body = text(&csv);
    assert!(body.starts_with("\u{feff}آئی ڈی,ضلع,"), "{body}");
    assert_eq!(body.lines().count(), 3, "UC1's two households only: {body}");
    assert!(body.contains("گوٹھ علی") && !body.contains("بستی"));

    let everywhere = text(&get(&world, &supervisor, "/v1/export/children.csv"));
    assert_eq!(
        everywhere.lines().count(),
        7,
        "a district's supervisor sees both UCs' six children"
    );
    let one_uc = text(&get(&world, &supervisor, "/v1/export/children.csv?uc=UC2"));
    assert_eq!(one_uc.lines().count(), 3);
    assert!(one_uc.contains("UC two"));

    let xlsx = get(&world, &coordinator, "/v1/export/needs.xlsx?lang=en");
    assert_eq!(xlsx.status, 200);
    assert!(xlsx.content_type.contains("spreadsheetml"));
    assert_eq!(&xlsx.body[..4], b"PK\x03\x04");

    let map = get(&world, &coordinator, "/v1/export/households.geojson");
    let geo: serde_json::Value = serde_json::from_slice(&map.body).unwrap();
    assert_eq!(
        geo["features"].as_array().unwrap().len(),
        1,
        "only the household with a fix"
    );
    assert_eq!(
        geo["features"][0]["geometry"]["coordinates"],
        json!([67.61, 24.74])
    );

    // What the server writes is what a device with the same records writes.
    for (kind, format, lang) in [
        (ExportKind::Households, Format::Csv, Lang::Ur),
        (ExportKind::Children, Format::Csv, Lang::En),
        (ExportKind::Schools, Format::Csv, Lang::En),
        (ExportKind::Needs, Format::Xlsx, Lang::Ur),
    ] {
        let path = format!(
            "/v1/export/{}.{}?lang={}&uc=UC1",
            kind.code(),
            format.extension(),
            lang.code()
        );
        let request = ExportRequest {
            kind,
            format,
            lang,
            uc: Some("UC1".into()),
        };
        assert_eq!(
            get(&world, &coordinator, &path).body,
            on_device(&uc1, request),
            "{path}"
        );
    }

    // Refusals.
    let other_uc = get(&world, &coordinator, "/v1/export/children.csv?uc=UC2");
    assert_eq!(
        other_uc.status, 403,
        "a coordinator of UC1 cannot export UC2"
    );
    let crp = get(&world, &uc1_token, "/v1/export/children.csv");
    assert_eq!(crp.status, 403, "resource persons do not export");
    let kind = get(&world, &coordinator, "/v1/export/pupils.csv");
    assert_eq!(kind.status, 400);
    assert!(
        text(&kind).contains("there is no export of \\\"pupils\\\""),
        "{}",
        text(&kind)
    );
    let format = get(&world, &coordinator, "/v1/export/children.pdf");
    assert_eq!(format.status, 400);
    assert!(text(&format).contains("csv, xlsx or geojson"));
    let lang = get(&world, &coordinator, "/v1/export/children.csv?lang=fr");
    assert_eq!(lang.status, 400);
    let place = get(&world, &supervisor, "/v1/export/children.csv?uc=UC9");
    assert_eq!(
        place.status, 403,
        "a place outside the scope is refused first"
    );
    let (_, _, admin) = world.enrol("admin", Role::Admin, &["*"]);
    let unknown = get(&world, &admin, "/v1/export/children.csv?uc=UC9");
    assert_eq!(unknown.status, 404, "{}", text(&unknown));
    let not_on_map = get(&world, &admin, "/v1/export/follow-ups.geojson");
    assert_eq!(not_on_map.status, 400);
    assert!(text(&not_on_map).contains("GeoJSON"));
    let no_token = daakhla_sync::tls::http_client()
        .get(format!("{url}/v1/export/children.csv"))
        .send()
        .unwrap();
    assert_eq!(no_token.status().as_u16(), 401);
}

on_both_databases!(exports_follow_the_tokens_scope);
