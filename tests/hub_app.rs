//! "Run as hub" in the coordinator's app, over real HTTP on loopback: a central
//! `daakhla-server`, the coordinator's app A switched to hub mode, and a phone's app B that
//! enrols through the text of the hub's QR link, surveys and syncs with the hub. The hub
//! relays upstream; the central server has the record, and A's hub screen lists B's phone
//! with its last sync and nothing pending. A restarted A brings its hub back.

use daakhla_app::App;
use daakhla_server::{Role, Server};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// The key the apps' stores are locked with (the app always encrypts its store).
fn store_key() -> daakhla_app::StoreKey {
    daakhla_app::StoreKey::parse(&"4b".repeat(32)).unwrap()
}

fn call(app: &App, name: &str, request: Value) -> Value {
    app.call(name, request)
        .unwrap_or_else(|e| panic!("{name} failed: {e:?}"))
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("0.0.0.0:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn survey(uc: &Value, village: &Value) -> Value {
    json!({
        "household": {
            "uc_code": uc, "village_code": village, "household_number": "21", "landmark": null,
            "consent": true, "gps": null, "respondent_name": null, "respondent_relation": null,
            "respondent_phone": null, "head_name": "Allah Ditta", "head_sex": null,
            "mother_schooling": null, "father_schooling": null, "house_type": null, "members": null,
            "surveyed_by": "Ayesha"
        },
        "children": [{
            "name": "Rani", "sex": "girl", "age_years": 8, "relation_to_head": null, "father_name": null,
            "schooling": "never_enrolled", "school_name": null, "class": null, "last_class_passed": null,
            "year_left": null, "reasons_out_of_school": ["school_too_far"], "other_reason": null,
            "willing_to_enrol": null
        }]
    })
}

#[test]
fn a_phone_enrolled_by_the_hubs_qr_link_reaches_the_central_server_through_the_coordinators_app() {
    let dir = tempfile::tempdir().unwrap();
    let a_path = dir.path().join("coordinator.sqlite");
    let a = App::open_or_create(&a_path, &store_key()).unwrap();
    let b = App::open_or_create(&dir.path().join("phone.sqlite"), &store_key()).unwrap();
    let uc = call(&a, "places", json!({"union_council": null}))[0]["code"].clone();
    let village = call(&a, "places", json!({"union_council": uc}))[0]["code"].clone();
    let uc_code = uc.as_str().unwrap().to_string();

    let central = Arc::new(Server::open(dir.path().join("central").as_path()).unwrap());
    let central_http = daakhla_server::spawn(central.clone(), "127.0.0.1:0").unwrap();
    let code = central
        .add_enrolment(
            "Rukhsana",
            Role::Coordinator,
            std::slice::from_ref(&uc_code),
            Duration::from_secs(3600),
        )
        .unwrap();
    call(
        &a,
        "enrol",
        json!({"server_url": central_http.url(), "code": code}),
    );

    // Off until switched on; a hub page with nothing in it.
    let page = call(&a, "hub", json!({}));
    assert_eq!(page["available"], true);
    assert_eq!(
        (page["on"].clone(), page["running"].clone()),
        (json!(false), json!(false))
    );
    assert_eq!(page["devices"], json!([]));

    let port = free_port();
    let page = call(&a, "set_hub", json!({"on": true, "port": port}));
    assert_eq!(page["running"], true, "{page}");
    assert_eq!(page["port"], port);
    assert_eq!(page["union_councils"], json!([uc_code]));
    assert!(
        page["addresses"][0]
            .as_str()
            .unwrap()
            .ends_with(&format!(":{port}"))
    );
    assert!(
        dir.path()
            .join("coordinator-hub")
            .join("log.sqlite")
            .exists(),
        "the hub's data sits beside the app's store"
    );

    let phone = call(
        &a,
        "hub_phone_code",
        json!({"user": "Ayesha", "uc_code": uc_code}),
    );
    let link = phone["link"].as_str().unwrap();
    // HTTPS with the hub's own self-signed certificate, made at its first start and kept in
    // its data; the link carries the certificate's fingerprint for the phone to pin.
    assert!(
        link.starts_with("daakhla://enrol?server=https%3A%2F%2F"),
        "{link}"
    );
    let fingerprint = page["fingerprint"].as_str().unwrap().to_string();
    assert_eq!(phone["fingerprint"], fingerprint.as_str());
    assert!(link.ends_with(&format!("&fp={fingerprint}")), "{link}");
    assert!(
        dir.path()
            .join("coordinator-hub")
            .join("tls")
            .join("cert.pem")
            .exists()
    );
    assert!(phone["qr_svg"].as_str().unwrap().starts_with("<svg"));
    // A union council that is not the hub's is refused, and names both.
    let refused = a
        .call(
            "hub_phone_code",
            json!({"user": "Naila", "uc_code": "UC-NOT-HERE"}),
        )
        .unwrap_err();
    assert!(refused.en.contains("UC-NOT-HERE"), "{refused:?}");

    let enrolled = call(&b, "enrol", json!({"server_url": null, "code": link}));
    assert_eq!(enrolled["user"], "Ayesha");
    assert_eq!(enrolled["server_url"], phone["server_url"]);
    assert!(
        phone["server_url"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let household = call(&b, "save_survey", survey(&uc, &village))["id"].clone();
    let synced = call(&b, "sync", json!({"server_url": null, "token": null}));
    assert_eq!(synced["sent"], 2, "the household and its child, to the hub");
    // A phone cannot be a hub: the hub knows it as a resource person.
    let not_coordinator = b
        .call("set_hub", json!({"on": true, "port": null}))
        .unwrap_err();
    assert!(
        not_coordinator.en.contains("coordinator"),
        "{not_coordinator:?}"
    );

    let page = call(&a, "hub_relay_now", json!({}));
    let round = &page["last_relay"];
    assert_eq!(round["reachable"], true, "{page}");
    assert!(round["sent"].as_u64().unwrap() >= 2, "{round}");
    let at_centre = central.snapshot().unwrap();
    let id = household.as_str().unwrap();
    assert!(
        at_centre.keys().any(|k| k.ends_with(id)),
        "the central server has the phone's household"
    );
    assert_eq!(page["pending_upstream"], 0);
    let ayesha = page["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["user"] == "Ayesha")
        .unwrap_or_else(|| panic!("the phone is listed: {page}"));
    assert_eq!(ayesha["role"], "resource_person");
    assert!(ayesha["last_synced"].is_string(), "{ayesha}");
    assert_eq!(ayesha["this_laptop"], false);

    // The coordinator's own store syncs with its hub and gets the phone's household.
    let got = call(&a, "sync", json!({"server_url": null, "token": null}));
    assert_eq!(got["server_url"], format!("https://127.0.0.1:{port}"));
    assert!(got["received"].as_u64().unwrap() >= 2, "{got}");
    call(&a, "household", json!({"id": household}));

    // The switch is remembered: a restarted app serves the phones again.
    drop(a);
    let a = App::open_or_create(&a_path, &store_key()).unwrap();
    let page = call(&a, "hub", json!({}));
    assert_eq!(
        (page["on"].clone(), page["running"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(page["port"], port);
    assert_eq!(
        page["fingerprint"], fingerprint,
        "the same certificate after a restart, so the phones' pins hold"
    );
    assert!(
        page["devices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["user"] == "Ayesha")
    );
    let again = call(&b, "sync", json!({"server_url": null, "token": null}));
    assert_eq!(again["sent"], 0);

    // Another program took the port while the app was closed: the app still opens, and the
    // hub screen says why the hub is not running, in both languages.
    drop(a);
    let squatter = std::net::TcpListener::bind(("0.0.0.0", port)).unwrap();
    let a = App::open_or_create(&a_path, &store_key()).unwrap();
    let page = call(&a, "hub", json!({}));
    assert_eq!(
        (page["on"].clone(), page["running"].clone()),
        (json!(true), json!(false))
    );
    assert!(
        page["problem_en"]
            .as_str()
            .unwrap()
            .contains(&port.to_string()),
        "{page}"
    );
    assert!(page["problem_ur"].is_string());
    drop(squatter);
    let page = call(&a, "set_hub", json!({"on": true, "port": null}));
    assert_eq!(page["running"], true, "{page}");
    assert_eq!(page["problem_en"], Value::Null);

    let page = call(&a, "set_hub", json!({"on": false, "port": null}));
    assert_eq!(page["running"], false);
    assert!(
        b.call("sync", json!({"server_url": null, "token": null}))
            .is_err(),
        "the hub stopped"
    );
}
